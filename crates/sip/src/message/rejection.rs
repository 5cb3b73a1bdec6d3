//! The response a UAS sends to a request it cannot accept as received (RFC 3261 §8.2, §21.4.1;
//! RFC 4475 §3.1.2): 400 naming the problem, 505 for another SIP version, 513 for a message
//! over the size limits.
//!
//! A response is only possible when the request can still be answered: its start line must
//! look like a request (a method, something, and `SIP/x.y`), and its Via (every value), From,
//! To, Call-ID and CSeq (the first of each) must parse, since the response copies them. A
//! request whose broken part is one of those gets no response; the sender's transaction
//! times out, as for a lost datagram. Responses and ACKs are never answered.

use std::borrow::Cow;

use super::parser::{leading_line_ends, scan_fields};
use super::{response_to, Limits, Message, MessageBuilder, ParseError, Span, Start};
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::{Host, SipUri, Uri};

/// The response to send for `received`, a request that failed to parse or
/// [`Message::validate`] with `error`; `None` when it cannot or must not be answered.
/// The caller may add a To tag and a Server header before building it.
pub fn error_response(received: &[u8], error: &ParseError) -> Option<MessageBuilder> {
    let data = &received[leading_line_ends(received)..];
    let line_end = memchr::memchr(b'\n', data)?;
    let line = data[..line_end]
        .strip_suffix(b"\r")
        .unwrap_or(&data[..line_end]);
    let method = request_method(line)?;
    if method == Method::Ack {
        return None;
    }
    let terminated = match scan_fields(data, line_end + 1, &lenient_limits(), true) {
        Ok(Some(_)) => Cow::Borrowed(data),
        // No empty line: take every header line there is.
        Ok(None) => Cow::Owned([data, b"\r\n\r\n"].concat()),
        Err(_) => return None,
    };
    error_response_for(&terminated, line_end + 1, method, error)
}

fn lenient_limits() -> Limits {
    Limits::default().with_max_headers(1024)
}

fn error_response_for(
    data: &[u8],
    headers_start: usize,
    method: Method,
    error: &ParseError,
) -> Option<MessageBuilder> {
    let (fields, _) = scan_fields(data, headers_start, &lenient_limits(), true)
        .ok()
        .flatten()?;
    let message = Message {
        bytes: data.into(),
        start: placeholder_start(method),
        fields,
        body: Span { start: 0, end: 0 },
    };
    let status = StatusCode::new(error.response_status())?;
    response_to(&message, status, Some(&error.reason_phrase())).ok()
}

/// The method of a line shaped like a request line (`token SP … SP SIP/…`), however broken
/// its middle.
fn request_method(line: &[u8]) -> Option<Method> {
    let first = memchr::memchr(b' ', line)?;
    let last = line.iter().rposition(|b| *b != b' ')?;
    let version_start = line[..=last].iter().rposition(|b| *b == b' ')? + 1;
    let version = &line[version_start..=last];
    if version_start <= first || !version.get(..4)?.eq_ignore_ascii_case(b"SIP/") {
        return None;
    }
    Method::from_bytes(&line[..first]).ok()
}

/// A stand-in start line for the header-only view used to copy headers.
fn placeholder_start(method: Method) -> Start {
    Start::Request {
        method,
        uri: Uri::Sip(SipUri::new(Host::Domain("invalid".into()))),
        uri_span: Span { start: 0, end: 0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::HeaderKind;

    const HEADERS: &str = "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n\
        From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n\
        Call-ID: c1\r\nCSeq: 7 OPTIONS\r\n";

    fn respond(text: &str) -> Option<Message> {
        let Err(error) = Message::parse(text.as_bytes()).and_then(|m| m.validate().map(|()| m))
        else {
            panic!("{text} parsed")
        };
        error_response(text.as_bytes(), &error).map(|b| b.build().unwrap())
    }

    #[test]
    fn answers_broken_requests() {
        let r = respond(&format!("OPTIONS sip:x@y SIP/7.0\r\n{HEADERS}\r\n")).unwrap();
        assert_eq!(r.status().unwrap().as_u16(), 505);
        let r = respond(&format!("OPTIONS  sip:x@y SIP/2.0\r\n{HEADERS}\r\n")).unwrap();
        assert_eq!(r.status().unwrap().as_u16(), 400);
        assert_eq!(r.reason(), Some("Bad Request: malformed request line"));
        assert_eq!(r.headers().cseq().unwrap().seq, 7);
        assert_eq!(r.headers().call_id().unwrap(), "c1");
        let r = respond(&format!(
            "OPTIONS sip:x@y SIP/2.0\r\n{HEADERS}Max-Forwards: 300\r\n\r\n"
        ))
        .unwrap();
        assert_eq!(
            r.reason(),
            Some("Bad Max-Forwards header: Max-Forwards not 0 to 255")
        );
        // Content-Length beyond the datagram, no blank line at all, a junk line.
        let r = respond(&format!(
            "OPTIONS sip:x@y SIP/2.0\r\n{HEADERS}Content-Length: 99\r\n\r\n"
        ))
        .unwrap();
        assert_eq!(
            r.headers().get(HeaderKind::Via).unwrap().value().unwrap(),
            "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx"
        );
        assert!(respond(&format!("OPTIONS sip:x@y SIP/2.0\r\n{HEADERS}")).is_some());
        assert!(respond(&format!("OPTIONS sip:x@y SIP/2.0\r\n{HEADERS}junk\r\n\r\n")).is_some());
    }

    #[test]
    fn stays_silent_when_it_cannot_answer() {
        // A broken header the response would have to copy.
        let broken_to =
            HEADERS.replace("To: <sip:b@example.com>", "To: \"open <sip:b@example.com>");
        assert!(respond(&format!("OPTIONS sip:x@y SIP/2.0\r\n{broken_to}\r\n")).is_none());
        // Responses, ACKs, and lines that are no request.
        assert!(respond(&format!("SIP/2.0 99 X\r\n{HEADERS}\r\n")).is_none());
        assert!(respond(&format!("ACK sip:x@y SIP/7.0\r\n{HEADERS}\r\n")).is_none());
        assert!(respond(&format!("OPTIONS sip:x@y\r\n{HEADERS}\r\n")).is_none());
    }
}

#[cfg(test)]
mod fuzz_regressions {
    use super::*;

    /// Inputs the `sip_message` fuzz target found; each must go through parse, validate,
    /// serialize and error_response without a panic or a failed invariant.
    #[test]
    fn fuzz_found_inputs() {
        for input in [&include_bytes!("../../tests/data/fuzz/message-crash-1")[..]] {
            match Message::parse(input) {
                Ok(m) => {
                    let roomy = Limits::default()
                        .with_max_message(1 << 20)
                        .with_max_headers(1024);
                    let again = Message::parse_datagram(&m.to_bytes(), &roomy).unwrap();
                    assert_eq!(again, m);
                    if let Err(e) = m.validate() {
                        if let Some(b) = error_response(input, &e) {
                            b.build().unwrap();
                        }
                    }
                }
                Err(e) => {
                    if let Some(b) = error_response(input, &e) {
                        b.build().unwrap();
                    }
                }
            }
        }
    }
}
