//! `tel:` URIs (RFC 3966): global numbers (`+` and digits) and local numbers, which need a
//! `phone-context`; visual separators `-` `.` `(` `)` may appear anywhere in the digits.

use std::fmt;

use super::escape::{check_escaped, is_param_byte, unescape};
use crate::message::ParseError;
use crate::param::Params;

/// A telephone number URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TelUri {
    number: String,
    params: Params,
}

fn is_visual_separator(b: u8) -> bool {
    matches!(b, b'-' | b'.' | b'(' | b')')
}

impl TelUri {
    /// Parses `tel:number;params` (scheme case-insensitive).
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let body = text
            .get(..4)
            .filter(|s| s.eq_ignore_ascii_case("tel:"))
            .and_then(|_| text.get(4..))
            .ok_or(ParseError::value("not a tel URI", 0))?;
        let end = body.find(';').unwrap_or(body.len());
        let number = &body[..end];
        let global = number.starts_with('+');
        let digits = if global { &number[1..] } else { number };
        let allowed = |b: u8| {
            is_visual_separator(b)
                || if global {
                    b.is_ascii_digit()
                } else {
                    b.is_ascii_hexdigit() || b == b'*' || b == b'#'
                }
        };
        if !digits.bytes().all(allowed) || !digits.bytes().any(|b| !is_visual_separator(b)) {
            return Err(ParseError::value("invalid telephone number", 4));
        }
        let mut params = Params::new();
        let mut pos = 4 + end;
        for param in body[end..].split(';').skip(1) {
            pos += 1;
            let (name, value) = match param.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (param, None),
            };
            let name_ok =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            let value_ok =
                value.is_none_or(|v| !v.is_empty() && check_escaped(v, is_param_byte).is_ok());
            if !name_ok || !value_ok {
                return Err(ParseError::value("invalid tel URI parameter", pos));
            }
            params.push_raw(name, value, false);
            pos += param.len();
        }
        if !global && !params.contains("phone-context") {
            return Err(ParseError::value("local number without phone-context", 4));
        }
        Ok(Self {
            number: number.to_owned(),
            params,
        })
    }

    /// A global number such as `+1-201-555-0123`.
    pub fn global(number: &str) -> Result<Self, ParseError> {
        Self::parse(&format!("tel:{number}"))
    }

    /// The number as written, visual separators included.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// Whether the number is global (starts with `+`).
    pub fn is_global(&self) -> bool {
        self.number.starts_with('+')
    }

    /// The number without visual separators (`+12015550123`), hex digits uppercased.
    pub fn digits(&self) -> String {
        strip_separators(&self.number)
    }

    /// The parameters (`ext`, `isub`, `phone-context`, others).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The `phone-context` of a local number.
    pub fn phone_context(&self) -> Option<&str> {
        self.params.value("phone-context")
    }

    /// Equality as RFC 3966 §4 defines it: both global or both local, the same digits once
    /// visual separators are removed, and the same parameters in any order (`ext`, `isub` and
    /// `phone-context` compared without separators and case).
    pub fn equivalent(&self, other: &TelUri) -> bool {
        let normal = |uri: &TelUri| {
            let mut params: Vec<(String, Option<String>)> = uri
                .params
                .iter()
                .map(|p| {
                    let name = p.name().to_ascii_lowercase();
                    let value = p.value().map(|v| {
                        let decoded = String::from_utf8_lossy(&unescape(v)).into_owned();
                        match name.as_str() {
                            "ext" | "isub" | "phone-context" => strip_separators(&decoded),
                            _ => decoded.to_ascii_uppercase(),
                        }
                    });
                    (name, value)
                })
                .collect();
            params.sort();
            (uri.digits(), params)
        };
        normal(self) == normal(other)
    }
}

fn strip_separators(text: &str) -> String {
    text.bytes()
        .filter(|b| !is_visual_separator(*b))
        .map(|b| b.to_ascii_uppercase() as char)
        .collect()
}

impl fmt::Display for TelUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tel:{}{}", self.number, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_and_local_numbers() {
        let g = TelUri::parse("tel:+1-201-555-0123;ext=1234").unwrap();
        assert!(g.is_global());
        assert_eq!(g.digits(), "+12015550123");
        assert_eq!(g.params().value("ext"), Some("1234"));
        let l = TelUri::parse("TEL:7042;phone-context=example.com").unwrap();
        assert!(!l.is_global());
        assert_eq!(l.phone_context(), Some("example.com"));
        assert_eq!(l.to_string(), "tel:7042;phone-context=example.com");
        assert!(TelUri::parse("tel:7042").is_err());
        assert!(TelUri::parse("tel:+").is_err());
        assert!(TelUri::parse("tel:+1 555").is_err());
        assert!(TelUri::parse("tel:+1;=x").is_err());
        assert!(TelUri::parse("tel:*21#;phone-context=+1").is_ok());
    }

    #[test]
    fn comparison_ignores_separators_and_order() {
        let a = TelUri::parse("tel:+1-201-555-0123;ext=12;isub=3").unwrap();
        let b = TelUri::parse("tel:+1(201)5550123;isub=3;ext=1-2").unwrap();
        assert!(a.equivalent(&b));
        let c = TelUri::parse("tel:+12015550123").unwrap();
        assert!(!a.equivalent(&c));
        let local = TelUri::parse("tel:5550123;phone-context=+1-201").unwrap();
        assert!(!local.equivalent(&c));
    }
}
