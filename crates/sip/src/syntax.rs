//! The basic rules of RFC 3261 §25.1 (tokens, quoted strings, comments, linear white space) and
//! a cursor that the typed header parsers share.
//!
//! Header values reach the typed parsers unfolded (a fold counts as white space), so LWS here is
//! any run of SP, HT, CR and LF.

/// A `token` character (RFC 3261 §25.1).
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
        )
}

/// Whether `text` is a non-empty `token`.
pub(crate) fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(is_token_byte)
}

/// A `word` character (Call-ID): token characters and a few separators.
pub(crate) fn is_word_byte(b: u8) -> bool {
    is_token_byte(b)
        || matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'{'
                | b'}'
        )
}

/// Linear white space: SP, HT and the CR/LF of a fold.
pub(crate) fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// `text` without leading and trailing LWS.
pub(crate) fn trim_lws(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && is_lws(c as u8))
}

/// Writes `text` as a quoted string, escaping `"` and `\`.
pub(crate) fn write_quoted(out: &mut std::fmt::Formatter<'_>, text: &str) -> std::fmt::Result {
    out.write_str("\"")?;
    for part in text.split_inclusive(['"', '\\']) {
        match part.as_bytes().last() {
            Some(b'"' | b'\\') => {
                let (head, tail) = part.split_at(part.len() - 1);
                out.write_str(head)?;
                out.write_str("\\")?;
                out.write_str(tail)?;
            }
            _ => out.write_str(part)?,
        }
    }
    out.write_str("\"")
}

/// A position in a header value, with the small steps every header grammar needs. Failures
/// are short static descriptions that end up in [`crate::message::ErrorKind::BadHeaderValue`].
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    /// Byte offset from the start of the text.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves back to an earlier position.
    pub(crate) fn reset(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// What is left.
    pub(crate) fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    /// The text between two positions.
    pub(crate) fn slice(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or("")
    }

    /// Whether everything was consumed.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// The next byte.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips one byte if it is `b`.
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Skips linear white space; returns whether there was any.
    pub(crate) fn skip_lws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_lws) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// A separator with optional LWS around it (`SEMI`, `EQUAL`, `SLASH`, `COLON`, `COMMA`).
    /// Leaves the cursor where it was when the separator is not next.
    pub(crate) fn eat_separator(&mut self, b: u8) -> bool {
        let start = self.pos;
        self.skip_lws();
        if self.eat(b) {
            self.skip_lws();
            true
        } else {
            self.pos = start;
            false
        }
    }

    /// The longest run of bytes satisfying `keep` (possibly empty).
    pub(crate) fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        self.slice(start, self.pos)
    }

    /// A token, or `None` (cursor unmoved) when none is next.
    pub(crate) fn token(&mut self) -> Option<&'a str> {
        let token = self.take_while(is_token_byte);
        (!token.is_empty()).then_some(token)
    }

    /// A token, or the error `what`.
    pub(crate) fn expect_token(&mut self, what: &'static str) -> Result<&'a str, &'static str> {
        self.token().ok_or(what)
    }

    /// A decimal number of at most `max`.
    pub(crate) fn number(&mut self, max: u64, what: &'static str) -> Result<u64, &'static str> {
        let digits = self.take_while(|b| b.is_ascii_digit());
        parse_decimal(digits, max).ok_or(what)
    }

    /// A quoted string (the cursor at its opening quote), unescaped.
    pub(crate) fn quoted_string(&mut self) -> Result<String, &'static str> {
        if !self.eat(b'"') {
            return Err("expected a quoted string");
        }
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                None => return Err("unterminated quoted string"),
                Some(b'"') => {
                    out.push_str(self.slice(run, self.pos));
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(self.slice(run, self.pos));
                    self.pos += 1;
                    match self.peek() {
                        Some(b) if b.is_ascii() && b != b'\r' && b != b'\n' => {
                            out.push(b as char);
                            self.pos += 1;
                        }
                        _ => return Err("bad escape in quoted string"),
                    }
                    run = self.pos;
                }
                Some(b) if b < 0x20 && !is_lws(b) || b == 0x7f => {
                    return Err("control character in quoted string")
                }
                Some(_) => self.advance_char(),
            }
        }
    }

    /// A comment (the cursor at its `(`), with nesting and escapes; returns its text without
    /// the outer parentheses.
    pub(crate) fn comment(&mut self) -> Result<&'a str, &'static str> {
        if !self.eat(b'(') {
            return Err("expected a comment");
        }
        let start = self.pos;
        let mut depth = 1usize;
        loop {
            match self.peek() {
                None => return Err("unterminated comment"),
                Some(b'(') => depth += 1,
                Some(b')') => {
                    depth -= 1;
                    if depth == 0 {
                        let text = self.slice(start, self.pos);
                        self.pos += 1;
                        return Ok(text);
                    }
                }
                Some(b'\\') => {
                    self.pos += 1;
                    if self.at_end() {
                        return Err("unterminated comment");
                    }
                }
                Some(_) => {}
            }
            self.advance_char();
        }
    }

    /// Steps over one character (one to four bytes).
    fn advance_char(&mut self) {
        let len = self.rest().chars().next().map_or(1, char::len_utf8);
        self.pos += len;
    }
}

/// Parses 1 to 20 ASCII digits into a number no larger than `max`.
pub(crate) fn parse_decimal(digits: &str, max: u64) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: u64 = 0;
    for b in digits.bytes() {
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        if value > max {
            return None;
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_unescape() {
        let mut c = Cursor::new(r#""J Rosenberg \\\"" rest"#);
        assert_eq!(c.quoted_string().unwrap(), r#"J Rosenberg \""#);
        assert_eq!(c.rest(), " rest");
        assert!(Cursor::new("\"open").quoted_string().is_err());
        assert_eq!(
            Cursor::new("\"BEL:\\\u{7} NUL:\\\0\"")
                .quoted_string()
                .unwrap(),
            "BEL:\u{7} NUL:\0"
        );
    }

    #[test]
    fn comments_nest() {
        let mut c = Cursor::new("(a (b) \\) c) x");
        assert_eq!(c.comment().unwrap(), "a (b) \\) c");
        assert_eq!(c.rest(), " x");
        assert!(Cursor::new("(a (b)").comment().is_err());
    }

    #[test]
    fn separators_take_lws() {
        let mut c = Cursor::new("a \r\n ; b");
        assert_eq!(c.token(), Some("a"));
        assert!(c.eat_separator(b';'));
        assert_eq!(c.token(), Some("b"));
        assert!(!c.eat_separator(b';'));
    }

    #[test]
    fn decimals_are_bounded() {
        assert_eq!(parse_decimal("0068", 255), Some(68));
        assert_eq!(parse_decimal("300", 255), None);
        assert_eq!(parse_decimal("99999999999999999999999", u64::MAX), None);
        assert_eq!(parse_decimal("", 10), None);
        assert_eq!(parse_decimal("-1", 10), None);
    }

    #[test]
    fn quoting_escapes() {
        struct Q(&'static str);
        impl std::fmt::Display for Q {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write_quoted(f, self.0)
            }
        }
        assert_eq!(Q(r#"a"b\c"#).to_string(), r#""a\"b\\c""#);
    }
}
