//! XML configuration files.
//!
//! v1: `<gs_provision version="1"><mac>…</mac><config version="1"><P47>…</P47></config>`.
//! v2: `<config version="2">` with `<item name="alias">word</item>`, where an item may instead hold
//! `<part name="x">` sub-elements, each a setting `alias.x`. Both kinds of element are accepted in
//! either version; the format reported is v2 when the config says so or holds items.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::{excerpt, line_at, Entry, Format, FormatError, ParsedFile, Skipped};
use crate::schema::parse_pvalue_name;

enum Frame {
    Root,
    Mac(String),
    Config,
    Setting {
        key: String,
        line: usize,
        text: String,
    },
    Item {
        name: String,
        line: usize,
        text: String,
        has_parts: bool,
    },
    Ignored,
}

struct Walker {
    stack: Vec<Frame>,
    file: ParsedFile,
    saw_config: bool,
}

/// Reads an XML configuration file.
pub fn parse_xml(text: &str) -> Result<ParsedFile, FormatError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut walker = Walker {
        stack: Vec::new(),
        file: ParsedFile {
            format: Format::XmlV1,
            mac: None,
            entries: Vec::new(),
            skipped: Vec::new(),
        },
        saw_config: false,
    };
    let mut lines = LineCounter::default();
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let line = lines.line_at(text.as_bytes(), start);
        let event = reader.read_event().map_err(|e| FormatError::Xml {
            line: line_at(
                text.as_bytes(),
                usize::try_from(reader.error_position()).unwrap_or(start),
            ),
            message: e.to_string(),
        })?;
        let xml_err = |e: quick_xml::Error| FormatError::Xml {
            line,
            message: e.to_string(),
        };
        match event {
            Event::Start(e) => walker.open(&e, line)?,
            Event::Empty(e) => {
                walker.open(&e, line)?;
                walker.close();
            }
            Event::End(_) => walker.close(),
            Event::Text(t) => walker.text(&t.unescape().map_err(xml_err)?),
            Event::CData(c) => walker.text(&String::from_utf8_lossy(&c)),
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !walker.saw_config {
        return Err(FormatError::Structure {
            line: 1,
            message: "no <config> element: not a configuration file".into(),
        });
    }
    Ok(walker.file)
}

/// Line numbers of increasing offsets, counted incrementally (files are read front to back).
#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: usize,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        let offset = offset.min(bytes.len());
        if offset < self.offset {
            *self = Self::default();
        }
        self.line += bytes[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line + 1
    }
}

impl Walker {
    fn open(&mut self, e: &BytesStart<'_>, line: usize) -> Result<(), FormatError> {
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let attr = |key: &str| -> Result<Option<String>, FormatError> {
            match e.try_get_attribute(key) {
                Ok(Some(a)) => a
                    .unescape_value()
                    .map(|v| Some(v.into_owned()))
                    .map_err(|err| FormatError::Xml {
                        line,
                        message: err.to_string(),
                    }),
                Ok(None) => Ok(None),
                Err(err) => Err(FormatError::Xml {
                    line,
                    message: err.to_string(),
                }),
            }
        };
        let frame = match self.stack.last() {
            None => match name.as_str() {
                "gs_provision" => Frame::Root,
                "config" => self.config(attr("version")?),
                other => {
                    return Err(FormatError::Structure {
                        line,
                        message: format!("the root element is <{other}>, expected <gs_provision>"),
                    })
                }
            },
            Some(Frame::Root) => match name.as_str() {
                "mac" => Frame::Mac(String::new()),
                "config" => self.config(attr("version")?),
                _ => self.ignore(line, &name),
            },
            Some(Frame::Config) => {
                if name.eq_ignore_ascii_case("item") {
                    self.file.format = Format::XmlV2;
                    match attr("name")? {
                        Some(item) if !item.trim().is_empty() => Frame::Item {
                            name: item.trim().to_owned(),
                            line,
                            text: String::new(),
                            has_parts: false,
                        },
                        _ => self.ignore(line, "<item> without a name"),
                    }
                } else if parse_pvalue_name(&name).is_some() && name.starts_with(['P', 'p']) {
                    Frame::Setting {
                        key: name,
                        line,
                        text: String::new(),
                    }
                } else {
                    self.ignore(line, &name)
                }
            }
            Some(Frame::Item { name: item, .. }) if name.eq_ignore_ascii_case("part") => {
                let item = item.clone();
                if let Some(Frame::Item { has_parts, .. }) = self.stack.last_mut() {
                    *has_parts = true;
                }
                match attr("name")? {
                    Some(part) if !part.trim().is_empty() => Frame::Setting {
                        key: format!("{item}.{}", part.trim()),
                        line,
                        text: String::new(),
                    },
                    _ => self.ignore(line, "<part> without a name"),
                }
            }
            Some(_) => Frame::Ignored,
        };
        self.stack.push(frame);
        Ok(())
    }

    fn config(&mut self, version: Option<String>) -> Frame {
        self.saw_config = true;
        if version.as_deref().map(str::trim) == Some("2") {
            self.file.format = Format::XmlV2;
        }
        Frame::Config
    }

    fn ignore(&mut self, line: usize, what: &str) -> Frame {
        self.file.skipped.push(Skipped {
            line,
            what: excerpt(what),
        });
        Frame::Ignored
    }

    fn text(&mut self, t: &str) {
        if let Some(Frame::Mac(text) | Frame::Setting { text, .. } | Frame::Item { text, .. }) =
            self.stack.last_mut()
        {
            text.push_str(t);
        }
    }

    fn close(&mut self) {
        match self.stack.pop() {
            Some(Frame::Mac(mac)) => self.file.mac = Some(normalize_mac(&mac)),
            Some(Frame::Setting { key, line, text }) => self.file.entries.push(Entry {
                key,
                value: text.trim().to_owned(),
                line,
            }),
            Some(Frame::Item {
                name,
                line,
                text,
                has_parts: false,
            }) => self.file.entries.push(Entry {
                key: name,
                value: text.trim().to_owned(),
                line,
            }),
            _ => {}
        }
    }
}

/// Lower-case hex digits of a MAC address, separators removed.
pub(crate) fn normalize_mac(mac: &str) -> String {
    mac.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Escapes text for an XML element or attribute.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes XML v1: `<Pnnn>` elements, with `<mac>` when given.
pub fn write_xml_v1<'a>(
    mac: Option<&str>,
    pairs: impl IntoIterator<Item = (String, &'a str)>,
) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gs_provision version=\"1\">\n");
    if let Some(mac) = mac {
        out.push_str(&format!("  <mac>{}</mac>\n", escape(mac)));
    }
    out.push_str("  <config version=\"1\">\n");
    for (key, value) in pairs {
        out.push_str(&format!("    <{key}>{}</{key}>\n", escape(value)));
    }
    out.push_str("  </config>\n</gs_provision>\n");
    out
}

/// Writes XML v2: `<item name="alias">` elements.
pub fn write_xml_v2<'a>(pairs: impl IntoIterator<Item = (String, &'a str)>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gs_provision version=\"1\">\n  <config version=\"2\">\n",
    );
    for (alias, value) in pairs {
        out.push_str(&format!(
            "    <item name=\"{}\">{}</item>\n",
            escape(&alias),
            escape(value)
        ));
    }
    out.push_str("  </config>\n</gs_provision>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(f: &ParsedFile) -> Vec<(String, String, usize)> {
        f.entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone(), e.line))
            .collect()
    }

    #[test]
    fn reads_v1_with_mac_comments_and_escapes() {
        let f = parse_xml(
            "<!-- before the declaration -->\n<?xml version=\"1.0\"?>\n<gs_provision version=\"1\">\n <mac>00:0B:82:12:34:56</mac>\n <config version=\"1\">\n  <P2>a&amp;b&lt;c</P2> <!-- trailing -->\n  <P270/>\n  <foo>1</foo>\n </config>\n</gs_provision>",
        )
        .unwrap();
        assert_eq!(f.format, Format::XmlV1);
        assert_eq!(f.mac.as_deref(), Some("000b82123456"));
        assert_eq!(
            keys(&f),
            [
                ("P2".into(), "a&b<c".into(), 6),
                ("P270".into(), "".into(), 7)
            ]
        );
        assert_eq!(f.skipped[0].line, 8);
    }

    #[test]
    fn reads_v2_items_and_parts() {
        let f = parse_xml(
            "<gs_provision>\n<config version=\"2\">\n<item name=\"account.1.enable\">Yes</item>\n<item name=\"ldap\">\n<part name=\"server\">ldap.example.com</part>\n<part name=\"port\">389</part>\n</item>\n</config>\n</gs_provision>",
        )
        .unwrap();
        assert_eq!(f.format, Format::XmlV2);
        assert_eq!(
            keys(&f),
            [
                ("account.1.enable".into(), "Yes".into(), 3),
                ("ldap.server".into(), "ldap.example.com".into(), 5),
                ("ldap.port".into(), "389".into(), 6)
            ]
        );
    }

    #[test]
    fn malformed_xml_names_a_line() {
        let err = parse_xml("<gs_provision>\n<config>\n<P1>x</P2>\n</config></gs_provision>")
            .unwrap_err();
        assert!(matches!(err, FormatError::Xml { line: 3, .. }), "{err:?}");
        let err = parse_xml("<html><body/></html>").unwrap_err();
        assert!(matches!(err, FormatError::Structure { .. }), "{err:?}");
        let err = parse_xml("<gs_provision></gs_provision>").unwrap_err();
        assert!(err.to_string().contains("no <config>"));
    }

    #[test]
    fn written_files_read_back() {
        let v1 = write_xml_v1(Some("000b82123456"), [("P47".to_owned(), "a<b & \"c\"")]);
        let f = parse_xml(&v1).unwrap();
        assert_eq!(f.entries[0].value, "a<b & \"c\"");
        assert_eq!(f.mac.as_deref(), Some("000b82123456"));
        let v2 = write_xml_v2([("account.1.enable".to_owned(), "Yes")]);
        let f = parse_xml(&v2).unwrap();
        assert_eq!(f.format, Format::XmlV2);
        assert_eq!(f.entries[0].key, "account.1.enable");
    }
}
