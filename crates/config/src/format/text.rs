//! P-value text: one `KEY = value` a line.
//!
//! A line whose first non-blank character is `#` is a comment; a `#` anywhere else is part of the
//! value (colours, dial plans). Spaces around `=` are optional, CRLF and LF both end a line. Keys
//! are `Pnnn`; as an extension, an alias (`account.7.sip.userid`) is accepted too, so settings
//! without a P-value fit in the same file. Lines that are neither are passed over and reported.

use super::{excerpt, Entry, Format, ParsedFile, Skipped};

/// Reads P-value text.
pub fn parse_text(text: &str) -> ParsedFile {
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = index + 1;
        let content = raw.strip_suffix('\r').unwrap_or(raw).trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        match content.split_once('=') {
            Some((key, value)) if is_key(key.trim()) => entries.push(Entry {
                key: key.trim().to_owned(),
                value: value.trim().to_owned(),
                line,
            }),
            _ => skipped.push(Skipped {
                line,
                what: excerpt(content),
            }),
        }
    }
    ParsedFile {
        format: Format::Text,
        mac: None,
        entries,
        skipped,
    }
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Writes P-value text: a header comment, then one `KEY = value` line per pair.
pub fn write_text<'a>(header: &str, pairs: impl IntoIterator<Item = (String, &'a str)>) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for (key, value) in pairs {
        out.push_str(&key);
        out.push_str(" = ");
        out.push_str(value);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_inside_a_value_is_data_and_comments_only_start_a_line() {
        let f = parse_text(
            "# comment\r\n  # indented comment\r\nP2921 = #000000\r\nP290={ x+ | *x+ }\r\nP270=\n",
        );
        let got: Vec<(&str, &str, usize)> = f
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            got,
            [
                ("P2921", "#000000", 3),
                ("P290", "{ x+ | *x+ }", 4),
                ("P270", "", 5)
            ]
        );
        assert!(f.skipped.is_empty());
    }

    #[test]
    fn stray_lines_are_skipped_and_reported() {
        let f = parse_text("Screensaver XML Download Interval\nP1 = a\nwhat ever = 3\n");
        assert_eq!(f.entries.len(), 1);
        let lines: Vec<usize> = f.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, [1, 3]);
    }

    #[test]
    fn aliases_are_keys_too() {
        let f = parse_text("account.7.sip.userid = 107");
        assert_eq!(f.entries[0].key, "account.7.sip.userid");
    }

    #[test]
    fn writes_what_it_reads() {
        let text = write_text("a\nb", [("P47".to_owned(), "x # y")]);
        assert_eq!(text, "# a\n# b\nP47 = x # y\n");
        assert_eq!(parse_text(&text).entries[0].value, "x # y");
    }
}
