//! Informational headers: Alert-Info, Call-Info and Error-Info values (RFC 3261 §20.4, §20.9,
//! §20.18), Warning (§20.43), Retry-After (§20.33), User-Agent and Server (§20.41, §20.35) and
//! Privacy (RFC 3323).

use std::fmt;

use crate::message::ParseError;
use crate::param::Params;
use crate::syntax::{is_lws, is_token_byte, write_quoted, Cursor};
use crate::uri::Uri;

/// `<URI>;params`: one Alert-Info, Call-Info or Error-Info value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InfoUri {
    /// The URI (an http: ring tone, a picture, a SIP URI …).
    pub uri: Uri,
    params: Params,
}

impl InfoUri {
    /// Parses `LAQUOT absoluteURI RAQUOT *(SEMI param)`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut c = Cursor::new(text);
        c.skip_lws();
        if !c.eat(b'<') {
            return Err(ParseError::value("expected <", c.pos()));
        }
        let start = c.pos();
        let len = c
            .rest()
            .find('>')
            .ok_or(ParseError::value("missing >", start))?;
        let uri = Uri::parse(c.slice(start, start + len)).map_err(|e| e.shifted(start))?;
        c.reset(start + len + 1);
        let at = c.pos();
        let params = Params::parse_header(&mut c).map_err(|d| ParseError::value(d, at))?;
        c.skip_lws();
        if !c.at_end() {
            return Err(ParseError::value("junk after parameters", c.pos()));
        }
        Ok(Self { uri, params })
    }

    /// The parameters (`purpose` for Call-Info, `appearance` …).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The Call-Info `purpose` parameter (`icon`, `info`, `card` …).
    pub fn purpose(&self) -> Option<&str> {
        self.params.value("purpose")
    }
}

impl fmt::Display for InfoUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// One Warning value: a three-digit code, the agent and a text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Warning {
    /// The warn-code, 100 to 999 (three digits).
    pub code: u16,
    /// The host (and port) or pseudonym of the agent that added it.
    pub agent: String,
    /// The warning text.
    pub text: String,
}

impl Warning {
    /// Parses `warn-code SP warn-agent SP warn-text`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut c = Cursor::new(text);
        c.skip_lws();
        let code = c.take_while(|b| b.is_ascii_digit());
        if code.len() != 3 {
            return Err(ParseError::value("warn-code is not three digits", 0));
        }
        if !c.skip_lws() {
            return Err(ParseError::value(
                "expected white space after warn-code",
                c.pos(),
            ));
        }
        let agent = c.take_while(|b| is_token_byte(b) || matches!(b, b':' | b'[' | b']'));
        if agent.is_empty() || !c.skip_lws() {
            return Err(ParseError::value("missing warn-agent", c.pos()));
        }
        let at = c.pos();
        let warn_text = c.quoted_string().map_err(|d| ParseError::value(d, at))?;
        c.skip_lws();
        if !c.at_end() {
            return Err(ParseError::value("junk after warn-text", c.pos()));
        }
        Ok(Self {
            code: code.parse().unwrap_or_default(),
            agent: agent.to_owned(),
            text: warn_text,
        })
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.code, self.agent)?;
        write_quoted(f, &self.text)
    }
}

/// Retry-After: seconds, an optional comment and parameters (`duration`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RetryAfter {
    /// Seconds to wait.
    pub seconds: u32,
    /// The comment, without parentheses.
    pub comment: Option<String>,
    params: Params,
}

impl RetryAfter {
    /// Parses `delta-seconds [comment] *(SEMI retry-param)`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut c = Cursor::new(text);
        c.skip_lws();
        let seconds = c
            .number(u64::from(u32::MAX), "Retry-After not 0 to 2^32-1 seconds")
            .map_err(|d| ParseError::value(d, 0))? as u32;
        c.skip_lws();
        let comment = if c.peek() == Some(b'(') {
            let at = c.pos();
            Some(
                c.comment()
                    .map_err(|d| ParseError::value(d, at))?
                    .to_owned(),
            )
        } else {
            None
        };
        let at = c.pos();
        let params = Params::parse_header(&mut c).map_err(|d| ParseError::value(d, at))?;
        c.skip_lws();
        if !c.at_end() {
            return Err(ParseError::value("junk in Retry-After", c.pos()));
        }
        Ok(Self {
            seconds,
            comment,
            params,
        })
    }

    /// The `duration` parameter, in seconds.
    pub fn duration(&self) -> Option<u32> {
        self.params.value("duration").and_then(|v| v.parse().ok())
    }

    /// All parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }
}

impl fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.seconds)?;
        if let Some(comment) = &self.comment {
            write!(f, " ({comment})")?;
        }
        write!(f, "{}", self.params)
    }
}

/// One part of a User-Agent or Server value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductPart {
    /// `name[/version]`.
    Product {
        /// The product name.
        name: String,
        /// The version, if given.
        version: Option<String>,
    },
    /// A comment, without its parentheses.
    Comment(String),
}

/// Parses a User-Agent or Server value into products and comments.
pub fn parse_products(text: &str) -> Result<Vec<ProductPart>, ParseError> {
    let mut c = Cursor::new(text);
    let mut parts = Vec::new();
    c.skip_lws();
    while !c.at_end() {
        let at = c.pos();
        if c.peek() == Some(b'(') {
            let comment = c.comment().map_err(|d| ParseError::value(d, at))?;
            parts.push(ProductPart::Comment(comment.to_owned()));
        } else {
            let name = c
                .token()
                .ok_or(ParseError::value("expected a product token", at))?;
            let version = if c.eat_separator(b'/') {
                let v = c
                    .token()
                    .ok_or(ParseError::value("missing product version", c.pos()))?;
                Some(v.to_owned())
            } else {
                None
            };
            parts.push(ProductPart::Product {
                name: name.to_owned(),
                version,
            });
        }
        let separated = c.skip_lws();
        if !separated && !c.at_end() && c.peek() != Some(b'(') {
            return Err(ParseError::value(
                "expected white space between products",
                c.pos(),
            ));
        }
    }
    if parts.is_empty() {
        return Err(ParseError::value("empty product list", 0));
    }
    Ok(parts)
}

/// Parses Privacy: `priv-value *(";" priv-value)` (`id`, `header`, `session`, `user`, `none`,
/// `critical` …), lowercased.
pub fn parse_privacy(text: &str) -> Result<Vec<String>, ParseError> {
    text.split(';')
        .map(|v| v.trim_matches(|c: char| c.is_ascii() && is_lws(c as u8)))
        .map(|v| {
            if v.bytes().all(is_token_byte) && !v.is_empty() {
                Ok(v.to_ascii_lowercase())
            } else {
                Err(ParseError::value("invalid privacy value", 0))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_uris() {
        let a = InfoUri::parse("<http://www.example.com/sounds/moo.wav>;appearance=2").unwrap();
        assert_eq!(a.uri.scheme(), "http");
        assert_eq!(a.params().value("appearance"), Some("2"));
        let c = InfoUri::parse(" <http://wwww.example.com/alice/photo.jpg> ;purpose=icon").unwrap();
        assert_eq!(c.purpose(), Some("icon"));
        assert_eq!(InfoUri::parse(&c.to_string()).unwrap(), c);
        assert!(InfoUri::parse("http://x").is_err());
    }

    #[test]
    fn warnings() {
        let w = Warning::parse("307 isi.edu \"Session parameter 'foo' not understood\"").unwrap();
        assert_eq!((w.code, w.agent.as_str()), (307, "isi.edu"));
        assert_eq!(Warning::parse(&w.to_string()).unwrap(), w);
        assert!(Warning::parse("1812 overture \"In Progress\"").is_err());
        assert!(Warning::parse("301 agent unquoted").is_err());
    }

    #[test]
    fn retry_after() {
        let r = RetryAfter::parse("18000;duration=3600").unwrap();
        assert_eq!((r.seconds, r.duration()), (18000, Some(3600)));
        let r = RetryAfter::parse("120 (I'm in a meeting)").unwrap();
        assert_eq!(r.comment.as_deref(), Some("I'm in a meeting"));
        assert_eq!(RetryAfter::parse(&r.to_string()).unwrap(), r);
        assert!(RetryAfter::parse("949302838503028349304023988").is_err());
    }

    #[test]
    fn products_and_privacy() {
        let p = parse_products("SIPimp.org/0.2.5 (curses)").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1], ProductPart::Comment("curses".into()));
        assert!(parse_products("a/").is_err());
        assert_eq!(parse_privacy("id; Header").unwrap(), ["id", "header"]);
        assert!(parse_privacy("id;;").is_err());
    }
}
