//! The shared syntax of `WWW-Authenticate`, `Proxy-Authenticate`, `Authorization` and
//! `Proxy-Authorization` values: a scheme, then comma-separated `name=value` parameters whose
//! values are tokens or quoted strings (RFC 3261 §25.1, RFC 7235 §2.1).
//!
//! Reading is tolerant of what real servers send: any amount of whitespace (including an
//! unfolded CRLF), empty list elements (`a=1,,b=2`), parameter names in any case, and quoted
//! values where a token was due. It is strict where leniency would change meaning: an
//! unterminated quoted string, a control character inside a value, or a parameter given twice
//! is an error. Writing never lets a value end the header line or the quoted string early.

use std::fmt::{self, Write as _};

use super::AuthError;

/// Header values carrying more parameters than this are refused: the digest schemes define
/// about a dozen, and the cap bounds the duplicate check.
const MAX_PARAMS: usize = 64;

/// One `name=value` parameter, as read (the value unquoted and unescaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The name as written; compare it with [`str::eq_ignore_ascii_case`].
    pub name: String,
    /// The value, without quotes and with `\` escapes resolved.
    pub value: String,
    /// Whether the value was a quoted string (written back the same way).
    pub quoted: bool,
}

impl Param {
    /// A parameter written as a quoted string.
    pub fn quoted(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            quoted: true,
        }
    }

    /// A parameter written as a bare token.
    pub fn token(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            quoted: false,
        }
    }
}

/// The parameters of a Digest header value.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The parameters in header order; no two share a name (ignoring case).
    pub(crate) params: Vec<Param>,
}

impl Parsed {
    /// Removes and returns the value of the parameter `name` (any case).
    pub(crate) fn take(&mut self, name: &str) -> Option<Param> {
        let index = self
            .params
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))?;
        Some(self.params.remove(index))
    }

    /// Like [`Parsed::take`], for a parameter that must be there.
    pub(crate) fn require(&mut self, name: &'static str) -> Result<String, AuthError> {
        self.take(name)
            .map(|p| p.value)
            .ok_or(AuthError::MissingParameter { name })
    }
}

/// Reads the parameters of a header value whose scheme must be `Digest` (any case); another
/// scheme is [`AuthError::UnsupportedScheme`] whatever follows it.
pub(crate) fn parse(value: &str) -> Result<Parsed, AuthError> {
    let mut cursor = Cursor {
        text: value,
        pos: 0,
    };
    cursor.skip_whitespace();
    if cursor.at_end() {
        return Err(AuthError::Empty);
    }
    let scheme = cursor.token();
    if scheme.is_empty() {
        return Err(cursor.malformed("expected an authentication scheme"));
    }
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Err(AuthError::UnsupportedScheme {
            scheme: scheme.to_owned(),
        });
    }
    let mut params: Vec<Param> = Vec::new();
    loop {
        cursor.skip_whitespace_and_commas();
        if cursor.at_end() {
            break;
        }
        let name_at = cursor.pos;
        let name = cursor.token();
        if name.is_empty() {
            return Err(cursor.malformed("expected a parameter name"));
        }
        cursor.skip_whitespace();
        if !cursor.eat(b'=') {
            return Err(cursor.malformed("expected '=' after a parameter name"));
        }
        cursor.skip_whitespace();
        let (value, quoted) = if cursor.eat(b'"') {
            (cursor.quoted_rest()?, true)
        } else {
            let value = cursor.bare_value()?;
            if value.is_empty() {
                return Err(cursor.malformed("expected a parameter value"));
            }
            (value.to_owned(), false)
        };
        if params.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
            return Err(AuthError::DuplicateParameter {
                name: name.to_ascii_lowercase(),
            });
        }
        if params.len() == MAX_PARAMS {
            return Err(AuthError::Malformed {
                at: name_at,
                reason: "too many parameters",
            });
        }
        params.push(Param {
            name: name.to_owned(),
            value,
            quoted,
        });
        cursor.skip_whitespace();
        if !cursor.at_end() && !cursor.eat(b',') {
            return Err(cursor.malformed("expected ',' between parameters"));
        }
    }
    Ok(Parsed { params })
}

/// Builds a header value: the scheme, then `, `-separated parameters.
pub(crate) struct Writer {
    out: String,
    first: bool,
}

impl Writer {
    pub(crate) fn new(scheme: &str) -> Self {
        Self {
            out: scheme.to_owned(),
            first: true,
        }
    }

    fn separator(&mut self) {
        self.out.push_str(if self.first { " " } else { ", " });
        self.first = false;
    }

    /// `name="value"`, escaped as a quoted string. Control characters are dropped: a CR or
    /// LF would end the header line.
    pub(crate) fn quoted(&mut self, name: &str, value: &str) {
        self.separator();
        self.out.push_str(name);
        self.out.push_str("=\"");
        for c in value.chars() {
            match c {
                '"' | '\\' => {
                    self.out.push('\\');
                    self.out.push(c);
                }
                c if is_forbidden_control(c) => {}
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    /// `name=value` for a value that is a token.
    pub(crate) fn token(&mut self, name: &str, value: impl fmt::Display) {
        self.separator();
        // Writing into a String cannot fail.
        let _ = write!(self.out, "{name}={value}");
    }

    /// A parameter kept from a parsed value, written the way it came (quoted when it must be).
    /// One whose name is not a token is left out rather than written broken.
    pub(crate) fn param(&mut self, param: &Param) {
        if param.name.is_empty() || !param.name.bytes().all(is_token_byte) {
            return;
        }
        if param.quoted || param.value.is_empty() || !param.value.bytes().all(is_bare_value_byte) {
            self.quoted(&param.name, &param.value);
        } else {
            self.token(&param.name, &param.value);
        }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// Whether `value` can be written into a header without altering it: no control characters.
pub(crate) fn is_writable(value: &str) -> bool {
    !value.chars().any(is_forbidden_control)
}

/// Control characters other than horizontal tab.
fn is_forbidden_control(c: char) -> bool {
    c.is_ascii_control() && c != '\t'
}

/// RFC 3261 `token` characters.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

/// Characters of an unquoted value: more than `token` allows, because servers send
/// `nonce=abc/def==` and `uri=sip:x@y` bare. Anything up to whitespace or a comma.
fn is_bare_value_byte(b: u8) -> bool {
    !(b.is_ascii_control() || b == b' ' || b == b',' || b == b'"' || b == b'\\')
}

struct Cursor<'a> {
    text: &'a str,
    /// Byte offset; always on a char boundary, since it only ever steps over ASCII bytes or
    /// over whole chars.
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn malformed(&self, reason: &'static str) -> AuthError {
        AuthError::Malformed {
            at: self.pos,
            reason,
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn skip_whitespace_and_commas(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n' | b',')) {
            self.pos += 1;
        }
    }

    /// The longest run of token bytes (possibly empty).
    fn token(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_token_byte) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    /// An unquoted value: bytes up to whitespace, a comma or the end. Non-ASCII is taken as
    /// part of the value; a quote, backslash or control character in it is an error.
    fn bare_value(&mut self) -> Result<&'a str, AuthError> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b >= 0x80 || is_bare_value_byte(b) {
                self.pos += 1;
            } else if matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',') {
                break;
            } else {
                return Err(self.malformed("unexpected character in an unquoted value"));
            }
        }
        // Bytes >= 0x80 were stepped over one by one, but the run stops only at an ASCII byte
        // or the end, so both ends are char boundaries.
        Ok(&self.text[start..self.pos])
    }

    /// The rest of a quoted string whose opening quote was consumed.
    fn quoted_rest(&mut self) -> Result<String, AuthError> {
        let opened_at = self.pos - 1;
        let mut value = String::new();
        let rest = &self.text[self.pos..];
        let mut chars = rest.char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += offset + 1;
                    return Ok(value);
                }
                '\\' => match chars.next() {
                    Some((_, escaped)) if !is_forbidden_control(escaped) => value.push(escaped),
                    Some((at, _)) => {
                        return Err(AuthError::Malformed {
                            at: self.pos + at,
                            reason: "control character in a quoted string",
                        })
                    }
                    None => break,
                },
                c if is_forbidden_control(c) => {
                    return Err(AuthError::Malformed {
                        at: self.pos + offset,
                        reason: "control character in a quoted string",
                    })
                }
                c => value.push(c),
            }
        }
        Err(AuthError::Malformed {
            at: opened_at,
            reason: "unterminated quoted string",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(parsed: &Parsed) -> Vec<(&str, &str, bool)> {
        parsed
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str(), p.quoted))
            .collect()
    }

    #[test]
    fn scheme_and_parameters_in_any_layout() {
        let parsed =
            parse(" digest  realm=\"a b\" ,nonce = x1,\r\n\t,, Opaque=\"q\\\"u\\\\o\"  ").unwrap();
        assert_eq!(
            names(&parsed),
            [
                ("realm", "a b", true),
                ("nonce", "x1", false),
                ("Opaque", "q\"u\\o", true)
            ]
        );
    }

    #[test]
    fn bare_values_may_carry_uri_and_base64_characters() {
        let parsed = parse("Digest uri=sip:bob@example.com;transport=tcp, nonce=ab/c+d==").unwrap();
        assert_eq!(
            names(&parsed),
            [
                ("uri", "sip:bob@example.com;transport=tcp", false),
                ("nonce", "ab/c+d==", false)
            ]
        );
    }

    #[test]
    fn non_ascii_is_kept_inside_and_outside_quotes() {
        let parsed = parse("Digest username=\"J\u{e4}s\u{f8}n\", realm=r\u{e9}alm").unwrap();
        assert_eq!(
            names(&parsed),
            [
                ("username", "J\u{e4}s\u{f8}n", true),
                ("realm", "r\u{e9}alm", false)
            ]
        );
    }

    #[test]
    fn syntax_errors_say_where() {
        let cases: &[(&str, AuthError)] = &[
            ("", AuthError::Empty),
            ("   ", AuthError::Empty),
            (
                "Basic dXNlcjpwYXNz",
                AuthError::UnsupportedScheme {
                    scheme: "Basic".into(),
                },
            ),
            (
                "=x",
                AuthError::Malformed {
                    at: 0,
                    reason: "expected an authentication scheme",
                },
            ),
            (
                "Digest realm",
                AuthError::Malformed {
                    at: 12,
                    reason: "expected '=' after a parameter name",
                },
            ),
            (
                "Digest realm=\"abc",
                AuthError::Malformed {
                    at: 13,
                    reason: "unterminated quoted string",
                },
            ),
            (
                "Digest realm=\"a\\",
                AuthError::Malformed {
                    at: 13,
                    reason: "unterminated quoted string",
                },
            ),
            (
                "Digest realm=\"a\nb\"",
                AuthError::Malformed {
                    at: 15,
                    reason: "control character in a quoted string",
                },
            ),
            (
                "Digest realm=a b",
                AuthError::Malformed {
                    at: 15,
                    reason: "expected ',' between parameters",
                },
            ),
            (
                "Digest realm=,",
                AuthError::Malformed {
                    at: 13,
                    reason: "expected a parameter value",
                },
            ),
            (
                "Digest realm=a\"b\"",
                AuthError::Malformed {
                    at: 14,
                    reason: "unexpected character in an unquoted value",
                },
            ),
            (
                "Digest realm=a, REALM=b",
                AuthError::DuplicateParameter {
                    name: "realm".into(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input).unwrap_err(), *expected, "{input:?}");
        }
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let many: String = (0..=MAX_PARAMS).map(|i| format!("p{i}=1,")).collect();
        let err = parse(&format!("Digest {many}")).unwrap_err();
        assert!(matches!(
            err,
            AuthError::Malformed {
                reason: "too many parameters",
                ..
            }
        ));
    }

    #[test]
    fn writing_escapes_and_never_breaks_the_line() {
        let mut w = Writer::new("Digest");
        w.quoted("username", "a\"b\\c\r\nX-Evil: 1");
        w.token("nc", "00000001");
        w.param(&Param::token("x", "needs space"));
        w.param(&Param::token("y", "plain"));
        w.param(&Param::token("bad name", "dropped"));
        let out = w.finish();
        assert_eq!(
            out,
            r#"Digest username="a\"b\\cX-Evil: 1", nc=00000001, x="needs space", y=plain"#
        );
        let back = parse(&out).unwrap();
        assert_eq!(back.params[0].value, "a\"b\\cX-Evil: 1");
        assert!(!is_writable("a\rb"));
        assert!(is_writable("a\tb \u{e9}"));
    }
}
