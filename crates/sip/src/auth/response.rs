//! The request-digest: the `response` parameter both sides compute (RFC 7616 §3.4.1, with the
//! RFC 2069 form kept for challenges without `qop`, RFC 2617 §3.2.2.1).

use super::algorithm::{Algorithm, NonceCount, Qop};

/// The parts of a request the digest covers. The message layer fills it from the request it
/// sends or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestRequest<'a> {
    /// The method (`REGISTER`, `INVITE`, …), as in the request line.
    pub method: &'a str,
    /// The Request-URI, exactly as in the request line; it becomes the `uri` parameter.
    pub uri: &'a str,
    /// The message body; only `qop=auth-int` covers it. Empty when there is none.
    pub body: &'a [u8],
}

impl<'a> DigestRequest<'a> {
    /// A request without a body.
    pub fn new(method: &'a str, uri: &'a str) -> Self {
        Self {
            method,
            uri,
            body: &[],
        }
    }

    /// The same request with `body`.
    #[must_use]
    pub fn with_body(self, body: &'a [u8]) -> Self {
        Self { body, ..self }
    }
}

/// Everything the request-digest depends on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'a> {
    pub(crate) algorithm: Algorithm,
    /// The user name in clear, even when the header carries its hash (`userhash`).
    pub(crate) username: &'a str,
    pub(crate) realm: &'a str,
    pub(crate) password: &'a str,
    pub(crate) nonce: &'a str,
    /// `None`: the RFC 2069 form, without `nc`, `cnonce` and `qop`.
    pub(crate) qop: Option<Qop>,
    pub(crate) nc: NonceCount,
    pub(crate) cnonce: &'a str,
    pub(crate) request: DigestRequest<'a>,
}

impl Inputs<'_> {
    /// `H(A1)`, the session key.
    fn ha1(&self) -> String {
        let h = |parts: &[&[u8]]| self.algorithm.hash_hex(parts);
        let secret = h(&[
            self.username.as_bytes(),
            b":",
            self.realm.as_bytes(),
            b":",
            self.password.as_bytes(),
        ]);
        if self.algorithm.is_session() {
            h(&[
                secret.as_bytes(),
                b":",
                self.nonce.as_bytes(),
                b":",
                self.cnonce.as_bytes(),
            ])
        } else {
            secret
        }
    }

    /// `H(A2)`.
    fn ha2(&self) -> String {
        let h = |parts: &[&[u8]]| self.algorithm.hash_hex(parts);
        let method = self.request.method.as_bytes();
        let uri = self.request.uri.as_bytes();
        match self.qop {
            Some(Qop::AuthInt) => {
                let body = h(&[self.request.body]);
                h(&[method, b":", uri, b":", body.as_bytes()])
            }
            Some(Qop::Auth) | None => h(&[method, b":", uri]),
        }
    }

    /// The `response` value: `KD(H(A1), nonce:nc:cnonce:qop:H(A2))`, or
    /// `KD(H(A1), nonce:H(A2))` without qop, as lower-case hex.
    pub(crate) fn response(&self) -> String {
        let ha1 = self.ha1();
        let ha2 = self.ha2();
        let nonce = self.nonce.as_bytes();
        match self.qop {
            Some(qop) => {
                let nc = self.nc.to_string();
                self.algorithm.hash_hex(&[
                    ha1.as_bytes(),
                    b":",
                    nonce,
                    b":",
                    nc.as_bytes(),
                    b":",
                    self.cnonce.as_bytes(),
                    b":",
                    qop.as_str().as_bytes(),
                    b":",
                    ha2.as_bytes(),
                ])
            }
            None => self
                .algorithm
                .hash_hex(&[ha1.as_bytes(), b":", nonce, b":", ha2.as_bytes()]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mufasa(algorithm: Algorithm, qop: Option<Qop>) -> Inputs<'static> {
        Inputs {
            algorithm,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            qop,
            nc: NonceCount(1),
            cnonce: "0a4f113b",
            request: DigestRequest::new("GET", "/dir/index.html"),
        }
    }

    #[test]
    fn rfc2617_section_3_5() {
        assert_eq!(
            mufasa(Algorithm::Md5, Some(Qop::Auth)).response(),
            "6629fae49393a05397450978507c4ef1"
        );
    }

    // The RFC 2069 form and auth-int with a body, from Python's hashlib with the `resp`
    // function quoted at the top of tests/digest_vectors.rs:
    //   resp('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life', 'GET',
    //        '/dir/index.html', 'dcd98b7102dd2f0e8b11d0f600bfb0c093')
    //   resp(<the same>, '00000001', '0a4f113b', 'auth-int', body=b'hello')
    #[test]
    fn without_qop_and_with_auth_int() {
        assert_eq!(
            mufasa(Algorithm::Md5, None).response(),
            "670fd8c2df070c60b045671b8b24ff02"
        );
        let mut with_body = mufasa(Algorithm::Md5, Some(Qop::AuthInt));
        with_body.request = with_body.request.with_body(b"hello");
        assert_eq!(with_body.response(), "4b9dff6a3247bddd2fed3d63a302e8dc");
    }
}
