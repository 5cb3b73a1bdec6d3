//! Media types: Content-Type (RFC 3261 §20.15) and Accept (§20.1) values.

use std::fmt;

use crate::message::ParseError;
use crate::param::Params;
use crate::syntax::Cursor;

/// `type/subtype;params`; type and subtype compare case-insensitively (`*` allowed in
/// Accept).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaType {
    main: String,
    sub: String,
    params: Params,
}

impl MediaType {
    /// `type/subtype` without parameters.
    pub fn new(main: &str, sub: &str) -> Self {
        Self {
            main: main.to_owned(),
            sub: sub.to_owned(),
            params: Params::new(),
        }
    }

    /// Parses `type SLASH subtype *(SEMI param)`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut c = Cursor::new(text);
        c.skip_lws();
        let err = |d, c: &Cursor<'_>| ParseError::value(d, c.pos());
        let main = c
            .expect_token("missing media type")
            .map_err(|d| err(d, &c))?;
        if !c.eat_separator(b'/') {
            return Err(err("expected / in media type", &c));
        }
        let sub = c
            .expect_token("missing media subtype")
            .map_err(|d| err(d, &c))?;
        let at = c.pos();
        let params = Params::parse_header(&mut c).map_err(|d| ParseError::value(d, at))?;
        c.skip_lws();
        if !c.at_end() {
            return Err(err("junk after media type", &c));
        }
        Ok(Self {
            main: main.to_owned(),
            sub: sub.to_owned(),
            params,
        })
    }

    /// The type (`application`).
    pub fn main_type(&self) -> &str {
        &self.main
    }

    /// The subtype (`sdp`).
    pub fn subtype(&self) -> &str {
        &self.sub
    }

    /// The parameters (`boundary`, `charset`, `q` …).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Whether this is `main/sub` (case-insensitive).
    pub fn is(&self, main: &str, sub: &str) -> bool {
        self.main.eq_ignore_ascii_case(main) && self.sub.eq_ignore_ascii_case(sub)
    }

    /// Whether this (as an Accept range, `*` allowed) covers `other`.
    pub fn accepts(&self, other: &MediaType) -> bool {
        (self.main == "*" || self.main.eq_ignore_ascii_case(&other.main))
            && (self.sub == "*" || self.sub.eq_ignore_ascii_case(&other.sub))
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}{}", self.main, self.sub, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        let m = MediaType::parse("multipart/mixed;boundary=7a9cbec02ceef655").unwrap();
        assert!(m.is("Multipart", "MIXED"));
        assert_eq!(m.params().value("boundary"), Some("7a9cbec02ceef655"));
        assert_eq!(m.to_string(), "multipart/mixed;boundary=7a9cbec02ceef655");
        let any = MediaType::parse("application / *").unwrap();
        assert!(any.accepts(&MediaType::new("application", "sdp")));
        for bad in [
            "application",
            "application/",
            "/sdp",
            "application/sdp junk",
            "text/plain;",
        ] {
            assert!(MediaType::parse(bad).is_err(), "{bad}");
        }
    }
}
