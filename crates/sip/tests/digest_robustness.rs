//! Header values from the network never panic the digest module: truncations and seeded
//! random mutations of real values, and random text, go through the parsers, the client and
//! the server. What parses must write back to a value that parses the same.

use std::time::{Duration, Instant};

use handset_sip::auth::{
    AuthError, Authorization, Challenge, ChallengeKind, Credentials, DigestClient, DigestRequest,
    DigestServer, ServerConfig, Unauthorized, Verdict,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEEDS: &[&str] = &[
    "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
     nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
    "Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, \
     nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", charset=UTF-8, userhash=true",
    "Digest realm=\"a \\\"q\\\" \\\\ b\", nonce=n, stale=TRUE, domain=\"sip:a sip:b\", \
     algorithm=MD5-sess, qop=auth",
    "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
     nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, \
     nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", \
     opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
    "Digest username=\"J\u{e4}s\u{f8}n\", realm=r, nonce=n, uri=sip:x, response=00, \
     algorithm=SHA-256-sess, qop=auth-int, nc=0000000a, cnonce=\"c\"",
    "Basic realm=\"x\"",
];

/// Characters that matter to the grammar, plus multi-byte ones to catch slicing mistakes.
const ALPHABET: &[char] = &[
    '"',
    '\\',
    ',',
    '=',
    ' ',
    '\t',
    '\r',
    '\n',
    '\0',
    'a',
    'Z',
    '0',
    '9',
    '-',
    '/',
    ':',
    '@',
    '\u{e9}',
    '\u{20ac}',
    '\u{1f4de}',
    'D',
    'i',
    'g',
    'e',
    's',
    't',
];

#[allow(clippy::disallowed_methods)] // an arbitrary origin for simulated time
fn origin() -> Instant {
    Instant::now()
}

/// Parses `value` both ways and checks what must hold whatever the input.
fn parse_both(value: &str) {
    match Challenge::parse(value) {
        Ok(challenge) => {
            let written = challenge.to_string();
            assert_eq!(
                Challenge::parse(&written).as_ref(),
                Ok(&challenge),
                "{value:?} -> {written:?}"
            );
            assert!(!written.contains(['\r', '\n', '\0']), "{written:?}");
        }
        Err(error) => check_error(value, &error),
    }
    match Authorization::parse(value) {
        Ok(authorization) => {
            let written = authorization.to_string();
            assert_eq!(
                Authorization::parse(&written).as_ref(),
                Ok(&authorization),
                "{value:?} -> {written:?}"
            );
            assert!(!written.contains(['\r', '\n', '\0']), "{written:?}");
        }
        Err(error) => check_error(value, &error),
    }
}

fn check_error(value: &str, error: &AuthError) {
    if let AuthError::Malformed { at, .. } = error {
        assert!(*at <= value.len(), "{value:?}: {error}");
        assert!(value.is_char_boundary(*at), "{value:?}: {error}");
    }
    // Display works for every error.
    assert!(!error.to_string().is_empty());
}

fn mutate(rng: &mut StdRng, value: &str) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    for _ in 0..rng.gen_range(1..=4) {
        let at = rng.gen_range(0..=chars.len());
        match rng.gen_range(0..4) {
            0 => chars.insert(at, ALPHABET[rng.gen_range(0..ALPHABET.len())]),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            2 if at < chars.len() => {
                let end = rng.gen_range(at..=chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                let to = rng.gen_range(0..=chars.len());
                chars.splice(to..to, copy);
            }
            _ => chars.truncate(at),
        }
    }
    chars.into_iter().collect()
}

fn random_text(rng: &mut StdRng) -> String {
    let len = rng.gen_range(0..120);
    let mut text: String = if rng.gen_bool(0.5) {
        "Digest ".into()
    } else {
        String::new()
    };
    text.extend((0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())]));
    text
}

#[test]
fn every_truncation_of_real_values() {
    for seed in SEEDS {
        for (at, _) in seed.char_indices() {
            parse_both(&seed[..at]);
            parse_both(&seed[at..]);
        }
    }
}

#[test]
fn seeded_mutations_and_random_text() {
    let mut rng = StdRng::seed_from_u64(0x5eed_d16e);
    for _ in 0..20_000 {
        let seed = SEEDS[rng.gen_range(0..SEEDS.len())];
        parse_both(&mutate(&mut rng, seed));
        parse_both(&random_text(&mut rng));
    }
}

/// Mangled challenges and mangled answers through the client and the server: errors are
/// fine, panics are not, and a mangled answer is never accepted.
#[test]
fn client_and_server_take_garbage() {
    let t0 = origin();
    let mut rng = StdRng::seed_from_u64(42);
    let mut server = DigestServer::new(ServerConfig::new("phone"), [3; 32], t0);
    let invite = DigestRequest::new("INVITE", "sip:phone@192.0.2.10").with_body(b"v=0\r\n");
    let password_of = |user: &str| (user == "pbx").then_some("pw");

    let challenges: Vec<String> = server
        .challenges(t0)
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut good_client = DigestClient::new(Credentials::new("pbx", "pw"));
    good_client
        .handle_challenges(&Unauthorized::new().challenge(ChallengeKind::Www, &challenges[0]))
        .unwrap();

    for round in 0..3_000u64 {
        let now = t0 + Duration::from_millis(round);
        // The client, with a mangled challenge and a mangled record of what it sent.
        let mut client = DigestClient::new(Credentials::new("pbx", "pw"));
        let challenge = mutate(&mut rng, &challenges[0]);
        let sent = mutate(&mut rng, SEEDS[3]);
        let response = Unauthorized::new()
            .challenge(ChallengeKind::Www, &challenge)
            .challenge(ChallengeKind::Proxy, SEEDS[(round % 6) as usize])
            .sent(ChallengeKind::Www, &sent);
        if client.handle_challenges(&response).is_ok() {
            let _ = client.authorize(&invite, &mut rng);
        }

        // The server, with a mangled version of a real answer to its own challenge.
        let real = good_client
            .authorize(&invite, &mut rng)
            .unwrap()
            .remove(0)
            .value;
        let mangled = mutate(&mut rng, &real);
        let verdict = server.verify(now, &invite, &[&mangled], password_of);
        if let Verdict::Accepted { .. } = verdict {
            // Only a change that leaves the meaning intact may pass: same digest parameters.
            let (a, b) = (
                Authorization::parse(&mangled).unwrap(),
                Authorization::parse(&real).unwrap(),
            );
            assert_eq!(
                (&a.username, &a.nonce, &a.uri, &a.cnonce, a.nc, a.qop),
                (&b.username, &b.nonce, &b.uri, &b.cnonce, b.nc, b.qop),
                "{mangled:?}"
            );
            assert_eq!(a.response.to_ascii_lowercase(), b.response);
        }
        let _ = server.verify(now, &invite, &[&random_text(&mut rng)], password_of);
    }
}
