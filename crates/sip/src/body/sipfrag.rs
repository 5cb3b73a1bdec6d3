//! The status line of a `message/sipfrag` body (RFC 3420), as the NOTIFYs of a REFER carry it
//! (RFC 3515 §2.4.5): `SIP/2.0 180 Ringing`.

use std::fmt;

use super::BodyError;
use crate::status::StatusCode;

/// A sipfrag reduced to its status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipFrag {
    /// The status code.
    pub status: StatusCode,
    /// The reason phrase (may be empty).
    pub reason: String,
}

impl SipFrag {
    /// The media type of the body, for Content-Type.
    pub const CONTENT_TYPE: &'static str = "message/sipfrag;version=2.0";

    /// A status line with the code's usual reason phrase.
    pub fn new(status: StatusCode) -> Self {
        Self {
            status,
            reason: status.canonical_reason().to_owned(),
        }
    }

    /// Reads the first line of a sipfrag: it must be a status line (a sipfrag may also start
    /// with a request line or a header, which is no progress report). Whatever follows it
    /// (headers, body) is ignored.
    pub fn parse(body: &[u8]) -> Result<SipFrag, BodyError> {
        let malformed = BodyError::Malformed {
            what: "status line",
            line: 1,
        };
        let end = body.iter().position(|b| *b == b'\n').unwrap_or(body.len());
        let line = std::str::from_utf8(&body[..end]).map_err(|_| BodyError::NotUtf8)?;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some(rest) = line.strip_prefix("SIP/2.0 ") else {
            return Err(malformed);
        };
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed);
        }
        let status = code
            .parse::<u16>()
            .ok()
            .and_then(StatusCode::new)
            .ok_or(malformed)?;
        Ok(SipFrag {
            status,
            reason: reason.trim().to_owned(),
        })
    }
}

impl fmt::Display for SipFrag {
    /// The body: the status line ended with CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0 {} {}\r\n", self.status.as_u16(), self.reason)
    }
}
