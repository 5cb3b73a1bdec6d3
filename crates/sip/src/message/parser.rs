//! The fast path: one pass over the start line and the header lines that records where each
//! header name and value is (no copies, no per-header allocation). Body framing is in
//! [`super::framing`].
//!
//! Lines may end in CRLF or a bare LF (a leniency: RFC 3261 requires CRLF). A line that starts
//! with SP or HT continues the previous header field (folding).

use super::{ErrorKind, Field, Limits, ParseError, Span, Start};
use crate::header::HeaderKind;
use crate::method::Method;
use crate::status::StatusCode;
use crate::syntax::is_token_byte;
use crate::uri::Uri;

/// The start line and header fields, and where the body starts.
pub(crate) struct Head {
    pub(crate) start: Start,
    pub(crate) fields: Vec<Field>,
    pub(crate) body_start: usize,
}

/// How many CR/LF bytes (keep-alives, RFC 5626 §4.4.1) precede the message.
pub(crate) fn leading_line_ends(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .unwrap_or(bytes.len())
}

/// The next line from `pos`: (end of its content, start of the next line), or `None` when the
/// line is not complete yet. Errors when a line grows past `max_line` bytes.
fn next_line(
    bytes: &[u8],
    pos: usize,
    max_line: usize,
) -> Result<Option<(usize, usize)>, ParseError> {
    let window_end = bytes
        .len()
        .min(pos.saturating_add(max_line).saturating_add(2));
    let window = bytes.get(pos..window_end).unwrap_or_default();
    match memchr::memchr(b'\n', window) {
        Some(i) => {
            let nl = pos + i;
            let end = if nl > pos && bytes[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            Ok(Some((end, nl + 1)))
        }
        None if window_end < bytes.len() => {
            Err(ParseError::new(ErrorKind::HeaderLineTooLong(max_line), pos))
        }
        None => Ok(None),
    }
}

pub(crate) fn span(start: usize, end: usize) -> Span {
    Span {
        start: start as u32,
        end: end as u32,
    }
}

/// Whether `version` is `SIP/2.0` ("SIP" in any case); `Err` for another SIP version.
fn check_version(version: &[u8], malformed: ErrorKind) -> Result<(), ErrorKind> {
    let Some(number) = version
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case(b"SIP/"))
        .and(version.get(4..))
    else {
        return Err(malformed);
    };
    if number == b"2.0" {
        return Ok(());
    }
    let looks_like_version = number.split(|b| *b == b'.').count() == 2
        && number.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        && !number.starts_with(b".")
        && !number.ends_with(b".");
    Err(if looks_like_version {
        ErrorKind::UnsupportedVersion
    } else {
        malformed
    })
}

/// Parses a status line or request line (`line` without its line end).
fn parse_start_line(line: &[u8]) -> Result<Start, ParseError> {
    let err = |kind, at| ParseError::new(kind, at);
    if line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"SIP/") {
        let sp = memchr::memchr(b' ', line).ok_or(err(ErrorKind::BadStatusLine, 0))?;
        check_version(&line[..sp], ErrorKind::BadStatusLine).map_err(|k| err(k, 0))?;
        let rest = &line[sp + 1..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let code = (digits == 3)
            .then(|| {
                u16::from(rest[0] - b'0') * 100
                    + u16::from(rest[1] - b'0') * 10
                    + u16::from(rest[2] - b'0')
            })
            .and_then(StatusCode::new)
            .ok_or(err(ErrorKind::BadStatusCode, sp + 1))?;
        let reason_start = match rest.get(3) {
            None => line.len(),
            Some(b' ') => sp + 5,
            Some(_) => return Err(err(ErrorKind::BadStatusLine, sp + 4)),
        };
        let reason = &line[reason_start..];
        std::str::from_utf8(reason).map_err(|_| err(ErrorKind::NotUtf8, reason_start))?;
        if reason.iter().any(|b| *b < 0x20 && *b != b'\t') {
            return Err(err(ErrorKind::BadStatusLine, reason_start));
        }
        return Ok(Start::Response {
            status: code,
            reason: span(reason_start, line.len()),
        });
    }
    let first = memchr::memchr(b' ', line).ok_or(err(ErrorKind::BadRequestLine, 0))?;
    let last = memchr::memrchr(b' ', line).unwrap_or(first);
    if last == first {
        return Err(err(ErrorKind::BadRequestLine, first));
    }
    check_version(&line[last + 1..], ErrorKind::BadRequestLine).map_err(|k| err(k, last + 1))?;
    let method = Method::from_bytes(&line[..first]).map_err(|e| e.shifted(0))?;
    let uri_bytes = &line[first + 1..last];
    if uri_bytes.is_empty() || memchr::memchr(b' ', uri_bytes).is_some() {
        return Err(err(ErrorKind::BadRequestLine, first + 1));
    }
    let uri_text = std::str::from_utf8(uri_bytes)
        .map_err(|_| err(ErrorKind::BadRequestUri("not ASCII"), first + 1))?;
    let uri = Uri::parse(uri_text).map_err(|e| {
        let detail = match e.kind {
            ErrorKind::BadHeaderValue(d) | ErrorKind::BadUri(d) => d,
            _ => "malformed",
        };
        err(ErrorKind::BadRequestUri(detail), first + 1 + e.offset)
    })?;
    if uri.as_sip().is_some_and(|u| !u.headers().is_empty()) {
        return Err(err(
            ErrorKind::BadRequestUri("headers are not allowed in a Request-URI"),
            first + 1,
        ));
    }
    Ok(Start::Request {
        method,
        uri,
        uri_span: span(first + 1, last),
    })
}

/// Scans header lines from `pos` to the empty line. `Ok(None)` when the empty line has not
/// arrived. When `lenient`, lines that are not header fields are skipped instead of failing.
pub(crate) fn scan_fields(
    bytes: &[u8],
    mut pos: usize,
    limits: &Limits,
    lenient: bool,
) -> Result<Option<(Vec<Field>, usize)>, ParseError> {
    let mut fields: Vec<Field> = Vec::with_capacity(16);
    let mut field_start = pos;
    loop {
        let Some((end, next)) = next_line(bytes, pos, limits.max_header_line)? else {
            return Ok(None);
        };
        let line = &bytes[pos..end];
        if line.is_empty() {
            return Ok(Some((fields, next)));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            let Some(last) = fields.last_mut() else {
                if lenient {
                    pos = next;
                    continue;
                }
                return Err(ParseError::new(ErrorKind::OrphanContinuation, pos));
            };
            let trimmed = end - trailing_blank(line);
            if trimmed > pos {
                last.value.end = trimmed as u32;
                last.folded = true;
            }
            if end - field_start > limits.max_header_line {
                return Err(ParseError::new(
                    ErrorKind::HeaderLineTooLong(limits.max_header_line),
                    field_start,
                ));
            }
            pos = next;
            continue;
        }
        match parse_field(line, pos) {
            Ok(field) => {
                if fields.len() >= limits.max_headers {
                    if lenient {
                        return Ok(Some((fields, next)));
                    }
                    return Err(ParseError::new(
                        ErrorKind::TooManyHeaders(limits.max_headers),
                        pos,
                    ));
                }
                fields.push(field);
                field_start = pos;
            }
            Err(e) if !lenient => return Err(e),
            Err(_) => {}
        }
        pos = next;
    }
}

fn trailing_blank(line: &[u8]) -> usize {
    line.iter()
        .rev()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count()
}

/// One `name: value` line at `base`.
fn parse_field(line: &[u8], base: usize) -> Result<Field, ParseError> {
    let colon = memchr::memchr(b':', line).ok_or(ParseError::new(ErrorKind::MissingColon, base))?;
    let name_end = colon - trailing_blank(&line[..colon]);
    let name = &line[..name_end];
    let kind = HeaderKind::from_name(name);
    // A known name matched a token exactly; only other names need checking.
    if kind == HeaderKind::Other && (name.is_empty() || !name.iter().all(|b| is_token_byte(*b))) {
        return Err(ParseError::new(ErrorKind::BadHeaderName, base));
    }
    let mut value_start = colon + 1;
    while matches!(line.get(value_start), Some(b' ' | b'\t')) {
        value_start += 1;
    }
    let value_end = (line.len() - trailing_blank(line)).max(value_start);
    Ok(Field {
        kind,
        name: span(base, base + name_end),
        value: span(base + value_start, base + value_end),
        folded: false,
    })
}

/// Parses the start line and headers of `bytes` (no leading line ends). `Ok(None)` when the
/// header section is not complete.
pub(crate) fn parse_head(bytes: &[u8], limits: &Limits) -> Result<Option<Head>, ParseError> {
    let Some((end, next)) = next_line(bytes, 0, limits.max_header_line)? else {
        return Ok(None);
    };
    let start = parse_start_line(&bytes[..end])?;
    Ok(
        scan_fields(bytes, next, limits, false)?.map(|(fields, body_start)| Head {
            start,
            fields,
            body_start,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::HeaderKind;
    use crate::message::Message;

    use crate::test_support::{parse_error_kind as kind, OPTIONS_HEAD as HEAD};

    #[test]
    fn bare_line_feeds_are_accepted() {
        let text = format!("{HEAD}Content-Length: 2\r\n\r\nhi").replace("\r\n", "\n");
        let m = Message::parse(text.as_bytes()).unwrap();
        m.validate().unwrap();
        assert_eq!(m.body(), b"hi");
        assert!(!m
            .to_bytes()
            .windows(2)
            .any(|w| w[0] != b'\r' && w[1] == b'\n'));
    }

    #[test]
    fn start_lines() {
        let m = Message::parse(b"SIP/2.0 180 Ringing\r\n\r\n").unwrap();
        assert_eq!(
            (m.status().unwrap().as_u16(), m.reason()),
            (180, Some("Ringing"))
        );
        let m = Message::parse(b"sip/2.0 200\r\n\r\n").unwrap();
        assert_eq!(m.reason(), Some(""));
        for (text, expected) in [
            ("SIP/2.0 4294967301 x\r\n\r\n", ErrorKind::BadStatusCode),
            ("SIP/2.0 099 x\r\n\r\n", ErrorKind::BadStatusCode),
            ("SIP/2.0 700 x\r\n\r\n", ErrorKind::BadStatusCode),
            ("SIP/2.0 20 x\r\n\r\n", ErrorKind::BadStatusCode),
            ("SIP/2.0 200OK\r\n\r\n", ErrorKind::BadStatusLine),
            ("SIP/3.0 200 OK\r\n\r\n", ErrorKind::UnsupportedVersion),
            ("SIP/2.0\r\n\r\n", ErrorKind::BadStatusLine),
            (
                "OPTIONS sip:a@b SIP/2.1\r\n\r\n",
                ErrorKind::UnsupportedVersion,
            ),
            (
                "OPTIONS sip:a@b HTTP/1.1\r\n\r\n",
                ErrorKind::BadRequestLine,
            ),
            ("OPTIONS sip:a@b\r\n\r\n", ErrorKind::BadRequestLine),
            (
                "OPTIONS  sip:a@b SIP/2.0\r\n\r\n",
                ErrorKind::BadRequestLine,
            ),
            (
                "OPTIONS sip:a@b SIP/2.0 \r\n\r\n",
                ErrorKind::BadRequestLine,
            ),
            ("OPT(IONS sip:a@b SIP/2.0\r\n\r\n", ErrorKind::BadMethod),
            (
                "OPTIONS <sip:a@b> SIP/2.0\r\n\r\n",
                ErrorKind::BadRequestUri("invalid URI scheme"),
            ),
        ] {
            assert_eq!(kind(text), expected, "{text:?}");
        }
        let ok = Message::parse(b"SIP/2.0 200 \xff\r\n\r\n").unwrap_err();
        assert_eq!(ok.kind, ErrorKind::NotUtf8);
    }

    #[test]
    fn header_lines() {
        let start = "OPTIONS sip:a@b SIP/2.0\r\n";
        assert_eq!(
            kind(&format!("{start} Via: x\r\n\r\n")),
            ErrorKind::OrphanContinuation
        );
        assert_eq!(
            kind(&format!("{start}Foobar roobar\r\n\r\n")),
            ErrorKind::MissingColon
        );
        assert_eq!(
            kind(&format!("{start}Bad Name: x\r\n\r\n")),
            ErrorKind::BadHeaderName
        );
        assert_eq!(
            kind(&format!("{start}: x\r\n\r\n")),
            ErrorKind::BadHeaderName
        );
        let m = Message::parse(
            format!("{start}X-A:  spaced  \r\nVia  :  v\r\n\tw\r\ns :\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let fields: Vec<_> = m
            .headers()
            .iter()
            .map(|h| (h.kind(), h.name(), h.value().unwrap().into_owned()))
            .collect();
        assert_eq!(
            fields,
            [
                (HeaderKind::Other, "X-A", "spaced".to_owned()),
                (HeaderKind::Via, "Via", "v w".to_owned()),
                (HeaderKind::Subject, "s", String::new()),
            ]
        );
        assert_eq!(
            m.headers().get(HeaderKind::Via).unwrap().raw_value(),
            b"v\r\n\tw"
        );
    }

    #[test]
    fn unknown_headers_keep_their_bytes() {
        let text = format!("{HEAD}x-ODD-Name :  value;;,,\r\n  continued\r\nl: 0\r\n\r\n");
        let m = Message::parse(text.as_bytes()).unwrap();
        let out = String::from_utf8(m.to_bytes()).unwrap();
        assert!(
            out.contains("x-ODD-Name: value;;,,\r\n  continued\r\n"),
            "{out}"
        );
        assert!(out.contains("Content-Length: 0\r\n"));
        assert_eq!(Message::parse(out.as_bytes()).unwrap(), m);
    }
}
