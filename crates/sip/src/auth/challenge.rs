//! Challenges: the value of a `WWW-Authenticate` or `Proxy-Authenticate` header
//! (RFC 7616 §3.3, RFC 3261 §22.1), and answering one.

use std::fmt;

use super::algorithm::{Algorithm, NonceCount, Qop};
use super::authorization::Authorization;
use super::client::Credentials;
use super::params::{self, Param, Writer};
use super::response::{DigestRequest, Inputs};
use super::AuthError;

/// Which header a challenge came in, and so which header carries the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChallengeKind {
    /// `WWW-Authenticate` in a 401 from the user agent or registrar, answered with
    /// `Authorization`.
    Www,
    /// `Proxy-Authenticate` in a 407 from a proxy, answered with `Proxy-Authorization`.
    Proxy,
}

impl ChallengeKind {
    /// The name of the header carrying the challenge.
    pub fn challenge_header(self) -> &'static str {
        match self {
            ChallengeKind::Www => "WWW-Authenticate",
            ChallengeKind::Proxy => "Proxy-Authenticate",
        }
    }

    /// The name of the header carrying the answer.
    pub fn authorization_header(self) -> &'static str {
        match self {
            ChallengeKind::Www => "Authorization",
            ChallengeKind::Proxy => "Proxy-Authorization",
        }
    }

    /// The status code of a response carrying this kind of challenge.
    pub fn status(self) -> u16 {
        match self {
            ChallengeKind::Www => 401,
            ChallengeKind::Proxy => 407,
        }
    }
}

/// A Digest challenge.
///
/// Parameters the digest schemes do not define (`charset`, vendor extensions) are kept in
/// [`Challenge::other`] and written back unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Challenge {
    /// The protection space; it selects the credentials.
    pub realm: String,
    /// The server's nonce.
    pub nonce: String,
    /// Returned unchanged in the answer.
    pub opaque: Option<String>,
    /// `None` when the parameter was absent, which means MD5
    /// (see [`Challenge::effective_algorithm`]).
    pub algorithm: Option<Algorithm>,
    /// `None` when the parameter was absent: the RFC 2069 form, kept for old servers
    /// (RFC 3261 §22.4). Otherwise the options offered that this module knows; unknown ones
    /// are left out, so the list may be empty.
    pub qop: Option<Vec<Qop>>,
    /// The previous request was refused only because its nonce had expired: retry with this
    /// one without asking the user again.
    pub stale: bool,
    /// URIs of the protection space (`domain`), in order.
    pub domain: Vec<String>,
    /// The client is to send `H(username:realm)` instead of the user name (RFC 7616 §3.4.4).
    pub userhash: bool,
    /// Other parameters, in header order.
    pub other: Vec<Param>,
}

impl Challenge {
    /// A challenge offering `qop="auth"` with the default algorithm; adjust it with the
    /// `with_*` methods.
    pub fn new(realm: impl Into<String>, nonce: impl Into<String>) -> Self {
        Self {
            realm: realm.into(),
            nonce: nonce.into(),
            opaque: None,
            algorithm: None,
            qop: Some(vec![Qop::Auth]),
            stale: false,
            domain: Vec::new(),
            userhash: false,
            other: Vec::new(),
        }
    }

    /// Names the algorithm explicitly.
    #[must_use]
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = Some(algorithm);
        self
    }

    /// Offers these qop options; an empty list leaves the `qop` parameter out.
    #[must_use]
    pub fn with_qop(mut self, qop: &[Qop]) -> Self {
        self.qop = (!qop.is_empty()).then(|| qop.to_vec());
        self
    }

    /// Sets `opaque`.
    #[must_use]
    pub fn with_opaque(mut self, opaque: impl Into<String>) -> Self {
        self.opaque = Some(opaque.into());
        self
    }

    /// Sets `stale`.
    #[must_use]
    pub fn with_stale(mut self, stale: bool) -> Self {
        self.stale = stale;
        self
    }

    /// Reads a `WWW-Authenticate` or `Proxy-Authenticate` value.
    ///
    /// Another scheme (`Basic`, `Bearer`, …) is [`AuthError::UnsupportedScheme`], and an
    /// algorithm this module cannot compute is [`AuthError::UnsupportedAlgorithm`]: such a
    /// challenge is one to skip, not an error of the response as a whole.
    pub fn parse(value: &str) -> Result<Self, AuthError> {
        let mut parsed = params::parse(value)?;
        let realm = parsed.require("realm")?;
        let nonce = parsed.require("nonce")?;
        let opaque = parsed.take("opaque").map(|p| p.value);
        let algorithm = match parsed.take("algorithm") {
            Some(p) => Some(p.value.parse::<Algorithm>()?),
            None => None,
        };
        let qop = parsed.take("qop").map(|p| {
            p.value
                .split(',')
                .filter_map(|token| Qop::from_name(token.trim()))
                .collect::<Vec<_>>()
        });
        let stale = parsed
            .take("stale")
            .is_some_and(|p| p.value.eq_ignore_ascii_case("true"));
        let domain = parsed
            .take("domain")
            .map(|p| p.value.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let userhash = parsed
            .take("userhash")
            .is_some_and(|p| p.value.eq_ignore_ascii_case("true"));
        Ok(Self {
            realm,
            nonce,
            opaque,
            algorithm,
            qop,
            stale,
            domain,
            userhash,
            other: parsed.params,
        })
    }

    /// The algorithm to use: the one named, or MD5 when none is.
    pub fn effective_algorithm(&self) -> Algorithm {
        self.algorithm.unwrap_or(Algorithm::Md5)
    }

    /// The qop an answer will use: `auth` when offered (or `auth-int` first when
    /// `prefer_auth_int`), `None` for a challenge without `qop`.
    ///
    /// [`AuthError::NoSupportedQop`] when `qop` lists neither; [`AuthError::MissingParameter`]
    /// for a `-sess` algorithm without `qop`, whose session key needs a client nonce that only
    /// exists with qop.
    pub fn preferred_qop(&self, prefer_auth_int: bool) -> Result<Option<Qop>, AuthError> {
        let Some(offered) = &self.qop else {
            if self.effective_algorithm().is_session() {
                return Err(AuthError::MissingParameter { name: "qop" });
            }
            return Ok(None);
        };
        let order = if prefer_auth_int {
            [Qop::AuthInt, Qop::Auth]
        } else {
            [Qop::Auth, Qop::AuthInt]
        };
        order
            .into_iter()
            .find(|q| offered.contains(q))
            .map(Some)
            .ok_or(AuthError::NoSupportedQop)
    }

    /// Whether this module can answer the challenge.
    pub fn is_answerable(&self) -> bool {
        self.preferred_qop(false).is_ok()
    }

    /// The answer for `request`, with the client nonce `cnonce` and nonce count `nc`; qop
    /// `auth` is preferred to `auth-int` ([`DigestClient`](super::DigestClient) can prefer
    /// the other).
    ///
    /// The algorithm is echoed only when the challenge named one, and with `userhash` the
    /// `username` parameter carries `H(username:realm)`.
    pub fn answer(
        &self,
        credentials: &Credentials,
        request: &DigestRequest<'_>,
        cnonce: &str,
        nc: NonceCount,
    ) -> Result<Authorization, AuthError> {
        let qop = self.preferred_qop(false)?;
        self.answer_with(credentials, request, qop, cnonce, nc)
    }

    /// [`Challenge::answer`] with the qop already chosen by [`Challenge::preferred_qop`].
    pub(crate) fn answer_with(
        &self,
        credentials: &Credentials,
        request: &DigestRequest<'_>,
        qop: Option<Qop>,
        cnonce: &str,
        nc: NonceCount,
    ) -> Result<Authorization, AuthError> {
        for (name, value) in [
            ("username", credentials.username.as_str()),
            ("uri", request.uri),
            ("cnonce", cnonce),
        ] {
            if !params::is_writable(value) {
                return Err(AuthError::Unwritable { name });
            }
        }
        if qop.is_some() && cnonce.is_empty() {
            return Err(AuthError::InvalidParameter {
                name: "cnonce",
                value: String::new(),
            });
        }
        if qop.is_some() && nc.0 == 0 {
            return Err(AuthError::InvalidParameter {
                name: "nc",
                value: nc.to_string(),
            });
        }
        let algorithm = self.effective_algorithm();
        let response = Inputs {
            algorithm,
            username: &credentials.username,
            realm: &self.realm,
            password: &credentials.password,
            nonce: &self.nonce,
            qop,
            nc,
            cnonce,
            request: *request,
        }
        .response();
        let username = if self.userhash {
            algorithm.hash_hex(&[credentials.username.as_bytes(), b":", self.realm.as_bytes()])
        } else {
            credentials.username.clone()
        };
        Ok(Authorization {
            username,
            realm: self.realm.clone(),
            nonce: self.nonce.clone(),
            uri: request.uri.to_owned(),
            response,
            algorithm: self.algorithm,
            cnonce: qop.map(|_| cnonce.to_owned()),
            opaque: self.opaque.clone(),
            qop,
            nc: qop.map(|_| nc),
            userhash: self.userhash,
            other: Vec::new(),
        })
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut w = Writer::new("Digest");
        w.quoted("realm", &self.realm);
        w.quoted("nonce", &self.nonce);
        if let Some(opaque) = &self.opaque {
            w.quoted("opaque", opaque);
        }
        if let Some(algorithm) = self.algorithm {
            w.token("algorithm", algorithm);
        }
        if let Some(qop) = &self.qop {
            let list: Vec<&str> = qop.iter().map(|q| q.as_str()).collect();
            w.quoted("qop", &list.join(","));
        }
        if self.stale {
            w.token("stale", "true");
        }
        if !self.domain.is_empty() {
            w.quoted("domain", &self.domain.join(" "));
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

/// How to choose among several answerable challenges for the same realm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preference {
    /// The strongest algorithm ([`Algorithm::strength`]); among equals, the one listed first.
    ///
    /// RFC 8760 §2.4 has the client take the topmost challenge it supports "unless a local
    /// policy dictates otherwise". This is such a policy: header order is not protected, so
    /// someone on the path who reorders the fields could otherwise steer the phone to MD5
    /// whenever the server also offers it (the downgrade RFC 8760 §3 warns about).
    #[default]
    Strongest,
    /// The first challenge listed that can be answered: the server's order of preference,
    /// as RFC 8760 §2.3 has servers list them.
    ServerOrder,
}

/// Picks the challenge to answer among several for one realm, skipping those
/// [`Challenge::is_answerable`] refuses. `None` when none can be answered.
///
/// Give it challenges of one realm and kind; [`DigestClient`](super::DigestClient) groups
/// a response's challenges that way itself.
pub fn select<'a>(
    challenges: impl IntoIterator<Item = &'a Challenge>,
    preference: Preference,
) -> Option<&'a Challenge> {
    let mut answerable = challenges.into_iter().filter(|c| c.is_answerable());
    match preference {
        Preference::ServerOrder => answerable.next(),
        Preference::Strongest => answerable.fold(None, |best: Option<&Challenge>, c| match best {
            Some(b) if b.effective_algorithm().strength() >= c.effective_algorithm().strength() => {
                Some(b)
            }
            _ => Some(c),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC2617: &str = r#"Digest
                 realm="testrealm@host.com",
                 qop="auth,auth-int",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41""#;

    #[test]
    fn reads_the_rfc2617_challenge() {
        let c = Challenge::parse(RFC2617).unwrap();
        assert_eq!(c.realm, "testrealm@host.com");
        assert_eq!(c.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
        assert_eq!(
            c.opaque.as_deref(),
            Some("5ccc069c403ebaf9f0171e9517f40e41")
        );
        assert_eq!(c.algorithm, None);
        assert_eq!(c.effective_algorithm(), Algorithm::Md5);
        assert_eq!(c.qop, Some(vec![Qop::Auth, Qop::AuthInt]));
        assert!(!c.stale);
    }

    #[test]
    fn names_and_tokens_in_any_case_and_order() {
        let c = Challenge::parse(
            "digest ALGORITHM=\"sha-256-SESS\" , Stale=TRUE,NONCE=n, QOP=\" AUTH-INT , \
             auth-conf \",domain=\"sip:a.example sip:b.example\",REALM=\"r\",\
             charset=UTF-8,UserHash=\"True\"",
        )
        .unwrap();
        assert_eq!(c.realm, "r");
        assert_eq!(c.nonce, "n");
        assert_eq!(c.algorithm, Some(Algorithm::Sha256Sess));
        assert_eq!(c.qop, Some(vec![Qop::AuthInt]));
        assert!(c.stale);
        assert!(c.userhash);
        assert_eq!(c.domain, ["sip:a.example", "sip:b.example"]);
        assert_eq!(c.other, [Param::token("charset", "UTF-8")]);
    }

    #[test]
    fn other_schemes_and_algorithms_are_typed_errors() {
        assert_eq!(
            Challenge::parse("Basic realm=\"x\""),
            Err(AuthError::UnsupportedScheme {
                scheme: "Basic".into()
            })
        );
        assert_eq!(
            Challenge::parse("Digest realm=\"x\", nonce=\"n\", algorithm=AKAv1-MD5"),
            Err(AuthError::UnsupportedAlgorithm {
                algorithm: "AKAv1-MD5".into()
            })
        );
        assert_eq!(
            Challenge::parse("Digest nonce=\"n\""),
            Err(AuthError::MissingParameter { name: "realm" })
        );
        assert_eq!(
            Challenge::parse("Digest"),
            Err(AuthError::MissingParameter { name: "realm" })
        );
    }

    #[test]
    fn writes_what_it_reads() {
        let c = Challenge::new("pbx \"main\"", "abc")
            .with_algorithm(Algorithm::Sha512_256)
            .with_qop(&[Qop::Auth, Qop::AuthInt])
            .with_opaque("op")
            .with_stale(true);
        let text = c.to_string();
        assert_eq!(
            text,
            concat!(
                r#"Digest realm="pbx \"main\"", nonce="abc", opaque="op", "#,
                r#"algorithm=SHA-512-256, qop="auth,auth-int", stale=true"#
            )
        );
        assert_eq!(Challenge::parse(&text).unwrap(), c);
        let mut parsed = Challenge::parse(RFC2617).unwrap();
        parsed.other.push(Param::quoted("x-vendor", "1"));
        assert_eq!(Challenge::parse(&parsed.to_string()).unwrap(), parsed);
    }

    #[test]
    fn qop_choice() {
        let both = Challenge::new("r", "n").with_qop(&[Qop::AuthInt, Qop::Auth]);
        assert_eq!(both.preferred_qop(false), Ok(Some(Qop::Auth)));
        assert_eq!(both.preferred_qop(true), Ok(Some(Qop::AuthInt)));
        let int_only = Challenge::new("r", "n").with_qop(&[Qop::AuthInt]);
        assert_eq!(int_only.preferred_qop(false), Ok(Some(Qop::AuthInt)));
        let rfc2069 = Challenge::new("r", "n").with_qop(&[]);
        assert_eq!(rfc2069.preferred_qop(false), Ok(None));
        let sess_without_qop = rfc2069.clone().with_algorithm(Algorithm::Md5Sess);
        assert_eq!(
            sess_without_qop.preferred_qop(false),
            Err(AuthError::MissingParameter { name: "qop" })
        );
        let unknown = Challenge::parse("Digest realm=r, nonce=n, qop=\"auth-conf\"").unwrap();
        assert_eq!(unknown.preferred_qop(false), Err(AuthError::NoSupportedQop));
        assert!(!unknown.is_answerable());
    }

    #[test]
    fn strongest_or_first() {
        let md5 = Challenge::new("r", "1").with_algorithm(Algorithm::Md5);
        let sha = Challenge::new("r", "2").with_algorithm(Algorithm::Sha256);
        let sha_sess = Challenge::new("r", "3").with_algorithm(Algorithm::Sha256Sess);
        let broken =
            Challenge::parse("Digest realm=r, nonce=4, qop=x, algorithm=SHA-512-256").unwrap();
        let offered = [md5.clone(), broken, sha.clone(), sha_sess];
        assert_eq!(select(&offered, Preference::Strongest), Some(&sha));
        assert_eq!(select(&offered, Preference::ServerOrder), Some(&md5));
        assert_eq!(select(&offered[1..2], Preference::Strongest), None);
        assert_eq!(select([], Preference::Strongest), None);
    }
}
