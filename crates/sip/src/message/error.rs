//! What went wrong parsing a message, a header value or a URI, and where.

use crate::header::HeaderKind;

/// A parse failure: what, where (byte offset), and in which header if any.
///
/// Offsets count from the start of the bytes given to the parser (for a header value parsed on
/// its own, from the start of that value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind} (at byte {offset})", header_prefix(.header))]
pub struct ParseError {
    /// What is wrong.
    pub kind: ErrorKind,
    /// Byte offset of the problem (or of the start of the header field holding it).
    pub offset: usize,
    /// The header field the problem is in, when it is in one.
    pub header: Option<HeaderKind>,
}

fn header_prefix(header: &Option<HeaderKind>) -> String {
    header
        .map(|h| format!("{}: ", h.name()))
        .unwrap_or_default()
}

impl ParseError {
    /// An error of `kind` at `offset`, outside any header field.
    pub fn new(kind: ErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset,
            header: None,
        }
    }

    /// A bad value inside a header (or URI) at `offset` of that value.
    pub(crate) fn value(detail: &'static str, offset: usize) -> Self {
        Self::new(ErrorKind::BadHeaderValue(detail), offset)
    }

    /// The same error, placed in header field `header` whose value starts at `base`.
    pub(crate) fn in_header(mut self, header: HeaderKind, base: usize) -> Self {
        self.header = Some(header);
        self.offset += base;
        self
    }

    /// The same error, moved by `base` bytes.
    pub(crate) fn shifted(mut self, base: usize) -> Self {
        self.offset += base;
        self
    }

    /// The status code a server answers a request with this problem with: 505 for another
    /// SIP version, 513 for a message over the size limits, 400 otherwise.
    pub fn response_status(&self) -> u16 {
        match self.kind {
            ErrorKind::UnsupportedVersion => 505,
            ErrorKind::MessageTooLarge(_)
            | ErrorKind::TooManyHeaders(_)
            | ErrorKind::HeaderLineTooLong(_) => 513,
            _ => 400,
        }
    }

    /// A reason phrase naming the problem, for the response to a bad request.
    pub fn reason_phrase(&self) -> String {
        let text = match self.header {
            Some(h) => format!("Bad {} header: {}", h.name(), self.kind),
            None => format!("Bad Request: {}", self.kind),
        };
        // A reason phrase is one line of text.
        text.chars().filter(|c| !c.is_control()).collect()
    }
}

/// The kinds of parse failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input holds nothing but white space or keep-alive line ends.
    #[error("empty message")]
    Empty,
    /// The blank line that ends the header section never came.
    #[error("header section not terminated by an empty line")]
    Unterminated,
    /// The message is larger than the configured limit (bytes).
    #[error("message larger than {0} bytes")]
    MessageTooLarge(usize),
    /// The message has more header fields than the configured limit.
    #[error("more than {0} header fields")]
    TooManyHeaders(usize),
    /// One header field (with its folds) is longer than the configured limit (bytes).
    #[error("header field longer than {0} bytes")]
    HeaderLineTooLong(usize),
    /// The request line is not `Method SP Request-URI SP SIP-Version`.
    #[error("malformed request line")]
    BadRequestLine,
    /// The status line is not `SIP-Version SP Status-Code SP Reason-Phrase`.
    #[error("malformed status line")]
    BadStatusLine,
    /// A SIP version other than 2.0.
    #[error("SIP version not supported")]
    UnsupportedVersion,
    /// The method is not a token.
    #[error("invalid method")]
    BadMethod,
    /// The status code is not three digits from 100 to 699.
    #[error("status code not in 100-699")]
    BadStatusCode,
    /// The Request-URI does not parse, or has a part a Request-URI must not have.
    #[error("invalid Request-URI: {0}")]
    BadRequestUri(&'static str),
    /// A URI does not parse.
    #[error("invalid URI: {0}")]
    BadUri(&'static str),
    /// A header name that is not a token.
    #[error("invalid header name")]
    BadHeaderName,
    /// A header line without a colon.
    #[error("header line without a colon")]
    MissingColon,
    /// A continuation line (starting with white space) right after the start line.
    #[error("continuation line with no header field to continue")]
    OrphanContinuation,
    /// A stream message without Content-Length, so its end cannot be found.
    #[error("no Content-Length on a stream transport")]
    MissingContentLength,
    /// Content-Length is not a non-negative decimal number.
    #[error("invalid Content-Length")]
    BadContentLength,
    /// Content-Length announces more bytes than the datagram holds.
    #[error("Content-Length larger than the message")]
    BodyTruncated,
    /// A header field the message must have is missing.
    #[error("missing header field")]
    MissingHeader,
    /// A header field that may appear once appears more than once.
    #[error("header field appears more than once")]
    DuplicateHeader,
    /// A header value does not follow its grammar (with a short description).
    #[error("{0}")]
    BadHeaderValue(&'static str),
    /// The CSeq method is not the request's method.
    #[error("CSeq method does not match the request method")]
    CSeqMethodMismatch,
    /// Text that must be UTF-8 is not.
    #[error("not valid UTF-8")]
    NotUtf8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_header_and_place() {
        let e = ParseError::value("empty parameter", 3).in_header(HeaderKind::Via, 100);
        assert_eq!(e.to_string(), "Via: empty parameter (at byte 103)");
        assert_eq!(e.reason_phrase(), "Bad Via header: empty parameter");
        assert_eq!(e.response_status(), 400);
        let v = ParseError::new(ErrorKind::UnsupportedVersion, 0);
        assert_eq!(v.response_status(), 505);
        assert_eq!(v.to_string(), "SIP version not supported (at byte 0)");
    }
}
