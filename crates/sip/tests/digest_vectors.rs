//! Digest responses checked against values computed elsewhere: the examples printed in the
//! RFCs, and SIP cases computed independently with Python's hashlib.
//!
//! The Python reference (python3, hashlib only), saved as `digest_ref.py`:
//!
//! ```text
//! import hashlib
//! def H(alg, data):
//!     base = alg.replace('-sess', '')
//!     name = {'MD5': 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512_256'}[base]
//!     return hashlib.new(name, data if isinstance(data, bytes) else data.encode()).hexdigest()
//! def resp(alg, user, realm, pw, method, uri, nonce, nc=None, cnonce=None, qop=None, body=b''):
//!     ha1 = H(alg, f'{user}:{realm}:{pw}')
//!     if alg.endswith('-sess'):
//!         ha1 = H(alg, f'{ha1}:{nonce}:{cnonce}')
//!     a2 = f'{method}:{uri}' + (':' + H(alg, body) if qop == 'auth-int' else '')
//!     if qop:
//!         return H(alg, f'{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{H(alg, a2)}')
//!     return H(alg, f'{ha1}:{nonce}:{H(alg, a2)}')
//! ```
//!
//! Each SIP case below names the call that produced its expected value, run as
//! `python3 -c "from digest_ref import *; print(resp(...))"`.

use handset_sip::auth::{
    select, Algorithm, Authorization, Challenge, ChallengeKind, Credentials, DigestClient,
    DigestRequest, NonceCount, Preference, Qop, Unauthorized,
};
use rand::RngCore;

fn mufasa(password: &str) -> Credentials {
    Credentials::new("Mufasa", password)
}

// ---------------------------------------------------------------------------------------------
// RFC examples

/// RFC 2617 §3.5: MD5, qop=auth.
#[test]
fn rfc2617_section_3_5() {
    let challenge = Challenge::parse(
        "Digest\r\n realm=\"testrealm@host.com\",\r\n qop=\"auth,auth-int\",\r\n \
         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n \
         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
    )
    .unwrap();
    let answer = challenge
        .answer(
            &mufasa("Circle Of Life"),
            &DigestRequest::new("GET", "/dir/index.html"),
            "0a4f113b",
            NonceCount(1),
        )
        .unwrap();
    assert_eq!(answer.response, "6629fae49393a05397450978507c4ef1");
    // The RFC's header, in this module's parameter order; qop and nc bare, algorithm absent
    // because the challenge named none.
    assert_eq!(
        answer.to_string(),
        "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
         response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", \
         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001"
    );
}

const RFC7616_SHA256: &str = "Digest
    realm=\"http-auth@example.org\",
    qop=\"auth, auth-int\",
    algorithm=SHA-256,
    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",
    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

const RFC7616_MD5: &str = "Digest
    realm=\"http-auth@example.org\",
    qop=\"auth, auth-int\",
    algorithm=MD5,
    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",
    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

/// RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
#[test]
fn rfc7616_section_3_9_1() {
    let request = DigestRequest::new("GET", "/dir/index.html");
    for (challenge, expected) in [
        (RFC7616_MD5, "8ca523f5e9506fed4657c9700eebdbec"),
        (
            RFC7616_SHA256,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
        ),
    ] {
        let challenge = Challenge::parse(challenge).unwrap();
        let answer = challenge
            .answer(
                &mufasa("Circle of Life"),
                &request,
                RFC7616_CNONCE,
                NonceCount(1),
            )
            .unwrap();
        assert_eq!(answer.response, expected);
        assert_eq!(answer.qop, Some(Qop::Auth));
        assert_eq!(answer.algorithm, challenge.algorithm);
        let text = answer.to_string();
        assert!(
            text.contains(&format!("algorithm={}", challenge.effective_algorithm())),
            "{text}"
        );
        assert!(text.contains("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""));
    }
}

/// The two §3.9.1 challenges come in one response; the stronger one is answered by default,
/// the first listed under the server's order.
#[test]
fn rfc7616_choice_between_sha256_and_md5() {
    let both = [
        Challenge::parse(RFC7616_MD5).unwrap(),
        Challenge::parse(RFC7616_SHA256).unwrap(),
    ];
    assert_eq!(
        select(&both, Preference::Strongest).map(|c| c.effective_algorithm()),
        Some(Algorithm::Sha256)
    );
    assert_eq!(
        select(&both, Preference::ServerOrder).map(|c| c.effective_algorithm()),
        Some(Algorithm::Md5)
    );
}

/// RFC 7616 §3.9.2, SHA-512-256 with a hashed user name. The values printed in the RFC were
/// computed with a draft SHA-512/256; these are the corrected ones of erratum 4897, which
/// Python reproduces:
///   H('SHA-512-256', 'Jäsøn Doe:api@example.org')
///   resp('SHA-512-256', 'Jäsøn Doe', 'api@example.org', 'Secret, or not?', 'GET',
///        '/doe.json', '5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK', '00000001',
///        'NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v', 'auth')
#[test]
fn rfc7616_section_3_9_2_with_erratum_4897() {
    let challenge = Challenge::parse(
        "Digest
    realm=\"api@example.org\",
    qop=\"auth\",
    algorithm=SHA-512-256,
    nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\",
    opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\",
    charset=UTF-8,
    userhash=true",
    )
    .unwrap();
    assert!(challenge.userhash);
    let answer = challenge
        .answer(
            &Credentials::new("J\u{e4}s\u{f8}n Doe", "Secret, or not?"),
            &DigestRequest::new("GET", "/doe.json"),
            "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
            NonceCount(1),
        )
        .unwrap();
    assert_eq!(
        answer.username,
        "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"
    );
    assert_eq!(
        answer.response,
        "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"
    );
    assert!(answer.userhash);
    assert!(answer.to_string().ends_with(", userhash=true"));
}

// ---------------------------------------------------------------------------------------------
// SIP cases, computed with digest_ref.py

const NONCE: &str = "5f1c1e2d3b4a69788796a5b4c3d2e1f0";
const CNONCE: &str = "c0ffee00deadbeef";

fn alice() -> Credentials {
    Credentials::new("alice", "Wonderland-42")
}

/// One SIP case: the challenge's algorithm and qop, the request, the nonce count, and the
/// response Python computed.
struct Case {
    algorithm: Algorithm,
    qop: Option<Qop>,
    method: &'static str,
    uri: &'static str,
    body: &'static [u8],
    nc: u32,
    expected: &'static str,
    python: &'static str,
}

const SDP: &[u8] = b"v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\n\
c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";

/// `reg = ('alice', 'example.com', 'Wonderland-42', 'REGISTER', 'sip:example.com',
/// '5f1c1e2d3b4a69788796a5b4c3d2e1f0')`, `inv` the same with `'INVITE', 'sip:bob@example.com'`,
/// `c = 'c0ffee00deadbeef'`, and `sdp` the bytes of [`SDP`].
const SIP_CASES: &[Case] = &[
    Case {
        algorithm: Algorithm::Md5,
        qop: Some(Qop::Auth),
        method: "REGISTER",
        uri: "sip:example.com",
        body: b"",
        nc: 1,
        expected: "eb5164d0f7bacfc742b69a7cf93f313a",
        python: "resp('MD5', *reg, '00000001', c, 'auth')",
    },
    Case {
        algorithm: Algorithm::Md5,
        qop: Some(Qop::Auth),
        method: "REGISTER",
        uri: "sip:example.com",
        body: b"",
        nc: 2,
        expected: "b49fd701dc0be877c010588179476309",
        python: "resp('MD5', *reg, '00000002', c, 'auth')",
    },
    Case {
        algorithm: Algorithm::Md5,
        qop: None,
        method: "REGISTER",
        uri: "sip:example.com",
        body: b"",
        nc: 1,
        expected: "9589bc34c71d01bf639a5c2b49dfb623",
        python: "resp('MD5', *reg)",
    },
    Case {
        algorithm: Algorithm::Sha256,
        qop: Some(Qop::Auth),
        method: "REGISTER",
        uri: "sip:example.com",
        body: b"",
        nc: 1,
        expected: "17d3ae15269345fc453e330dbdfe1e57b39499ab4cfeb48d86a82d678be11c4b",
        python: "resp('SHA-256', *reg, '00000001', c, 'auth')",
    },
    Case {
        algorithm: Algorithm::Sha512_256,
        qop: Some(Qop::Auth),
        method: "REGISTER",
        uri: "sip:example.com",
        body: b"",
        nc: 1,
        expected: "cf18543475acdfe1f15ad4dd50a9c037e80de51c6903e1f1d15683c2fa849a98",
        python: "resp('SHA-512-256', *reg, '00000001', c, 'auth')",
    },
    Case {
        algorithm: Algorithm::Md5Sess,
        qop: Some(Qop::Auth),
        method: "REGISTER",
        uri: "sip:example.com",
        body: b"",
        nc: 1,
        expected: "411fd9c8d01e0c4b3970a08e21d4827f",
        python: "resp('MD5-sess', *reg, '00000001', c, 'auth')",
    },
    Case {
        algorithm: Algorithm::Sha256Sess,
        qop: Some(Qop::Auth),
        method: "REGISTER",
        uri: "sip:example.com",
        body: b"",
        nc: 1,
        expected: "0c2c3f98107f7c2bef546e01e7574ea316e7a0cd85a8fffb7f4bb6751e547c6e",
        python: "resp('SHA-256-sess', *reg, '00000001', c, 'auth')",
    },
    Case {
        algorithm: Algorithm::Sha512_256Sess,
        qop: Some(Qop::Auth),
        method: "REGISTER",
        uri: "sip:example.com",
        body: b"",
        nc: 1,
        expected: "fa49a03037168abc39aaeedefade3a985742184e9b49821072e03da687925aa4",
        python: "resp('SHA-512-256-sess', *reg, '00000001', c, 'auth')",
    },
    Case {
        algorithm: Algorithm::Md5,
        qop: Some(Qop::AuthInt),
        method: "INVITE",
        uri: "sip:bob@example.com",
        body: SDP,
        nc: 1,
        expected: "5f41d802f633e035934218151897b8d6",
        python: "resp('MD5', *inv, '00000001', c, 'auth-int', body=sdp)",
    },
    Case {
        algorithm: Algorithm::Sha256,
        qop: Some(Qop::AuthInt),
        method: "INVITE",
        uri: "sip:bob@example.com",
        body: SDP,
        nc: 1,
        expected: "50a1213a29500d9ec7cb89ff05e7d1300a25350bb1c450c9682581c28dd463db",
        python: "resp('SHA-256', *inv, '00000001', c, 'auth-int', body=sdp)",
    },
    Case {
        algorithm: Algorithm::Md5Sess,
        qop: Some(Qop::AuthInt),
        method: "INVITE",
        uri: "sip:bob@example.com",
        body: b"",
        nc: 1,
        expected: "f173fc32a0d164f56578f078a06894f5",
        python: "resp('MD5-sess', *inv, '00000001', c, 'auth-int', body=b'')",
    },
];

#[test]
fn sip_cases_match_python() {
    for case in SIP_CASES {
        let qop: Vec<Qop> = case.qop.into_iter().collect();
        let challenge = Challenge::new("example.com", NONCE)
            .with_algorithm(case.algorithm)
            .with_qop(&qop);
        // Through the header text, as a challenge would arrive.
        let challenge = Challenge::parse(&challenge.to_string()).unwrap();
        let request = DigestRequest::new(case.method, case.uri).with_body(case.body);
        let answer = challenge
            .answer(&alice(), &request, CNONCE, NonceCount(case.nc))
            .unwrap();
        assert_eq!(answer.response, case.expected, "{}", case.python);
        let text = answer.to_string();
        match case.qop {
            Some(qop) => {
                assert!(text.contains(&format!(", qop={qop}, ")), "{text}");
                assert!(text.contains(&format!(", nc={:08x}", case.nc)), "{text}");
                assert!(text.contains(&format!(", cnonce=\"{CNONCE}\"")), "{text}");
            }
            None => assert!(!text.contains("qop") && !text.contains("cnonce"), "{text}"),
        }
        assert!(
            text.contains(&format!(", algorithm={}", case.algorithm)),
            "{text}"
        );
        assert_eq!(Authorization::parse(&text).unwrap(), answer);
    }
}

/// An RNG handing out a fixed byte pattern, so the client's cnonce is known.
struct Pattern(&'static [u8]);

impl RngCore for Pattern {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for (d, s) in dest.iter_mut().zip(self.0.iter().cycle()) {
            *d = *s;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// A REGISTER challenged with SHA-256, answered by the client, then re-registered with the
/// same nonce. Python, with `c = 'c0ffee00deadbeefc0ffee00deadbeef'`:
///   resp('SHA-256', *reg, '00000001', c, 'auth') and the same with '00000002'.
#[test]
fn sip_register_through_the_client() {
    let mut client = DigestClient::new(alice());
    let challenge =
        format!("Digest realm=\"example.com\", nonce=\"{NONCE}\", algorithm=SHA-256, qop=\"auth\"");
    client
        .handle_challenges(&Unauthorized::new().challenge(ChallengeKind::Www, &challenge))
        .unwrap();
    let register = DigestRequest::new("REGISTER", "sip:example.com");
    let mut rng = Pattern(&[0xc0, 0xff, 0xee, 0x00, 0xde, 0xad, 0xbe, 0xef]);
    let first = client.authorize(&register, &mut rng).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].name(), "Authorization");
    assert_eq!(
        first[0].value,
        "Digest username=\"alice\", realm=\"example.com\", \
         nonce=\"5f1c1e2d3b4a69788796a5b4c3d2e1f0\", uri=\"sip:example.com\", \
         response=\"6b9e1d43b1c74a09d54d05e489045058716e68615a43cc1db81b14fc3386c3ec\", \
         algorithm=SHA-256, cnonce=\"c0ffee00deadbeefc0ffee00deadbeef\", qop=auth, nc=00000001"
    );
    let again = client.authorize(&register, &mut rng).unwrap();
    let again = Authorization::parse(&again[0].value).unwrap();
    assert_eq!(again.nc, Some(NonceCount(2)));
    assert_eq!(
        again.response,
        "7b5505cb9e0451b2a62c60796b82e0439409efa28e6bc5a0fdcc0705407fe3a3"
    );
}
