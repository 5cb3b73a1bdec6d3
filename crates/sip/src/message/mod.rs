//! SIP messages (RFC 3261 §7): parsing from datagrams and streams, typed header access,
//! serialization, building, and the responses a UAS owes to requests it cannot parse.
//!
//! Parsing keeps the received bytes and an index of the start line and header fields; typed
//! header values are parsed when asked for ([`Headers`]), and [`Message::validate`] checks
//! every header the phone relies on at once.
//!
//! ```
//! use handset_sip::message::{response_to, Message};
//! use handset_sip::{Method, StatusCode};
//!
//! let invite = Message::parse(
//!     b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
//!       Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
//!       Max-Forwards: 70\r\n\
//!       To: Bob <sip:bob@biloxi.example.com>\r\n\
//!       From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
//!       Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
//!       CSeq: 314159 INVITE\r\n\
//!       Content-Length: 0\r\n\r\n",
//! )
//! .unwrap();
//! invite.validate().unwrap();
//! assert_eq!(invite.method(), Some(&Method::Invite));
//! assert_eq!(invite.headers().top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
//!
//! let ringing = response_to(&invite, StatusCode::RINGING, None)
//!     .unwrap()
//!     .with_to_tag("a6c85cf")
//!     .build()
//!     .unwrap();
//! assert_eq!(ringing.headers().to().unwrap().tag(), Some("a6c85cf"));
//! ```

mod builder;
mod error;
mod framing;
mod limits;
mod parser;
mod rejection;
mod typed;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

pub use builder::{response_to, MessageBuilder};
pub use error::{ErrorKind, ParseError};
pub use limits::Limits;
pub use rejection::error_response;
pub use typed::Headers;

use crate::header::HeaderKind;
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::Uri;

/// A byte range in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub(crate) fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Where one header field's name and value are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) kind: HeaderKind,
    pub(crate) name: Span,
    /// The value without the white space around it; may contain folds.
    pub(crate) value: Span,
    /// Whether the value continues on further lines.
    pub(crate) folded: bool,
}

/// The parsed start line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Start {
    Request {
        method: Method,
        uri: Uri,
        uri_span: Span,
    },
    Response {
        status: StatusCode,
        reason: Span,
    },
}

/// A SIP request or response.
///
/// Cloning is cheap for the bytes (shared) and copies the small index.
#[derive(Clone)]
pub struct Message {
    bytes: Arc<[u8]>,
    start: Start,
    fields: Vec<Field>,
    body: Span,
}

impl Message {
    /// Parses a datagram with the default [`Limits`].
    pub fn parse(datagram: &[u8]) -> Result<Self, ParseError> {
        framing::parse_datagram(datagram, &Limits::default())
    }

    /// Parses a datagram (UDP): without Content-Length the body is the rest of the datagram;
    /// bytes beyond Content-Length are ignored; Content-Length beyond the end is an error.
    pub fn parse_datagram(datagram: &[u8], limits: &Limits) -> Result<Self, ParseError> {
        framing::parse_datagram(datagram, limits)
    }

    /// Frames the first message in a stream buffer (TCP, TLS): `Ok(None)` while more bytes
    /// are needed, else the message and how many bytes it used, leading CRLF keep-alives
    /// included. Content-Length is required.
    pub fn parse_stream(
        buffer: &[u8],
        limits: &Limits,
    ) -> Result<Option<(Self, usize)>, ParseError> {
        framing::parse_stream(buffer, limits)
    }

    /// How many CR and LF bytes start `buffer`: keep-alives a stream reader may drop
    /// (and answer, RFC 5626 §4.4.1).
    pub fn keep_alive_len(buffer: &[u8]) -> usize {
        parser::leading_line_ends(buffer)
    }

    /// Whether this is a request.
    pub fn is_request(&self) -> bool {
        matches!(self.start, Start::Request { .. })
    }

    /// The request method.
    pub fn method(&self) -> Option<&Method> {
        match &self.start {
            Start::Request { method, .. } => Some(method),
            Start::Response { .. } => None,
        }
    }

    /// The Request-URI.
    pub fn request_uri(&self) -> Option<&Uri> {
        match &self.start {
            Start::Request { uri, .. } => Some(uri),
            Start::Response { .. } => None,
        }
    }

    /// The response status.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.start {
            Start::Response { status, .. } => Some(*status),
            Start::Request { .. } => None,
        }
    }

    /// The response reason phrase (may be empty).
    pub fn reason(&self) -> Option<&str> {
        match &self.start {
            Start::Response { reason, .. } => Some(self.text(*reason)),
            Start::Request { .. } => None,
        }
    }

    /// The header fields, with typed access.
    pub fn headers(&self) -> Headers<'_> {
        Headers::new(&self.bytes, &self.fields)
    }

    /// The body (framed by Content-Length).
    pub fn body(&self) -> &[u8] {
        &self.bytes[self.body.range()]
    }

    /// The bytes this message was parsed from (from its start line to the end of its body).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The same bytes, shared.
    pub fn shared_bytes(&self) -> Arc<[u8]> {
        Arc::clone(&self.bytes)
    }

    /// Text the parser checked to be UTF-8.
    fn text(&self, span: Span) -> &str {
        std::str::from_utf8(&self.bytes[span.range()]).unwrap_or_default()
    }

    /// The canonical form: CRLF line ends; known headers under their full names with
    /// unfolded values; unknown headers with their name and value bytes as received;
    /// Content-Length always present and equal to the body length. Parsing it gives an equal
    /// message (with [`Limits`] a little roomier than the original needed: full names and the
    /// added Content-Length make it longer).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes.len() + 24);
        self.write_to(&mut out);
        out
    }

    /// Appends the canonical form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match &self.start {
            Start::Request {
                method, uri_span, ..
            } => {
                out.extend_from_slice(method.as_str().as_bytes());
                out.push(b' ');
                out.extend_from_slice(&self.bytes[uri_span.range()]);
                out.extend_from_slice(b" SIP/2.0\r\n");
            }
            Start::Response { status, reason } => {
                out.extend_from_slice(b"SIP/2.0 ");
                out.extend_from_slice(status.to_string().as_bytes());
                out.push(b' ');
                out.extend_from_slice(&self.bytes[reason.range()]);
                out.extend_from_slice(b"\r\n");
            }
        }
        let mut wrote_length = false;
        for f in &self.fields {
            if f.kind == HeaderKind::Other {
                out.extend_from_slice(&self.bytes[f.name.range()]);
                out.extend_from_slice(b": ");
                out.extend_from_slice(&self.bytes[f.value.range()]);
            } else {
                out.extend_from_slice(f.kind.name().as_bytes());
                out.extend_from_slice(b": ");
                if f.kind == HeaderKind::ContentLength {
                    // The parser accepts one Content-Length at most.
                    wrote_length = true;
                    out.extend_from_slice(self.body.range().len().to_string().as_bytes());
                } else {
                    out.extend_from_slice(&unfold(&self.bytes[f.value.range()]));
                }
            }
            out.extend_from_slice(b"\r\n");
        }
        if !wrote_length {
            out.extend_from_slice(b"Content-Length: ");
            out.extend_from_slice(self.body.range().len().to_string().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(self.body());
    }

    /// A builder holding this message's start line, headers and body, to change and rebuild.
    pub fn to_builder(&self) -> MessageBuilder {
        let mut builder = match &self.start {
            Start::Request { method, uri, .. } => MessageBuilder::request(method.clone(), uri),
            Start::Response { status, reason } => {
                MessageBuilder::response(*status, Some(self.text(*reason)))
            }
        };
        for h in self.headers().iter() {
            if h.kind() != HeaderKind::ContentLength {
                builder.push_raw(h.kind(), h.name(), h.canonical_value().into_owned());
            }
        }
        builder.set_body_raw(self.body().to_vec());
        builder
    }
}

/// `raw` with each fold (CR/LF and the white space around it) replaced by one space.
pub(crate) fn unfold(raw: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr2(b'\r', b'\n', raw).is_none() {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\r' || raw[i] == b'\n' {
            while out.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
                out.pop();
            }
            while i < raw.len() && matches!(raw[i], b'\r' | b'\n' | b' ' | b'\t') {
                i += 1;
            }
            if !out.is_empty() && i < raw.len() {
                out.push(b' ');
            }
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    Cow::Owned(out)
}

/// One header field of a message.
#[derive(Clone, Copy)]
pub struct HeaderRef<'a> {
    bytes: &'a [u8],
    field: &'a Field,
}

impl<'a> HeaderRef<'a> {
    /// The kind of header.
    pub fn kind(&self) -> HeaderKind {
        self.field.kind
    }

    /// The name as received (compact or full, any letter case).
    pub fn name(&self) -> &'a str {
        std::str::from_utf8(&self.bytes[self.field.name.range()]).unwrap_or_default()
    }

    /// The value bytes as received (folds included, surrounding white space excluded).
    pub fn raw_value(&self) -> &'a [u8] {
        &self.bytes[self.field.value.range()]
    }

    /// The value with folds replaced by a space.
    pub fn value_bytes(&self) -> Cow<'a, [u8]> {
        unfold(self.raw_value())
    }

    /// The unfolded value as text.
    pub fn value(&self) -> Result<Cow<'a, str>, ParseError> {
        let err = || ParseError {
            kind: ErrorKind::NotUtf8,
            offset: self.offset(),
            header: Some(self.kind()),
        };
        match self.value_bytes() {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed).map_err(|_| err()),
            Cow::Owned(v) => String::from_utf8(v).map(Cow::Owned).map_err(|_| err()),
        }
    }

    /// The value as the canonical form writes it: unfolded for known headers, as received
    /// for unknown ones.
    fn canonical_value(&self) -> Cow<'a, [u8]> {
        if self.kind() == HeaderKind::Other {
            Cow::Borrowed(self.raw_value())
        } else {
            self.value_bytes()
        }
    }

    /// Byte offset of the value in the message.
    pub fn offset(&self) -> usize {
        self.field.value.start as usize
    }
}

impl fmt::Debug for HeaderRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.name(),
            String::from_utf8_lossy(self.raw_value())
        )
    }
}

/// Messages are equal when they mean the same: same start line, same header fields in the
/// same order (known ones by kind, unknown ones by name ignoring case) with the same unfolded
/// values, and the same body. How they were written (compact names, folding, spacing) and
/// Content-Length, which only frames the body, do not count.
impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        let start_eq = match (&self.start, &other.start) {
            (
                Start::Request {
                    method: m1,
                    uri: u1,
                    ..
                },
                Start::Request {
                    method: m2,
                    uri: u2,
                    ..
                },
            ) => m1 == m2 && u1 == u2,
            (
                Start::Response {
                    status: s1,
                    reason: r1,
                },
                Start::Response {
                    status: s2,
                    reason: r2,
                },
            ) => s1 == s2 && self.text(*r1) == other.text(*r2),
            _ => false,
        };
        let fields = |m: &'_ Message| {
            m.headers()
                .iter()
                .filter(|h| h.kind() != HeaderKind::ContentLength)
                .map(|h| {
                    (
                        h.kind(),
                        h.name().to_ascii_lowercase(),
                        h.canonical_value().into_owned(),
                    )
                })
                .map(|(k, n, v)| {
                    (
                        k,
                        if k == HeaderKind::Other {
                            n
                        } else {
                            String::new()
                        },
                        v,
                    )
                })
                .collect::<Vec<_>>()
        };
        start_eq && self.body() == other.body() && fields(self) == fields(other)
    }
}

impl Eq for Message {}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head_end = self.body.start as usize;
        f.debug_struct("Message")
            .field("head", &String::from_utf8_lossy(&self.bytes[..head_end]))
            .field("body_len", &self.body().len())
            .finish()
    }
}
