//! Configuration file formats: P-value text, XML v1 (`<Pnnn>`) and XML v2 (`<item name>`).
//!
//! Parsing only reads the file's structure into [`Entry`]s (key, raw value, where it was); what
//! the keys and values mean is decided by [`crate::ConfigStore::import`] against the schema.

mod text;
mod xml;

pub use text::{parse_text, write_text};
pub use xml::{parse_xml, write_xml_v1, write_xml_v2};

use std::fmt;

/// A configuration file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `P47 = value` lines.
    Text,
    /// `<gs_provision><config version="1"><P47>value</P47>`.
    XmlV1,
    /// `<gs_provision><config version="2"><item name="alias">word</item>`.
    XmlV2,
}

impl Format {
    /// The name used on the command line (`text`, `xml`, `xml2`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::XmlV1 => "xml",
            Self::XmlV2 => "xml2",
        }
    }

    /// Parses a command-line format name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "text" | "txt" | "pvalue" => Some(Self::Text),
            "xml" | "xml1" | "v1" => Some(Self::XmlV1),
            "xml2" | "v2" => Some(Self::XmlV2),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text => "P-value text",
            Self::XmlV1 => "XML v1",
            Self::XmlV2 => "XML v2",
        })
    }
}

/// One `key = value` found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key as written: `P47` or an alias.
    pub key: String,
    /// The value as written (text: trimmed; XML: unescaped).
    pub value: String,
    /// 1-based line where it starts.
    pub line: usize,
}

/// Something in a file that is not a setting and was passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// 1-based line.
    pub line: usize,
    /// What was there, shortened.
    pub what: String,
}

/// A configuration file read into entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    /// Which format it was.
    pub format: Format,
    /// The `<mac>` of an XML file, lower-case hex without separators.
    pub mac: Option<String>,
    /// The settings, in file order.
    pub entries: Vec<Entry>,
    /// Lines or elements that were not settings.
    pub skipped: Vec<Skipped>,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The bytes are not UTF-8 text.
    #[error("line {line}: the file is not UTF-8 text")]
    NotUtf8 {
        /// 1-based line of the first bad byte.
        line: usize,
    },
    /// The XML is not well-formed.
    #[error("line {line}: malformed XML: {message}")]
    Xml {
        /// 1-based line.
        line: usize,
        /// The parser's reason.
        message: String,
    },
    /// The XML is well-formed but not a configuration file.
    #[error("line {line}: {message}")]
    Structure {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file is encrypted and no password was given.
    #[error("the file is encrypted (it starts with Salted__): give the XML config file password")]
    Encrypted,
}

/// Reads a configuration file of any supported format, detecting which.
pub fn parse(bytes: &[u8]) -> Result<ParsedFile, FormatError> {
    if crate::encryption::is_encrypted(bytes) {
        return Err(FormatError::Encrypted);
    }
    let text = decode(bytes)?;
    if looks_like_xml(text) {
        parse_xml(text)
    } else {
        Ok(parse_text(text))
    }
}

/// Decodes UTF-8, dropping a byte-order mark.
pub fn decode(bytes: &[u8]) -> Result<&str, FormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| FormatError::NotUtf8 {
        line: line_at(bytes, e.valid_up_to()),
    })
}

fn looks_like_xml(text: &str) -> bool {
    text.trim_start().starts_with('<')
}

/// 1-based line number of a byte offset.
pub(crate) fn line_at(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    1 + bytes[..end].iter().filter(|&&b| b == b'\n').count()
}

/// Shortens text for a message.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 60;
    let text = text.trim();
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_format() {
        assert_eq!(parse(b"P47 = x\n").unwrap().format, Format::Text);
        let v1 = b"<?xml version=\"1.0\"?><gs_provision version=\"1\"><config version=\"1\"><P47>x</P47></config></gs_provision>";
        assert_eq!(parse(v1).unwrap().format, Format::XmlV1);
        let v2 = b"\xEF\xBB\xBF <gs_provision><config version=\"2\"><item name=\"a.b\">x</item></config></gs_provision>";
        assert_eq!(parse(v2).unwrap().format, Format::XmlV2);
    }

    #[test]
    fn names_the_line_of_bad_utf8() {
        assert_eq!(
            parse(b"P1 = a\nP2 = \xff\n").unwrap_err(),
            FormatError::NotUtf8 { line: 2 }
        );
    }

    #[test]
    fn refuses_encrypted_files_without_a_password() {
        assert_eq!(
            parse(b"Salted__12345678abcdefghabcdefgh").unwrap_err(),
            FormatError::Encrypted
        );
    }
}
