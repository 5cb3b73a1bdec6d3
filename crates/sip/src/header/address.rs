//! Addresses: `name-addr` / `addr-spec` with header parameters (RFC 3261 §20.10, §25.1), the
//! shape of From, To, Contact, Route, Record-Route, Refer-To, Referred-By,
//! P-Asserted-Identity, P-Preferred-Identity, Remote-Party-ID, Diversion, Path and
//! Service-Route values.
//!
//! Parameters after an `addr-spec` (a URI written without `<>`) belong to the header, not the
//! URI; such a URI therefore cannot carry URI parameters or headers, and one holding `?` or
//! `,` must be written in angle brackets.

use std::fmt;

use crate::message::ParseError;
use crate::param::{Param, Params};
use crate::syntax::{is_lws, write_quoted, Cursor};
use crate::uri::Uri;

/// A display name with a URI and header parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameAddr {
    display_name: Option<String>,
    uri: Uri,
    params: Params,
}

impl NameAddr {
    /// An address for `uri`, with no display name or parameters.
    pub fn new(uri: impl Into<Uri>) -> Self {
        Self {
            display_name: None,
            uri: uri.into(),
            params: Params::new(),
        }
    }

    /// Parses one address with its parameters (name-addr or addr-spec form).
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::parse_value(text, false)
    }

    /// Parses a value that must be in name-addr form (Route, Record-Route, Path …) when
    /// `brackets_required`.
    pub(crate) fn parse_value(text: &str, brackets_required: bool) -> Result<Self, ParseError> {
        let mut c = Cursor::new(text);
        let addr = Self::parse_cursor(&mut c, brackets_required)?;
        c.skip_lws();
        if !c.at_end() {
            return Err(ParseError::value("junk after address", c.pos()));
        }
        Ok(addr)
    }

    pub(crate) fn parse_cursor(
        c: &mut Cursor<'_>,
        brackets_required: bool,
    ) -> Result<Self, ParseError> {
        c.skip_lws();
        let mut display_name = None;
        let mut bracketed = false;
        if c.peek() == Some(b'"') {
            let at = c.pos();
            display_name = Some(c.quoted_string().map_err(|d| ParseError::value(d, at))?);
            c.skip_lws();
            if c.peek() != Some(b'<') {
                return Err(ParseError::value("expected < after display name", c.pos()));
            }
            bracketed = true;
        } else if c.peek() == Some(b'<') {
            bracketed = true;
        } else {
            let start = c.pos();
            while c.token().is_some() {
                c.skip_lws();
            }
            if c.peek() == Some(b'<') && c.pos() > start {
                display_name = Some(c.slice(start, c.pos()).trim_end().to_owned());
                bracketed = true;
            } else {
                c.reset(start);
            }
        }
        let uri = if bracketed {
            c.eat(b'<');
            let start = c.pos();
            let len = c
                .rest()
                .find('>')
                .ok_or(ParseError::value("missing >", start))?;
            let text = c.slice(start, start + len);
            c.reset(start + len + 1);
            Uri::parse(text).map_err(|e| e.shifted(start))?
        } else {
            if brackets_required {
                return Err(ParseError::value(
                    "address must be in angle brackets",
                    c.pos(),
                ));
            }
            let start = c.pos();
            let text = c.take_while(|b| b != b';' && b != b',' && !is_lws(b));
            if text.contains('?') {
                return Err(ParseError::value(
                    "URI with headers must be in angle brackets",
                    start,
                ));
            }
            Uri::parse(text).map_err(|e| e.shifted(start))?
        };
        let at = c.pos();
        let params = Params::parse_header(c).map_err(|d| ParseError::value(d, at))?;
        Ok(Self {
            display_name,
            uri,
            params,
        })
    }

    /// The display name (unquoted), if any.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The URI.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The header parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The header parameters, to change.
    pub fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }

    /// The `tag` parameter (From, To).
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }

    /// The `q` parameter of a Contact (0 to 1).
    pub fn q(&self) -> Option<f32> {
        self.params
            .value("q")
            .and_then(|q| q.parse().ok())
            .filter(|q| (0.0..=1.0).contains(q))
    }

    /// The `expires` parameter of a Contact, in seconds.
    pub fn expires(&self) -> Option<u32> {
        self.params.value("expires").and_then(|v| v.parse().ok())
    }

    /// The `+sip.instance` parameter of a Contact (RFC 5626), without its quotes.
    pub fn instance(&self) -> Option<&str> {
        self.params.value("+sip.instance")
    }

    /// Sets the display name.
    pub fn with_display_name(mut self, name: &str) -> Self {
        self.display_name = Some(name.to_owned());
        self
    }

    /// Sets (or replaces) the `tag` parameter.
    pub fn with_tag(mut self, tag: &str) -> Self {
        self.params.set(Param::with_value("tag", tag));
        self
    }

    /// Sets (or replaces) a parameter.
    pub fn with_param(mut self, param: Param) -> Self {
        self.params.set(param);
        self
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.display_name {
            write_quoted(f, name)?;
            f.write_str(" ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// A Contact header's values: `*` (REGISTER, remove all bindings) or addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contacts {
    /// `Contact: *`.
    Wildcard,
    /// The addresses, in order.
    Addresses(Vec<NameAddr>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> NameAddr {
        NameAddr::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn forms() {
        let a = addr(" sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n");
        assert_eq!(a.tag(), Some("1918181833n"));
        assert!(a.display_name().is_none());
        let b = addr(r#""J Rosenberg \\\""       <sip:jdrosen@example.com>   ;   tag = 98asjd8"#);
        assert_eq!(b.display_name(), Some(r#"J Rosenberg \""#));
        assert_eq!(b.tag(), Some("98asjd8"));
        let c = addr("caller<sip:caller@example.com>;tag=323");
        assert_eq!(c.display_name(), Some("caller"));
        let d = addr("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\u{440}\";tag=_token~1'+`*%!-.");
        assert_eq!(d.display_name(), Some("token1~` token2'+_ token3*%!.-"));
        assert_eq!(d.tag(), Some("_token~1'+`*%!-."));
        let e = addr("sip:+19725552222@gw1.example.net;unknownparam");
        assert!(e.params().contains("unknownparam"));
        assert!(e.uri().as_sip().unwrap().params().is_empty());
        let f = addr("<sip:+19725552222@gw1.example.net;unknownparam>");
        assert!(f.params().is_empty());
        assert!(f.uri().as_sip().unwrap().params().contains("unknownparam"));
        let g = addr("<sip:u@h>;expires=60;q=0.5;+sip.instance=\"<urn:uuid:abc>\"");
        assert_eq!(
            (g.expires(), g.q(), g.instance()),
            (Some(60), Some(0.5), Some("<urn:uuid:abc>"))
        );
        assert!(matches!(addr("isbn:2983792873").uri(), Uri::Other(_)));
    }

    #[test]
    fn malformed() {
        for bad in [
            "\"Mr. J. User <sip:j.user@example.com>",
            "\"Watson, Thomas\" < sip:t.watson@example.org >",
            "Bell, Alexander <sip:a.g.bell@example.com>;tag=43",
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            "\"Joe\" <sip:joe@example.org>;;;;",
            "<sip:a@b",
            "<sip:a@b> junk",
            "",
        ] {
            assert!(NameAddr::parse(bad).is_err(), "{bad}");
        }
        assert!(NameAddr::parse_value("sip:a@b", true).is_err());
    }

    #[test]
    fn display_round_trips() {
        for text in [
            r#""J Rosenberg \\\"" <sip:jdrosen@example.com>;tag=98asjd8"#,
            "sip:a@b;tag=1",
            "Bob <sips:bob@biloxi.example.com>",
        ] {
            let a = addr(text);
            assert_eq!(addr(&a.to_string()), a, "{text}");
        }
        let built = NameAddr::new(crate::uri::SipUri::parse("sip:a@b").unwrap())
            .with_display_name("A \"B\"")
            .with_tag("x1");
        assert_eq!(built.to_string(), r#""A \"B\"" <sip:a@b>;tag=x1"#);
    }
}
