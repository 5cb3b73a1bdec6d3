//! Parameters: `;name[=value]` lists of URIs (RFC 3261 §19.1.1) and header fields (§25.1
//! `generic-param`). Names compare case-insensitively; values are kept as written (URI
//! parameters in their escaped form, quoted header values unquoted) and compare as the
//! header or URI in question specifies.

use std::fmt;

use crate::syntax::{is_token, is_token_byte, write_quoted, Cursor};
use crate::uri::escape::unescape;

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    name: String,
    value: Option<String>,
    quoted: bool,
}

impl Param {
    /// A parameter without a value, such as `lr`.
    pub fn flag(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            value: None,
            quoted: false,
        }
    }

    /// A parameter with a value; a header parameter value that is not a token is quoted when
    /// written.
    pub fn with_value(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            value: Some(value.to_owned()),
            quoted: !is_token(value),
        }
    }

    /// The name as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value (unquoted), if there is one.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// Whether the value was (or will be) written as a quoted string.
    pub fn is_quoted(&self) -> bool {
        self.quoted
    }

    /// Whether this parameter is called `name` (case-insensitive; escapes in URI parameter
    /// names count as the characters they stand for).
    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            || (self.name.contains('%')
                && unescape(&self.name).eq_ignore_ascii_case(name.as_bytes()))
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        match &self.value {
            None => Ok(()),
            Some(value) if self.quoted => {
                f.write_str("=")?;
                write_quoted(f, value)
            }
            Some(value) => write!(f, "={value}"),
        }
    }
}

/// An ordered list of parameters; written as `;a=1;b`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Params(Vec<Param>);

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// The parameters in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Param> {
        self.0.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first parameter called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.0.iter().find(|p| p.is_named(name))
    }

    /// Whether a parameter called `name` is present (with or without a value).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The value of parameter `name`; `None` when absent or without a value.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Param::value)
    }

    /// Sets `name` (replacing an existing one in place, else appending).
    pub fn set(&mut self, param: Param) {
        match self.0.iter_mut().find(|p| p.is_named(&param.name)) {
            Some(slot) => *slot = param,
            None => self.0.push(param),
        }
    }

    /// Removes every parameter called `name`; returns whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|p| !p.is_named(name));
        self.0.len() != before
    }

    /// Appends a parameter as it was parsed (no checks).
    pub(crate) fn push_raw(&mut self, name: &str, value: Option<&str>, quoted: bool) {
        self.0.push(Param {
            name: name.to_owned(),
            value: value.map(str::to_owned),
            quoted,
        });
    }

    /// Parses header-field parameters `*( SEMI generic-param )` from the cursor, stopping at
    /// anything that is not a `;` (a comma, the end, or junk the caller rejects).
    pub(crate) fn parse_header(cursor: &mut Cursor<'_>) -> Result<Self, &'static str> {
        let mut params = Self::new();
        while cursor.eat_separator(b';') {
            let name = cursor.expect_token("empty parameter")?;
            if cursor.eat_separator(b'=') {
                if cursor.peek() == Some(b'"') {
                    let value = cursor.quoted_string()?;
                    params.push_raw(name, Some(&value), true);
                } else {
                    let value =
                        cursor.take_while(|b| is_token_byte(b) || matches!(b, b'[' | b']' | b':'));
                    if value.is_empty() {
                        return Err("parameter without a value after =");
                    }
                    params.push_raw(name, Some(value), false);
                }
            } else {
                params.push_raw(name, None, false);
            }
        }
        Ok(params)
    }
}

impl<'a> IntoIterator for &'a Params {
    type Item = &'a Param;
    type IntoIter = std::slice::Iter<'a, Param>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            write!(f, ";{p}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(Params, String), &'static str> {
        let mut c = Cursor::new(text);
        let p = Params::parse_header(&mut c)?;
        Ok((p, c.rest().to_owned()))
    }

    #[test]
    fn header_params_with_lws_quotes_and_flags() {
        let (p, rest) = parse(" ;   tag    = 1918181833n ; lr;q=0.33;x=\"a b\" , next").unwrap();
        assert_eq!(p.value("TAG"), Some("1918181833n"));
        assert!(p.contains("lr") && p.value("lr").is_none());
        assert_eq!(p.value("x"), Some("a b"));
        assert_eq!(rest, " , next");
        assert_eq!(p.to_string(), ";tag=1918181833n;lr;q=0.33;x=\"a b\"");
        assert_eq!(parse(";;").unwrap_err(), "empty parameter");
        assert!(parse(";a=").is_err());
        assert_eq!(
            parse(";received=[::1]").unwrap().0.value("received"),
            Some("[::1]")
        );
    }

    #[test]
    fn set_and_remove() {
        let mut p = Params::new();
        p.set(Param::with_value("tag", "abc"));
        p.set(Param::with_value("Tag", "def"));
        assert_eq!(p.len(), 1);
        assert_eq!(p.value("tag"), Some("def"));
        p.set(Param::with_value("instance", "<urn:uuid:1>"));
        assert_eq!(p.to_string(), ";Tag=def;instance=\"<urn:uuid:1>\"");
        assert!(p.remove("TAG"));
        assert!(!p.remove("tag"));
    }

    #[test]
    fn escaped_uri_parameter_names_match() {
        let mut p = Params::new();
        p.push_raw("%6C%72", None, false);
        assert!(p.contains("lr"));
    }
}
