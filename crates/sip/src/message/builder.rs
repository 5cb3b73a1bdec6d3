//! Building requests and responses, and the response skeleton of RFC 3261 §8.2.6.

use std::fmt::Display;

use super::{ErrorKind, Limits, Message, ParseError};
use crate::header::{HeaderKind, MediaType, NameAddr};
use crate::method::Method;
use crate::param::Param;
use crate::status::StatusCode;
use crate::syntax::is_token;
use crate::uri::Uri;

#[derive(Debug, Clone)]
enum StartLine {
    Request { method: Method, uri: String },
    Response { status: StatusCode, reason: String },
}

#[derive(Debug, Clone)]
struct Entry {
    kind: HeaderKind,
    name: String,
    value: Vec<u8>,
}

/// Builds a message: start line, header fields in order, body; Content-Length is computed.
/// Errors (a value with a line break, a bad header name or tag) are kept and reported by
/// [`MessageBuilder::build`].
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    start: StartLine,
    headers: Vec<Entry>,
    body: Vec<u8>,
    error: Option<ParseError>,
}

fn builder_error(detail: &'static str, header: Option<HeaderKind>) -> ParseError {
    ParseError {
        kind: ErrorKind::BadHeaderValue(detail),
        offset: 0,
        header,
    }
}

impl MessageBuilder {
    /// A request to `uri`, which must be fit for a Request-URI: a SIP URI carrying headers
    /// makes [`MessageBuilder::build`] fail (see [`crate::uri::SipUri::without_headers`]).
    pub fn request(method: Method, uri: &Uri) -> Self {
        Self::with_start(StartLine::Request {
            method,
            uri: uri.to_string(),
        })
    }

    /// A response; `reason` defaults to the code's usual phrase.
    pub fn response(status: StatusCode, reason: Option<&str>) -> Self {
        let reason = reason.unwrap_or(status.canonical_reason());
        Self::with_start(StartLine::Response {
            status,
            reason: reason.chars().filter(|c| !c.is_control()).collect(),
        })
    }

    fn with_start(start: StartLine) -> Self {
        Self {
            start,
            headers: Vec::new(),
            body: Vec::new(),
            error: None,
        }
    }

    fn entry(&mut self, kind: HeaderKind, name: &str, value: &dyn Display) -> Option<Entry> {
        let value = value.to_string();
        if value.contains(['\r', '\n']) {
            self.error
                .get_or_insert(builder_error("line break in header value", Some(kind)));
            return None;
        }
        let name = if kind == HeaderKind::Other {
            if !is_token(name) {
                self.error
                    .get_or_insert(ParseError::new(ErrorKind::BadHeaderName, 0));
                return None;
            }
            name.to_owned()
        } else {
            kind.name().to_owned()
        };
        Some(Entry {
            kind,
            name,
            value: value.into_bytes(),
        })
    }

    /// Appends a header field of a known kind. Use [`MessageBuilder::header_named`] for
    /// others.
    pub fn header(&mut self, kind: HeaderKind, value: impl Display) -> &mut Self {
        if kind == HeaderKind::Other {
            self.error
                .get_or_insert(ParseError::new(ErrorKind::BadHeaderName, 0));
        } else if let Some(e) = self.entry(kind, "", &value) {
            self.headers.push(e);
        }
        self
    }

    /// Appends a header field by name (known names in any spelling become their kind).
    pub fn header_named(&mut self, name: &str, value: impl Display) -> &mut Self {
        let kind = HeaderKind::from_name(name.as_bytes());
        if let Some(e) = self.entry(kind, name, &value) {
            self.headers.push(e);
        }
        self
    }

    /// Inserts a header field at `index` among the header fields (0 is first; past the end
    /// appends). Inserting a Via at 0 makes it the top Via.
    pub fn insert(&mut self, index: usize, kind: HeaderKind, value: impl Display) -> &mut Self {
        if let Some(e) = self.entry(kind, kind.name(), &value) {
            let index = index.min(self.headers.len());
            self.headers.insert(index, e);
        }
        self
    }

    /// Removes every header field of `kind`.
    pub fn remove(&mut self, kind: HeaderKind) -> &mut Self {
        self.headers.retain(|e| e.kind != kind);
        self
    }

    /// Removes every header field with this name (case-insensitive).
    pub fn remove_named(&mut self, name: &str) -> &mut Self {
        let kind = HeaderKind::from_name(name.as_bytes());
        self.headers.retain(|e| {
            e.kind != kind || (kind == HeaderKind::Other && !e.name.eq_ignore_ascii_case(name))
        });
        self
    }

    /// Replaces the header fields of `kind` by one with `value`, where the first one was
    /// (appended if there was none).
    pub fn replace(&mut self, kind: HeaderKind, value: impl Display) -> &mut Self {
        let Some(entry) = self.entry(kind, kind.name(), &value) else {
            return self;
        };
        match self.headers.iter().position(|e| e.kind == kind) {
            Some(i) => {
                self.headers[i] = entry;
                let mut seen = 0;
                self.headers.retain(|e| {
                    seen += usize::from(e.kind == kind);
                    e.kind != kind || seen == 1
                });
            }
            None => self.headers.push(entry),
        }
        self
    }

    /// Sets the body and its Content-Type.
    pub fn body(&mut self, content_type: &MediaType, body: impl Into<Vec<u8>>) -> &mut Self {
        self.replace(HeaderKind::ContentType, content_type);
        self.body = body.into();
        self
    }

    /// Adds a tag to the To header when it has none (a UAS does this in responses other
    /// than 100, RFC 3261 §8.2.6.2). A To that already has a tag keeps it.
    pub fn with_to_tag(&mut self, tag: &str) -> &mut Self {
        if !is_token(tag) {
            self.error
                .get_or_insert(builder_error("tag is not a token", Some(HeaderKind::To)));
            return self;
        }
        let Some(entry) = self.headers.iter().find(|e| e.kind == HeaderKind::To) else {
            self.error.get_or_insert(ParseError {
                kind: ErrorKind::MissingHeader,
                offset: 0,
                header: Some(HeaderKind::To),
            });
            return self;
        };
        let parsed = std::str::from_utf8(&entry.value)
            .map_err(|_| builder_error("To is not UTF-8", Some(HeaderKind::To)))
            .and_then(NameAddr::parse);
        match parsed {
            Ok(to) if to.tag().is_some() => {}
            Ok(to) => {
                let to = to.with_param(Param::with_value("tag", tag));
                self.replace(HeaderKind::To, to);
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    pub(crate) fn push_raw(&mut self, kind: HeaderKind, name: &str, value: Vec<u8>) {
        let name = if kind == HeaderKind::Other {
            name
        } else {
            kind.name()
        };
        self.headers.push(Entry {
            kind,
            name: name.to_owned(),
            value,
        });
    }

    pub(crate) fn set_body_raw(&mut self, body: Vec<u8>) {
        self.body = body;
    }

    /// The message bytes (canonical form), without checking them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.body.len());
        match &self.start {
            StartLine::Request { method, uri } => {
                out.extend_from_slice(format!("{method} {uri} SIP/2.0\r\n").as_bytes());
            }
            StartLine::Response { status, reason } => {
                out.extend_from_slice(format!("SIP/2.0 {status} {reason}\r\n").as_bytes());
            }
        }
        for e in self
            .headers
            .iter()
            .filter(|e| e.kind != HeaderKind::ContentLength)
        {
            out.extend_from_slice(e.name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(&e.value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", self.body.len()).as_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// The message, parsed back from its bytes so that it is exactly what a peer will see;
    /// the first error recorded while building, or a parse error, otherwise.
    pub fn build(&self) -> Result<Message, ParseError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        Message::parse_datagram(&self.to_bytes(), &Limits::unlimited())
    }
}

/// The response skeleton RFC 3261 §8.2.6 prescribes: every Via, From, To, Call-ID and CSeq
/// copied from the request (and Timestamp, §8.2.6.1). Adding a To tag is the caller's choice
/// ([`MessageBuilder::with_to_tag`]). Fails when the request lacks one of those headers or it
/// does not parse.
pub fn response_to(
    request: &Message,
    status: StatusCode,
    reason: Option<&str>,
) -> Result<MessageBuilder, ParseError> {
    let h = request.headers();
    h.via()?;
    h.from()?;
    h.to()?;
    h.call_id()?;
    h.cseq()?;
    let mut builder = MessageBuilder::response(status, reason);
    for kind in [
        HeaderKind::Via,
        HeaderKind::From,
        HeaderKind::To,
        HeaderKind::CallId,
        HeaderKind::CSeq,
        HeaderKind::Timestamp,
    ] {
        let fields: Vec<_> = if kind == HeaderKind::Via {
            h.all(kind).collect()
        } else {
            h.get(kind).into_iter().collect()
        };
        for f in fields {
            builder.push_raw(kind, kind.name(), f.value_bytes().into_owned());
        }
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::{CSeq, Transport, Via};
    use crate::uri::{Host, SipUri};

    fn invite() -> Message {
        let uri: Uri = "sip:bob@biloxi.example.com".parse().unwrap();
        let mut b = MessageBuilder::request(Method::Invite, &uri);
        b.header(
            HeaderKind::Via,
            Via::new(
                Transport::Udp,
                Host::Domain("pc33.example.com".into()),
                None,
                "z9hG4bK1",
            ),
        )
        .header(HeaderKind::MaxForwards, 70)
        .header(
            HeaderKind::From,
            NameAddr::new(SipUri::parse("sip:alice@example.com").unwrap()).with_tag("88"),
        )
        .header(HeaderKind::To, NameAddr::new(uri.clone()))
        .header(HeaderKind::CallId, "abc@pc33")
        .header(
            HeaderKind::CSeq,
            CSeq {
                seq: 1,
                method: Method::Invite,
            },
        )
        .header_named("X-Custom", "anything, really")
        .header(HeaderKind::Timestamp, "54")
        .body(&MediaType::new("application", "sdp"), b"v=0\r\n".to_vec());
        b.build().unwrap()
    }

    #[test]
    fn builds_requests_with_content_length() {
        let m = invite();
        m.validate().unwrap();
        assert_eq!(m.body(), b"v=0\r\n");
        assert_eq!(m.headers().content_length().unwrap(), Some(5));
        assert_eq!(
            m.headers()
                .named("x-custom")
                .next()
                .unwrap()
                .value()
                .unwrap(),
            "anything, really"
        );
        assert_eq!(m.to_bytes(), m.as_bytes());
    }

    #[test]
    fn response_copies_the_five_headers_and_adds_a_tag() {
        let request = invite();
        let mut b = response_to(&request, StatusCode::OK, None).unwrap();
        b.with_to_tag("xyz")
            .header(HeaderKind::Contact, "<sip:bob@192.0.2.4>");
        let ok = b.build().unwrap();
        ok.validate().unwrap();
        assert_eq!(ok.status(), Some(StatusCode::OK));
        assert_eq!(ok.reason(), Some("OK"));
        let h = ok.headers();
        assert_eq!(h.to().unwrap().tag(), Some("xyz"));
        assert_eq!(h.from().unwrap().tag(), Some("88"));
        assert_eq!(h.call_id().unwrap(), "abc@pc33");
        assert_eq!(
            h.cseq().unwrap(),
            CSeq {
                seq: 1,
                method: Method::Invite
            }
        );
        assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK1"));
        assert_eq!(h.get(HeaderKind::Timestamp).unwrap().value().unwrap(), "54");
        // A To that has a tag keeps it.
        let mut again = ok.to_builder();
        again.with_to_tag("other");
        assert_eq!(
            again.build().unwrap().headers().to().unwrap().tag(),
            Some("xyz")
        );
    }

    #[test]
    fn edits_and_errors() {
        let mut b = invite().to_builder();
        b.insert(
            0,
            HeaderKind::Via,
            "SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp",
        )
        .replace(HeaderKind::MaxForwards, 69)
        .remove_named("x-custom");
        let m = b.build().unwrap();
        let vias = m.headers().via().unwrap();
        assert_eq!(vias.len(), 2);
        assert_eq!(vias[0].branch(), Some("z9hG4bKp"));
        assert_eq!(m.headers().max_forwards().unwrap(), Some(69));
        assert!(m.headers().named("X-Custom").next().is_none());
        assert!(MessageBuilder::response(StatusCode::OK, None)
            .header_named("Bad Name", "x")
            .build()
            .is_err());
        assert!(MessageBuilder::response(StatusCode::OK, None)
            .header(HeaderKind::Subject, "a\r\nb")
            .build()
            .is_err());
        assert!(invite()
            .to_builder()
            .with_to_tag("not a token")
            .build()
            .is_err());
    }
}
