//! `%HH` escaping (RFC 3261 §19.1.2, §25.1) and the character sets of each URI part.

use std::borrow::Cow;

/// `unreserved` = alphanum / mark.
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
        )
}

/// Characters allowed unescaped in the user part.
pub(crate) fn is_user_byte(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/')
}

/// Characters allowed unescaped in the password.
pub(crate) fn is_password_byte(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',')
}

/// Characters allowed unescaped in URI parameter names and values.
pub(crate) fn is_param_byte(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$')
}

/// Characters allowed unescaped in URI header names and values.
pub(crate) fn is_header_byte(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$')
}

/// Checks that `text` holds only `allowed` characters and well-formed `%HH` escapes.
pub(crate) fn check_escaped(text: &str, allowed: fn(u8) -> bool) -> Result<(), usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
                if !ok {
                    return Err(i);
                }
                i += 3;
            }
            b if allowed(b) => i += 1,
            _ => return Err(i),
        }
    }
    Ok(())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `text` with its `%HH` escapes decoded (malformed escapes are kept as they are).
pub(crate) fn unescape(text: &str) -> Cow<'_, [u8]> {
    if !text.contains('%') {
        return Cow::Borrowed(text.as_bytes());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| {
                let high = hex_value(*bytes.get(i + 1)?)?;
                let low = hex_value(*bytes.get(i + 2)?)?;
                Some(high << 4 | low)
            })
            .flatten();
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// `bytes` with every character outside `allowed` written as `%HH`.
pub(crate) fn escape(bytes: &[u8], allowed: fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if allowed(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_and_escape() {
        assert_eq!(&*unescape("%75se%72"), b"user");
        assert_eq!(&*unescape("v%61lue%25%34%31"), b"value%41");
        assert_eq!(&*unescape("null-%00-null"), b"null-\0-null");
        assert_eq!(&*unescape("%Z%45"), b"%ZE");
        assert_eq!(escape(b"I have spaces", is_user_byte), "I%20have%20spaces");
        assert_eq!(escape(b"a%b", is_param_byte), "a%25b");
    }

    #[test]
    fn checks_escapes_and_sets() {
        assert!(check_escaped("alice%40x", is_user_byte).is_ok());
        assert_eq!(check_escaped("al ice", is_user_byte), Err(2));
        assert_eq!(check_escaped("a%4", is_user_byte), Err(1));
        assert!(check_escaped("a:b", is_password_byte).is_err());
    }
}
