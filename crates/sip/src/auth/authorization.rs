//! Answers: the value of an `Authorization` or `Proxy-Authorization` header
//! (RFC 7616 §3.4, RFC 3261 §22.2).

use std::fmt;

use super::algorithm::{Algorithm, NonceCount, Qop};
use super::params::{self, Param, Writer};
use super::AuthError;

/// A Digest answer to a challenge.
///
/// Written with `qop`, `nc` and `algorithm` as bare tokens and everything else quoted, as
/// RFC 7616 §3.4 requires; read tolerantly (a quoted `qop` or `algorithm` is accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Authorization {
    /// The user name, or its hash when [`Authorization::userhash`] is set.
    pub username: String,
    /// The realm of the challenge answered.
    pub realm: String,
    /// The nonce of the challenge answered.
    pub nonce: String,
    /// The Request-URI the digest covers.
    pub uri: String,
    /// The request-digest, lower-case hex.
    pub response: String,
    /// Echoed from the challenge; `None` means MD5.
    pub algorithm: Option<Algorithm>,
    /// The client nonce; present with `qop`.
    pub cnonce: Option<String>,
    /// Echoed from the challenge.
    pub opaque: Option<String>,
    /// The quality of protection chosen; `None` for the RFC 2069 form.
    pub qop: Option<Qop>,
    /// The nonce count; present with `qop`.
    pub nc: Option<NonceCount>,
    /// `username` is `H(username:realm)`.
    pub userhash: bool,
    /// Other parameters, in header order.
    pub other: Vec<Param>,
}

impl Authorization {
    /// Reads an `Authorization` or `Proxy-Authorization` value.
    ///
    /// `username`, `realm`, `nonce`, `uri` and `response` are required, and with `qop` also
    /// `cnonce` and `nc` (RFC 7616 §3.4).
    pub fn parse(value: &str) -> Result<Self, AuthError> {
        let mut parsed = params::parse(value)?;
        let username = parsed.require("username")?;
        let realm = parsed.require("realm")?;
        let nonce = parsed.require("nonce")?;
        let uri = parsed.require("uri")?;
        let response = parsed.require("response")?;
        let algorithm = match parsed.take("algorithm") {
            Some(p) => Some(p.value.parse::<Algorithm>()?),
            None => None,
        };
        let qop = match parsed.take("qop") {
            Some(p) => Some(
                Qop::from_name(p.value.trim()).ok_or(AuthError::InvalidParameter {
                    name: "qop",
                    value: p.value,
                })?,
            ),
            None => None,
        };
        let nc = match parsed.take("nc") {
            Some(p) => Some(
                NonceCount::parse(&p.value).ok_or(AuthError::InvalidParameter {
                    name: "nc",
                    value: p.value,
                })?,
            ),
            None => None,
        };
        let cnonce = parsed.take("cnonce").map(|p| p.value);
        if qop.is_some() {
            if cnonce.is_none() {
                return Err(AuthError::MissingParameter { name: "cnonce" });
            }
            if nc.is_none() {
                return Err(AuthError::MissingParameter { name: "nc" });
            }
        }
        let opaque = parsed.take("opaque").map(|p| p.value);
        let userhash = parsed
            .take("userhash")
            .is_some_and(|p| p.value.eq_ignore_ascii_case("true"));
        Ok(Self {
            username,
            realm,
            nonce,
            uri,
            response,
            algorithm,
            cnonce,
            opaque,
            qop,
            nc,
            userhash,
            other: parsed.params,
        })
    }

    /// The algorithm the digest was computed with: the one named, or MD5.
    pub fn effective_algorithm(&self) -> Algorithm {
        self.algorithm.unwrap_or(Algorithm::Md5)
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut w = Writer::new("Digest");
        w.quoted("username", &self.username);
        w.quoted("realm", &self.realm);
        w.quoted("nonce", &self.nonce);
        w.quoted("uri", &self.uri);
        w.quoted("response", &self.response);
        if let Some(algorithm) = self.algorithm {
            w.token("algorithm", algorithm);
        }
        if let Some(cnonce) = &self.cnonce {
            w.quoted("cnonce", cnonce);
        }
        if let Some(opaque) = &self.opaque {
            w.quoted("opaque", opaque);
        }
        if let Some(qop) = self.qop {
            w.token("qop", qop);
        }
        if let Some(nc) = self.nc {
            w.token("nc", nc);
        }
        if self.userhash {
            w.token("userhash", "true");
        }
        for param in &self.other {
            w.param(param);
        }
        f.write_str(&w.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC2617: &str = r#"Digest username="Mufasa",
                 realm="testrealm@host.com",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 uri="/dir/index.html",
                 qop=auth,
                 nc=00000001,
                 cnonce="0a4f113b",
                 response="6629fae49393a05397450978507c4ef1",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41""#;

    #[test]
    fn reads_and_writes_the_rfc2617_answer() {
        let a = Authorization::parse(RFC2617).unwrap();
        assert_eq!(a.username, "Mufasa");
        assert_eq!(a.qop, Some(Qop::Auth));
        assert_eq!(a.nc, Some(NonceCount(1)));
        assert_eq!(a.cnonce.as_deref(), Some("0a4f113b"));
        assert_eq!(a.effective_algorithm(), Algorithm::Md5);
        assert_eq!(
            a.to_string(),
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
             response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", \
             opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001"
        );
        assert_eq!(Authorization::parse(&a.to_string()).unwrap(), a);
    }

    #[test]
    fn tolerates_quoted_tokens() {
        let a = Authorization::parse(
            "Digest username=u, realm=r, nonce=n, uri=\"sip:x\", response=\"00\", \
             qop=\"AUTH-INT\", nc=0000000a, cnonce=c, algorithm=\"SHA-256\", x=\"y\"",
        )
        .unwrap();
        assert_eq!(a.qop, Some(Qop::AuthInt));
        assert_eq!(a.nc, Some(NonceCount(10)));
        assert_eq!(a.algorithm, Some(Algorithm::Sha256));
        assert_eq!(a.other, [Param::quoted("x", "y")]);
    }

    #[test]
    fn missing_and_invalid_parameters() {
        let base = "Digest username=u, realm=r, nonce=n, uri=sip:x, response=00";
        assert!(Authorization::parse(base).is_ok());
        let cases: &[(&str, AuthError)] = &[
            (
                "Digest realm=r, nonce=n, uri=sip:x, response=00",
                AuthError::MissingParameter { name: "username" },
            ),
            (
                &format!("{base}, qop=auth, nc=00000001"),
                AuthError::MissingParameter { name: "cnonce" },
            ),
            (
                &format!("{base}, qop=auth, cnonce=c"),
                AuthError::MissingParameter { name: "nc" },
            ),
            (
                &format!("{base}, qop=auth, cnonce=c, nc=1"),
                AuthError::InvalidParameter {
                    name: "nc",
                    value: "1".into(),
                },
            ),
            (
                &format!("{base}, qop=\"auth,auth-int\", cnonce=c, nc=00000001"),
                AuthError::InvalidParameter {
                    name: "qop",
                    value: "auth,auth-int".into(),
                },
            ),
            (
                "Basic dXNlcjpwYXNz",
                AuthError::UnsupportedScheme {
                    scheme: "Basic".into(),
                },
            ),
            (
                "Basic user=x",
                AuthError::UnsupportedScheme {
                    scheme: "Basic".into(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Authorization::parse(input).unwrap_err(),
                *expected,
                "{input}"
            );
        }
    }
}
