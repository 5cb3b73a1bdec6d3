//! Reading a session description: lenient about line ends, trailing blanks, blank lines,
//! line order within a section and unknown line types; strict about numbers and the shape of
//! the lines a phone acts on.

use crate::attribute::{is_token_byte, parse_decimal, parse_payload_type, Attribute};
use crate::error::{ErrorKind, ParseError};
use crate::limits::Limits;
use crate::model::{
    AddrType, Bandwidth, BandwidthType, Connection, MediaDescription, MediaType, Origin, Protocol,
    SessionDescription, Timing,
};

impl SessionDescription {
    /// Parses a body with the default [`Limits`].
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        Self::parse_with(bytes, &Limits::default())
    }

    /// Parses a body within `limits`.
    pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<Self, ParseError> {
        if bytes.len() > limits.max_bytes {
            return Err(ParseError::new(0, ErrorKind::TooLarge(limits.max_bytes)));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            ParseError::new(line, ErrorKind::NotText)
        })?;
        let mut reader = Reader::new(limits);
        // The line end of the last line does not start another line.
        let text = text.strip_suffix('\n').unwrap_or(text);
        for (index, raw) in text.split('\n').enumerate() {
            let number = index + 1;
            if number > limits.max_lines {
                return Err(ParseError::new(
                    number,
                    ErrorKind::TooManyLines(limits.max_lines),
                ));
            }
            if raw.len() > limits.max_line {
                return Err(ParseError::new(
                    number,
                    ErrorKind::LineTooLong(limits.max_line),
                ));
            }
            let line = raw
                .strip_suffix('\r')
                .unwrap_or(raw)
                .trim_end_matches([' ', '\t']);
            if line.is_empty() {
                continue;
            }
            if line.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
                return Err(ParseError::new(number, ErrorKind::NotText));
            }
            let bytes = line.as_bytes();
            if bytes.len() < 2 || !bytes[0].is_ascii_lowercase() || bytes[1] != b'=' {
                return Err(ParseError::new(number, ErrorKind::BadLine));
            }
            reader.line(bytes[0], &line[2..], number)?;
        }
        reader.finish()
    }
}

/// The description as it is being read.
struct Reader<'l> {
    limits: &'l Limits,
    seen_version: bool,
    origin: Option<Origin>,
    session: SessionDescription,
    session_name_seen: bool,
    media: Option<MediaDescription>,
}

impl<'l> Reader<'l> {
    fn new(limits: &'l Limits) -> Self {
        let placeholder = Origin {
            username: String::new(),
            session_id: String::new(),
            session_version: 0,
            address: Connection {
                net_type: String::new(),
                addr_type: AddrType::Ip4,
                address: String::new(),
            },
        };
        let mut session = SessionDescription::new(placeholder);
        session.timing.clear();
        Self {
            limits,
            seen_version: false,
            origin: None,
            session,
            session_name_seen: false,
            media: None,
        }
    }

    fn line(&mut self, kind: u8, value: &str, line: usize) -> Result<(), ParseError> {
        if !self.seen_version {
            if kind != b'v' || value.trim() != "0" {
                return Err(ParseError::new(line, ErrorKind::BadVersion));
            }
            self.seen_version = true;
            return Ok(());
        }
        if kind == b'm' {
            return self.start_media(value, line);
        }
        if let Some(media) = self.media.as_mut() {
            return media_line(media, kind, value, line, self.limits);
        }
        let session = &mut self.session;
        match kind {
            b'v' => return Err(ParseError::new(line, ErrorKind::Duplicate("v="))),
            b'o' => {
                if self.origin.is_some() {
                    return Err(ParseError::new(line, ErrorKind::Duplicate("o=")));
                }
                self.origin = Some(parse_origin(value, line)?);
            }
            b's' => {
                if self.session_name_seen {
                    return Err(ParseError::new(line, ErrorKind::Duplicate("s=")));
                }
                self.session_name_seen = true;
                session.session_name = value.trim().into();
            }
            b'i' => set_once(&mut session.information, value, line, "i=")?,
            b'u' => set_once(&mut session.uri, value, line, "u=")?,
            b'e' => push_limited(&mut session.emails, value.into(), line, self.limits)?,
            b'p' => push_limited(&mut session.phones, value.into(), line, self.limits)?,
            b'c' => {
                if session.connection.is_some() {
                    return Err(ParseError::new(line, ErrorKind::Duplicate("c=")));
                }
                session.connection = Some(parse_connection(value, line, "c=")?);
            }
            b'b' => push_limited(
                &mut session.bandwidths,
                parse_bandwidth(value, line)?,
                line,
                self.limits,
            )?,
            b't' => push_limited(
                &mut session.timing,
                parse_timing(value, line)?,
                line,
                self.limits,
            )?,
            b'r' => {
                let timing = session.timing.last_mut().ok_or(ParseError::bad(
                    line,
                    "r=",
                    "repeat time before any t= line",
                ))?;
                push_limited(&mut timing.repeats, value.into(), line, self.limits)?;
            }
            b'z' => set_once(&mut session.time_zones, value, line, "z=")?,
            b'k' => set_once(&mut session.key, value, line, "k=")?,
            b'a' => push_limited(
                &mut session.attributes,
                Attribute::parse(value, line)?,
                line,
                self.limits,
            )?,
            // RFC 8866 §5: a parser ignores line types it does not know.
            _ => {}
        }
        Ok(())
    }

    fn start_media(&mut self, value: &str, line: usize) -> Result<(), ParseError> {
        if let Some(done) = self.media.take() {
            self.session.media.push(done);
        }
        if self.session.media.len() >= self.limits.max_media {
            return Err(ParseError::new(
                line,
                ErrorKind::TooManyMedia(self.limits.max_media),
            ));
        }
        self.media = Some(parse_media_line(value, line, self.limits)?);
        Ok(())
    }

    fn finish(mut self) -> Result<SessionDescription, ParseError> {
        if !self.seen_version {
            return Err(ParseError::new(0, ErrorKind::Empty));
        }
        self.session.origin = self
            .origin
            .ok_or(ParseError::new(0, ErrorKind::Missing("o=")))?;
        if let Some(done) = self.media.take() {
            self.session.media.push(done);
        }
        Ok(self.session)
    }
}

fn media_line(
    media: &mut MediaDescription,
    kind: u8,
    value: &str,
    line: usize,
    limits: &Limits,
) -> Result<(), ParseError> {
    match kind {
        b'i' => set_once(&mut media.information, value, line, "i=")?,
        b'c' => push_limited(
            &mut media.connections,
            parse_connection(value, line, "c=")?,
            line,
            limits,
        )?,
        b'b' => push_limited(
            &mut media.bandwidths,
            parse_bandwidth(value, line)?,
            line,
            limits,
        )?,
        b'k' => set_once(&mut media.key, value, line, "k=")?,
        b'a' => push_limited(
            &mut media.attributes,
            Attribute::parse(value, line)?,
            line,
            limits,
        )?,
        b'v' => return Err(ParseError::new(line, ErrorKind::NotInMedia("v="))),
        b'o' => return Err(ParseError::new(line, ErrorKind::NotInMedia("o="))),
        b's' => return Err(ParseError::new(line, ErrorKind::NotInMedia("s="))),
        b'u' => return Err(ParseError::new(line, ErrorKind::NotInMedia("u="))),
        b'e' => return Err(ParseError::new(line, ErrorKind::NotInMedia("e="))),
        b'p' => return Err(ParseError::new(line, ErrorKind::NotInMedia("p="))),
        b't' => return Err(ParseError::new(line, ErrorKind::NotInMedia("t="))),
        b'r' => return Err(ParseError::new(line, ErrorKind::NotInMedia("r="))),
        b'z' => return Err(ParseError::new(line, ErrorKind::NotInMedia("z="))),
        _ => {}
    }
    Ok(())
}

/// Appends to a per-section list, within the attribute limit (which bounds every repeated line).
fn push_limited<T>(
    list: &mut Vec<T>,
    item: T,
    line: usize,
    limits: &Limits,
) -> Result<(), ParseError> {
    if list.len() >= limits.max_attributes {
        return Err(ParseError::new(
            line,
            ErrorKind::TooManyAttributes(limits.max_attributes),
        ));
    }
    list.push(item);
    Ok(())
}

fn set_once(
    slot: &mut Option<String>,
    value: &str,
    line: usize,
    field: &'static str,
) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(ParseError::new(line, ErrorKind::Duplicate(field)));
    }
    *slot = Some(value.into());
    Ok(())
}

fn parse_origin(value: &str, line: usize) -> Result<Origin, ParseError> {
    let words: Vec<&str> = value.split_ascii_whitespace().take(7).collect();
    let [username, session_id, version, net_type, addr_type, address] = words[..] else {
        return Err(ParseError::bad(line, "o=", "not six fields"));
    };
    let session_version = parse_decimal::<u64>(version).ok_or(ParseError::bad(
        line,
        "o=",
        "session version not a number",
    ))?;
    Ok(Origin {
        username: username.into(),
        session_id: session_id.into(),
        session_version,
        address: Connection {
            net_type: net_type.into(),
            addr_type: AddrType::parse(addr_type),
            address: address.into(),
        },
    })
}

fn parse_connection(
    value: &str,
    line: usize,
    field: &'static str,
) -> Result<Connection, ParseError> {
    let words: Vec<&str> = value.split_ascii_whitespace().take(4).collect();
    let [net_type, addr_type, address] = words[..] else {
        return Err(ParseError::bad(line, field, "not three fields"));
    };
    if !net_type.bytes().all(is_token_byte) || !addr_type.bytes().all(is_token_byte) {
        return Err(ParseError::bad(
            line,
            field,
            "network or address type is not a token",
        ));
    }
    Ok(Connection {
        net_type: net_type.into(),
        addr_type: AddrType::parse(addr_type),
        address: address.into(),
    })
}

fn parse_bandwidth(value: &str, line: usize) -> Result<Bandwidth, ParseError> {
    let (kind, amount) = value.split_once(':').ok_or(ParseError::bad(
        line,
        "b=",
        "no ':' between type and value",
    ))?;
    if kind.is_empty() || !kind.bytes().all(is_token_byte) {
        return Err(ParseError::bad(line, "b=", "type is not a token"));
    }
    let value = parse_decimal::<u64>(amount.trim()).ok_or(ParseError::bad(
        line,
        "b=",
        "value not a number",
    ))?;
    Ok(Bandwidth {
        kind: BandwidthType::parse(kind),
        value,
    })
}

fn parse_timing(value: &str, line: usize) -> Result<Timing, ParseError> {
    let words: Vec<&str> = value.split_ascii_whitespace().take(3).collect();
    let [start, stop] = words[..] else {
        return Err(ParseError::bad(line, "t=", "not two fields"));
    };
    let time =
        |t: &str| parse_decimal::<u64>(t).ok_or(ParseError::bad(line, "t=", "time not a number"));
    Ok(Timing {
        start: time(start)?,
        stop: time(stop)?,
        repeats: Vec::new(),
    })
}

fn parse_media_line(
    value: &str,
    line: usize,
    limits: &Limits,
) -> Result<MediaDescription, ParseError> {
    const FIELD: &str = "m=";
    let mut words = value.split_ascii_whitespace();
    let (Some(kind), Some(port_text), Some(proto)) = (words.next(), words.next(), words.next())
    else {
        return Err(ParseError::bad(
            line,
            FIELD,
            "needs media, port, protocol and formats",
        ));
    };
    if !kind.bytes().all(is_token_byte) {
        return Err(ParseError::bad(line, FIELD, "media type is not a token"));
    }
    let (port, count) = match port_text.split_once('/') {
        Some((p, c)) => (p, Some(c)),
        None => (port_text, None),
    };
    let port = parse_decimal::<u16>(port).ok_or(ParseError::bad(
        line,
        FIELD,
        "port not a number in 0-65535",
    ))?;
    let port_count = match count {
        None => None,
        Some(c) => Some(
            parse_decimal::<u16>(c)
                .filter(|c| *c > 0)
                .ok_or(ParseError::bad(
                    line,
                    FIELD,
                    "port count not a positive number",
                ))?,
        ),
    };
    if !proto.bytes().all(|b| is_token_byte(b) || b == b'/') {
        return Err(ParseError::bad(line, FIELD, "protocol is not a token"));
    }
    let proto = Protocol::parse(proto);
    let mut formats = Vec::new();
    for format in words {
        if formats.len() >= limits.max_formats {
            return Err(ParseError::new(
                line,
                ErrorKind::TooManyFormats(limits.max_formats),
            ));
        }
        if proto.is_rtp() {
            parse_payload_type(format, line, FIELD)?;
        } else if !format.bytes().all(is_token_byte) {
            return Err(ParseError::bad(line, FIELD, "format is not a token"));
        }
        formats.push(format.to_string());
    }
    if formats.is_empty() {
        return Err(ParseError::bad(line, FIELD, "no formats"));
    }
    let mut media = MediaDescription::new(MediaType::parse(kind), port, proto, formats);
    media.port_count = port_count;
    Ok(media)
}
