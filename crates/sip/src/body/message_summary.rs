//! `application/simple-message-summary` (RFC 3842): whether messages wait, for which
//! account, and how many of each class.

use std::fmt;

use super::BodyError;
use crate::uri::Uri;

/// A message class of RFC 3458 that a summary line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageClass {
    /// `Voice-Message`.
    Voice,
    /// `Fax-Message`.
    Fax,
    /// `Pager-Message`.
    Pager,
    /// `Multimedia-Message`.
    Multimedia,
    /// `Text-Message`.
    Text,
    /// `None`: messages of no class.
    None,
}

impl MessageClass {
    /// Every class, in the order summaries write them.
    pub const ALL: [MessageClass; 6] = [
        Self::Voice,
        Self::Fax,
        Self::Pager,
        Self::Multimedia,
        Self::Text,
        Self::None,
    ];

    /// The header name of its summary line (`Voice-Message`).
    pub fn header_name(self) -> &'static str {
        match self {
            Self::Voice => "Voice-Message",
            Self::Fax => "Fax-Message",
            Self::Pager => "Pager-Message",
            Self::Multimedia => "Multimedia-Message",
            Self::Text => "Text-Message",
            Self::None => "None",
        }
    }

    fn from_header_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|class| class.header_name().eq_ignore_ascii_case(name))
    }
}

/// The counts of one class: `new/old (urgent_new/urgent_old)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageCounts {
    /// New (unheard) messages.
    pub new: u32,
    /// Old (heard) messages.
    pub old: u32,
    /// Urgent new and urgent old messages, when the line gives them.
    pub urgent: Option<(u32, u32)>,
}

/// A whole message summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageSummary {
    /// `Messages-Waiting: yes`.
    pub messages_waiting: bool,
    /// `Message-Account`: the mailbox the summary is about.
    pub account: Option<Uri>,
    /// The summary lines, in the order received (one per class).
    pub counts: Vec<(MessageClass, MessageCounts)>,
}

/// `12` as a u32, strictly digits.
fn number(text: &str, line: usize) -> Result<u32, BodyError> {
    let text = text.trim();
    let malformed = BodyError::Malformed {
        what: "message count",
        line,
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed);
    }
    text.parse().map_err(|_| malformed)
}

/// `a/b` as two numbers.
fn pair(text: &str, line: usize) -> Result<(u32, u32), BodyError> {
    let Some((a, b)) = text.split_once('/') else {
        return Err(BodyError::Malformed {
            what: "message counts",
            line,
        });
    };
    Ok((number(a, line)?, number(b, line)?))
}

/// `new/old` with an optional `(urgent_new/urgent_old)`.
fn counts(value: &str, line: usize) -> Result<MessageCounts, BodyError> {
    let (plain, urgent) = match value.split_once('(') {
        Some((plain, rest)) => {
            let Some(inner) = rest.trim_end().strip_suffix(')') else {
                return Err(BodyError::Malformed {
                    what: "urgent message counts",
                    line,
                });
            };
            (plain, Some(pair(inner, line)?))
        }
        None => (value, None),
    };
    let (new, old) = pair(plain, line)?;
    Ok(MessageCounts { new, old, urgent })
}

impl MessageSummary {
    /// Parses a body. Header names and `yes`/`no` are case-insensitive and whitespace around
    /// values is ignored; lines of unknown headers, and the extension headers after a blank
    /// line, are skipped. A class given twice keeps its last line.
    pub fn parse(body: &[u8]) -> Result<MessageSummary, BodyError> {
        let text = std::str::from_utf8(body).map_err(|_| BodyError::NotUtf8)?;
        let mut waiting = None;
        let mut summary = MessageSummary::default();
        for (index, raw) in text.split('\n').enumerate() {
            let line = index + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.trim().is_empty() {
                if waiting.is_some() {
                    // Optional message headers follow; they are not part of the summary.
                    break;
                }
                continue;
            }
            let Some((name, value)) = raw.split_once(':') else {
                return Err(BodyError::Malformed {
                    what: "header line",
                    line,
                });
            };
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("Messages-Waiting") {
                waiting = Some(match value.to_ascii_lowercase().as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => {
                        return Err(BodyError::Malformed {
                            what: "Messages-Waiting",
                            line,
                        })
                    }
                });
            } else if name.eq_ignore_ascii_case("Message-Account") {
                let uri = Uri::parse(value).map_err(|_| BodyError::Malformed {
                    what: "Message-Account",
                    line,
                })?;
                summary.account = Some(uri);
            } else if let Some(class) = MessageClass::from_header_name(name) {
                let counts = counts(value, line)?;
                summary.counts.retain(|(c, _)| *c != class);
                summary.counts.push((class, counts));
            }
        }
        summary.messages_waiting = waiting.ok_or(BodyError::Missing("Messages-Waiting"))?;
        Ok(summary)
    }

    /// The counts of `class`, if the summary has a line for it.
    pub fn get(&self, class: MessageClass) -> Option<MessageCounts> {
        self.counts
            .iter()
            .find(|(c, _)| *c == class)
            .map(|(_, counts)| *counts)
    }
}

impl fmt::Display for MessageCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.new, self.old)?;
        if let Some((new, old)) = self.urgent {
            write!(f, " ({new}/{old})")?;
        }
        Ok(())
    }
}

impl fmt::Display for MessageSummary {
    /// The body, each line ended with CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiting = if self.messages_waiting { "yes" } else { "no" };
        write!(f, "Messages-Waiting: {waiting}\r\n")?;
        if let Some(account) = &self.account {
            write!(f, "Message-Account: {account}\r\n")?;
        }
        for (class, counts) in &self.counts {
            write!(f, "{}: {counts}\r\n", class.header_name())?;
        }
        Ok(())
    }
}
