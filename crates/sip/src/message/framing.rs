//! Body framing by Content-Length: datagrams (RFC 3261 §18.3) and streams (§18.3, §7.5),
//! on top of the header scan in [`super::parser`].

use std::sync::Arc;

use super::parser::{leading_line_ends, parse_head, span, Head};
use super::{ErrorKind, Field, Limits, Message, ParseError};
use crate::header::HeaderKind;

/// The Content-Length value, if the header is present (once).
pub(crate) fn content_length(bytes: &[u8], fields: &[Field]) -> Result<Option<usize>, ParseError> {
    let mut found = None;
    for f in fields
        .iter()
        .filter(|f| f.kind == HeaderKind::ContentLength)
    {
        let at = f.value.start as usize;
        if found.is_some() {
            return Err(ParseError {
                kind: ErrorKind::DuplicateHeader,
                offset: f.name.start as usize,
                header: Some(HeaderKind::ContentLength),
            });
        }
        let value = std::str::from_utf8(&bytes[f.value.range()])
            .ok()
            .and_then(|d| {
                crate::syntax::parse_decimal(crate::syntax::trim_lws(d), u64::from(u32::MAX))
            })
            .ok_or(ParseError {
                kind: ErrorKind::BadContentLength,
                offset: at,
                header: Some(HeaderKind::ContentLength),
            })?;
        found = Some(value as usize);
    }
    Ok(found)
}

/// Parses one datagram (RFC 3261 §18.3): without Content-Length the body is the rest of the
/// datagram; bytes after Content-Length are ignored; a Content-Length beyond the end is an
/// error.
pub(crate) fn parse_datagram(bytes: &[u8], limits: &Limits) -> Result<Message, ParseError> {
    let skip = leading_line_ends(bytes);
    if skip == bytes.len() {
        return Err(ParseError::new(ErrorKind::Empty, 0));
    }
    if bytes.len() > limits.max_message {
        return Err(ParseError::new(
            ErrorKind::MessageTooLarge(limits.max_message),
            limits.max_message,
        ));
    }
    let data = &bytes[skip..];
    let head = parse_head(data, limits)
        .map_err(|e| e.shifted(skip))?
        .ok_or(ParseError::new(ErrorKind::Unterminated, bytes.len()))?;
    let remaining = data.len() - head.body_start;
    let body_len = match content_length(data, &head.fields).map_err(|e| e.shifted(skip))? {
        Some(n) if n > remaining => {
            return Err(ParseError {
                kind: ErrorKind::BodyTruncated,
                offset: skip + head.body_start,
                header: Some(HeaderKind::ContentLength),
            })
        }
        Some(n) => n,
        None => remaining,
    };
    Ok(Message::from_parts(data, head, body_len))
}

/// Frames one message at the start of a stream buffer: `Ok(None)` until all of it has
/// arrived, then the message and the bytes it used (leading keep-alive line ends included).
pub(crate) fn parse_stream(
    buf: &[u8],
    limits: &Limits,
) -> Result<Option<(Message, usize)>, ParseError> {
    let skip = leading_line_ends(buf);
    let data = &buf[skip..];
    let too_large = |at| ParseError::new(ErrorKind::MessageTooLarge(limits.max_message), at);
    let Some(head) = parse_head(data, limits).map_err(|e| e.shifted(skip))? else {
        if data.len() > limits.max_message || skip > limits.max_message {
            return Err(too_large(skip + limits.max_message));
        }
        return Ok(None);
    };
    let length = content_length(data, &head.fields)
        .map_err(|e| e.shifted(skip))?
        .ok_or(ParseError::new(
            ErrorKind::MissingContentLength,
            skip + head.body_start,
        ))?;
    let total = head.body_start.saturating_add(length);
    if total > limits.max_message {
        return Err(too_large(skip));
    }
    if data.len() < total {
        return Ok(None);
    }
    Ok(Some((
        Message::from_parts(data, head, length),
        skip + total,
    )))
}

impl Message {
    /// Builds the message from a parsed head, copying the bytes it spans once.
    fn from_parts(data: &[u8], head: Head, body_len: usize) -> Message {
        let end = head.body_start + body_len;
        Message {
            bytes: Arc::from(&data[..end]),
            start: head.start,
            fields: head.fields,
            body: span(head.body_start, end),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::header::HeaderKind;
    use crate::message::{ErrorKind, Limits, Message};

    use crate::test_support::{parse_error_kind as kind, OPTIONS_HEAD as HEAD};

    #[test]
    fn datagram_framing() {
        let m = Message::parse(format!("{HEAD}\r\nbody bytes").as_bytes()).unwrap();
        assert_eq!(m.body(), b"body bytes");
        let m = Message::parse(format!("{HEAD}Content-Length: 4\r\n\r\nbody bytes").as_bytes())
            .unwrap();
        assert_eq!(m.body(), b"body");
        assert_eq!(
            m.as_bytes().len(),
            HEAD.len() + "Content-Length: 4\r\n\r\n".len() + 4
        );
        let long = format!("{HEAD}Content-Length: 11\r\n\r\nbody bytes");
        assert_eq!(kind(&long), ErrorKind::BodyTruncated);
        for bad in ["-1", "x", "", "1 2", "99999999999"] {
            assert_eq!(
                kind(&format!("{HEAD}l: {bad}\r\n\r\n")),
                ErrorKind::BadContentLength,
                "{bad:?}"
            );
        }
        let twice = format!("{HEAD}l: 0\r\nContent-Length: 0\r\n\r\n");
        let e = Message::parse(twice.as_bytes()).unwrap_err();
        assert_eq!(
            (e.kind, e.header),
            (ErrorKind::DuplicateHeader, Some(HeaderKind::ContentLength))
        );
        let folded =
            Message::parse(format!("{HEAD}Content-Length:\r\n 2\r\n\r\nab").as_bytes()).unwrap();
        assert_eq!(folded.body(), b"ab");
        // Keep-alives before a datagram, and nothing but keep-alives.
        assert!(Message::parse(format!("\r\n\r\n{HEAD}\r\n").as_bytes()).is_ok());
        assert_eq!(kind("\r\n\r\n"), ErrorKind::Empty);
        assert_eq!(kind(HEAD), ErrorKind::Unterminated);
    }

    #[test]
    fn stream_framing() {
        let limits = Limits::default();
        let full = format!("\r\n\r\n{HEAD}Content-Length: 3\r\n\r\nabcNEXT");
        for cut in 0..full.len() - 4 {
            assert!(
                Message::parse_stream(&full.as_bytes()[..cut], &limits)
                    .unwrap()
                    .is_none(),
                "{cut}"
            );
        }
        let (m, used) = Message::parse_stream(full.as_bytes(), &limits)
            .unwrap()
            .unwrap();
        assert_eq!(m.body(), b"abc");
        assert_eq!(&full[used..], "NEXT");
        let e = Message::parse_stream(format!("{HEAD}\r\n").as_bytes(), &limits).unwrap_err();
        assert_eq!(e.kind, ErrorKind::MissingContentLength);
        assert_eq!(Message::keep_alive_len(b"\r\n\r\nINVITE"), 4);
        let endless = vec![b'a'; 70_000];
        let e = Message::parse_stream(&endless, &limits).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::HeaderLineTooLong(_)));
        let huge = format!("{HEAD}Content-Length: 100000\r\n\r\n");
        assert!(matches!(
            Message::parse_stream(huge.as_bytes(), &limits)
                .unwrap_err()
                .kind,
            ErrorKind::MessageTooLarge(_)
        ));
    }

    #[test]
    fn limits() {
        let small = Limits::default().with_max_message(100);
        let e = Message::parse_datagram(format!("{HEAD}\r\n").as_bytes(), &small).unwrap_err();
        assert_eq!(e.kind, ErrorKind::MessageTooLarge(100));
        let few = Limits::default().with_max_headers(3);
        let e = Message::parse_datagram(format!("{HEAD}\r\n").as_bytes(), &few).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooManyHeaders(3));
        let short = Limits::default().with_max_header_line(20);
        let e = Message::parse_datagram(format!("{HEAD}\r\n").as_bytes(), &short).unwrap_err();
        assert_eq!(e.kind, ErrorKind::HeaderLineTooLong(20));
        let folded = format!("{HEAD}Subject: a\r\n bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n\r\n");
        let e = Message::parse_datagram(
            folded.as_bytes(),
            &Limits::default().with_max_header_line(40),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::HeaderLineTooLong(40));
    }
}
