//! URIs: `sip:`/`sips:` (RFC 3261 §19.1), `tel:` (RFC 3966), and any other scheme kept as an
//! opaque absolute URI (RFC 3261 §25.1 `absoluteURI`).
//!
//! ```
//! use handset_sip::uri::Uri;
//!
//! let a = Uri::parse("sip:%61lice@atlanta.com;transport=TCP").unwrap();
//! let b = Uri::parse("sip:alice@AtLanTa.CoM;Transport=tcp").unwrap();
//! assert!(a.equivalent(&b));
//! assert_eq!(a.to_string(), "sip:%61lice@atlanta.com;transport=TCP");
//! ```

pub(crate) mod escape;
mod host;
mod sip;
mod tel;

use std::fmt;
use std::str::FromStr;

pub(crate) use host::parse_host_port;
pub use host::Host;
pub use sip::SipUri;
pub use tel::TelUri;

use crate::message::ParseError;

/// A URI of any scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Uri {
    /// `sip:` or `sips:`.
    Sip(SipUri),
    /// `tel:`.
    Tel(TelUri),
    /// Any other scheme, kept as written.
    Other(AbsoluteUri),
}

/// A URI of a scheme this crate does not interpret (`http:`, `urn:`, `mailto:` …).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AbsoluteUri {
    scheme: String,
    rest: String,
}

impl AbsoluteUri {
    /// The scheme as written.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Everything after `scheme:`.
    pub fn rest(&self) -> &str {
        &self.rest
    }
}

impl fmt::Display for AbsoluteUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme, self.rest)
    }
}

/// Characters an opaque absolute URI may hold (`uric`, `%`, and `[` `]` `#`).
fn is_opaque_uri_byte(b: u8) -> bool {
    escape::is_unreserved(b)
        || matches!(
            b,
            b';' | b'/'
                | b'?'
                | b':'
                | b'@'
                | b'&'
                | b'='
                | b'+'
                | b'$'
                | b','
                | b'%'
                | b'['
                | b']'
                | b'#'
        )
}

impl Uri {
    /// Parses a URI; the scheme decides which kind.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let colon = text
            .find(':')
            .ok_or(ParseError::value("URI without a scheme", 0))?;
        let scheme = &text[..colon];
        let scheme_ok = scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !scheme_ok {
            return Err(ParseError::value("invalid URI scheme", 0));
        }
        if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
            return SipUri::parse(text).map(Uri::Sip);
        }
        if scheme.eq_ignore_ascii_case("tel") {
            return TelUri::parse(text).map(Uri::Tel);
        }
        let rest = &text[colon + 1..];
        if rest.is_empty() {
            return Err(ParseError::value("empty URI", colon + 1));
        }
        if let Some(i) = rest.bytes().position(|b| !is_opaque_uri_byte(b)) {
            return Err(ParseError::value("invalid character in URI", colon + 1 + i));
        }
        Ok(Uri::Other(AbsoluteUri {
            scheme: scheme.to_owned(),
            rest: rest.to_owned(),
        }))
    }

    /// The scheme, lowercase for the known ones.
    pub fn scheme(&self) -> &str {
        match self {
            Uri::Sip(u) if u.is_secure() => "sips",
            Uri::Sip(_) => "sip",
            Uri::Tel(_) => "tel",
            Uri::Other(u) => u.scheme(),
        }
    }

    /// The SIP URI, if it is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// The tel URI, if it is one.
    pub fn as_tel(&self) -> Option<&TelUri> {
        match self {
            Uri::Tel(u) => Some(u),
            _ => None,
        }
    }

    /// URI equality by the rules of each scheme (RFC 3261 §19.1.4, RFC 3966 §4); other
    /// schemes compare by scheme (case-insensitive) and exact text.
    pub fn equivalent(&self, other: &Uri) -> bool {
        match (self, other) {
            (Uri::Sip(a), Uri::Sip(b)) => a.equivalent(b),
            (Uri::Tel(a), Uri::Tel(b)) => a.equivalent(b),
            (Uri::Other(a), Uri::Other(b)) => {
                a.scheme.eq_ignore_ascii_case(&b.scheme) && a.rest == b.rest
            }
            _ => false,
        }
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(u) => u.fmt(f),
            Uri::Tel(u) => u.fmt(f),
            Uri::Other(u) => u.fmt(f),
        }
    }
}

impl FromStr for Uri {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        Self::parse(text)
    }
}

impl From<SipUri> for Uri {
    fn from(uri: SipUri) -> Self {
        Uri::Sip(uri)
    }
}

impl From<TelUri> for Uri {
    fn from(uri: TelUri) -> Self {
        Uri::Tel(uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(Uri::parse("SIP:a@b").unwrap().scheme(), "sip");
        assert_eq!(Uri::parse("tel:+1").unwrap().scheme(), "tel");
        for other in [
            "soap.beep://192.0.2.103:3002",
            "nobodyKnowsThisScheme:totallyopaquecontent",
            "isbn:2983792873",
            "http://www.example.com",
            "name:John_Smith",
        ] {
            let u = Uri::parse(other).unwrap();
            assert!(matches!(u, Uri::Other(_)), "{other}");
            assert_eq!(u.to_string(), other);
        }
        for bad in ["<sip:a@b>", "sip a", "1x:y", "x:", "x:a b", ":x", "nocolon"] {
            assert!(Uri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cross_scheme_never_equal() {
        let sip = Uri::parse("sip:+1@example.com;user=phone").unwrap();
        let tel = Uri::parse("tel:+1").unwrap();
        assert!(!sip.equivalent(&tel));
        assert!(Uri::parse("HTTP://x")
            .unwrap()
            .equivalent(&Uri::parse("http://x").unwrap()));
    }
}
