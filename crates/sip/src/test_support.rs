//! Helpers shared by this crate's unit tests.

use std::time::Instant;

/// An arbitrary origin for simulated time; nothing waits on it.
#[allow(clippy::disallowed_methods)]
pub(crate) fn origin() -> Instant {
    Instant::now()
}

/// The head of a small valid OPTIONS request, without Content-Length and the blank line.
pub(crate) const OPTIONS_HEAD: &str =
    "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
    From: <sip:a@b>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n";

/// The kind of error parsing `text` as a datagram gives.
pub(crate) fn parse_error_kind(text: &str) -> crate::message::ErrorKind {
    match crate::message::Message::parse(text.as_bytes()) {
        Ok(_) => panic!("{text:?} parsed"),
        Err(e) => e.kind,
    }
}
