//! Splits a TCP/TLS byte stream into SIP messages and RFC 5626 keep-alive pings.

use handset_sip::message::{Limits, ParseError};
use handset_sip::Message;

/// The keep-alive "ping" a peer sends on a stream (RFC 5626 §4.4.1).
const PING: &[u8] = b"\r\n\r\n";

/// What the stream carried next.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Frame {
    /// A double CRLF: answer with a single CRLF.
    Ping,
    /// One whole SIP message, without the keep-alive line ends before it.
    Message(Vec<u8>),
}

/// The bytes received on one stream that are not yet a whole message.
#[derive(Debug, Default)]
pub(super) struct Framer {
    buffer: Vec<u8>,
    limits: Limits,
}

impl Framer {
    /// Appends bytes read from the stream.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next ping or message, `Ok(None)` while more bytes are needed, or the reason the
    /// stream cannot be framed (the connection must then be closed).
    pub(super) fn next_frame(&mut self) -> Result<Option<Frame>, ParseError> {
        loop {
            let line_ends = Message::keep_alive_len(&self.buffer);
            if line_ends == 0 {
                break;
            }
            if self.buffer.starts_with(PING) {
                self.buffer.drain(..PING.len());
                return Ok(Some(Frame::Ping));
            }
            if line_ends == self.buffer.len() && PING.starts_with(&self.buffer) {
                // Possibly the first half of a ping: wait for the rest.
                return Ok(None);
            }
            // A single CRLF (a pong) or stray line ends before a message.
            self.buffer.drain(..line_ends);
        }
        if self.buffer.is_empty() {
            return Ok(None);
        }
        match Message::parse_stream(&self.buffer, &self.limits)? {
            None => Ok(None),
            Some((message, used)) => {
                let bytes = message.as_bytes().to_vec();
                self.buffer.drain(..used.min(self.buffer.len()));
                Ok(Some(Frame::Message(bytes)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Frame, Framer};

    const OPTIONS: &str = "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK1\r\nTo: <sip:a@127.0.0.1>\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 4\r\n\r\nbody";

    #[test]
    fn ping_split_over_reads_and_pong_skipped() {
        let mut framer = Framer::default();
        framer.push(b"\r\n");
        assert_eq!(framer.next_frame().unwrap(), None);
        framer.push(b"\r\n");
        assert_eq!(framer.next_frame().unwrap(), Some(Frame::Ping));
        assert_eq!(framer.next_frame().unwrap(), None);
        framer.push(b"\r\n");
        framer.push(OPTIONS.as_bytes());
        assert_eq!(
            framer.next_frame().unwrap(),
            Some(Frame::Message(OPTIONS.as_bytes().to_vec()))
        );
        assert_eq!(framer.next_frame().unwrap(), None);
    }

    #[test]
    fn messages_byte_by_byte() {
        let mut framer = Framer::default();
        let stream = format!("{OPTIONS}{OPTIONS}");
        let mut got = Vec::new();
        for byte in stream.as_bytes() {
            framer.push(std::slice::from_ref(byte));
            while let Some(frame) = framer.next_frame().unwrap() {
                got.push(frame);
            }
        }
        let one = Frame::Message(OPTIONS.as_bytes().to_vec());
        assert_eq!(got, vec![one, Frame::Message(OPTIONS.as_bytes().to_vec())]);
    }

    #[test]
    fn missing_content_length_is_an_error() {
        let mut framer = Framer::default();
        framer.push(b"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nCall-ID: c\r\n\r\n");
        assert!(framer.next_frame().is_err());
    }
}
