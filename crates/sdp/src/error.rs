//! What went wrong reading a session description or negotiating one, and where.

/// A parse failure: what is wrong and on which line (1-based; 0 when the body as a whole is
/// at fault, such as its size).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SDP line {line}: {kind}")]
pub struct ParseError {
    /// The line holding the problem, counting from 1.
    pub line: usize,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl ParseError {
    /// An error of `kind` on `line`.
    pub fn new(line: usize, kind: ErrorKind) -> Self {
        Self { line, kind }
    }

    /// A value of field `field` on `line` that does not follow its grammar, with why.
    pub(crate) fn bad(line: usize, field: &'static str, why: &'static str) -> Self {
        Self::new(line, ErrorKind::BadValue { field, why })
    }
}

/// The kinds of parse failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The body holds no lines at all.
    #[error("empty session description")]
    Empty,
    /// The body is larger than the configured limit (bytes).
    #[error("body larger than {0} bytes")]
    TooLarge(usize),
    /// The body has more lines than the configured limit.
    #[error("more than {0} lines")]
    TooManyLines(usize),
    /// One line is longer than the configured limit (bytes).
    #[error("line longer than {0} bytes")]
    LineTooLong(usize),
    /// One description (session or a media section) has more attributes than the limit.
    #[error("more than {0} attributes in one section")]
    TooManyAttributes(usize),
    /// More media descriptions than the limit.
    #[error("more than {0} media descriptions")]
    TooManyMedia(usize),
    /// An m= line lists more formats than the limit.
    #[error("more than {0} formats on one m= line")]
    TooManyFormats(usize),
    /// The body is not UTF-8 text, or holds a control character other than tab and line ends.
    #[error("not text (invalid UTF-8, a NUL or another control character)")]
    NotText,
    /// A line is not `<letter>=<value>`.
    #[error("line is not <type>=<value>")]
    BadLine,
    /// The first line is not `v=0`.
    #[error("description does not start with v=0")]
    BadVersion,
    /// A line the description must have is missing (`o=`).
    #[error("missing {0} line")]
    Missing(&'static str),
    /// A line that may appear once in its section appears again.
    #[error("{0} line appears more than once")]
    Duplicate(&'static str),
    /// A line type that is not allowed where it appears (`v=`, `o=`, ... inside a media section).
    #[error("{0} line not allowed in a media description")]
    NotInMedia(&'static str),
    /// A field's value does not follow its grammar or is out of range.
    #[error("invalid {field}: {why}")]
    BadValue {
        /// The line type or attribute (`m=`, `a=rtpmap`, ...).
        field: &'static str,
        /// What is wrong with it.
        why: &'static str,
    },
}

/// Why an offer or answer cannot be used; the SIP layer answers 488 Not Acceptable Here for
/// each of these when they come from a peer's offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// No audio stream in the description that we can use (no common codec, port 0, unknown
    /// transport profile).
    #[error("no acceptable audio stream")]
    NoAcceptableStream,
    /// Secure RTP is forced locally and the peer offers or answers no usable crypto line.
    #[error("SRTP required but no acceptable crypto attribute")]
    SrtpRequired,
    /// The peer requires SRTP (RTP/SAVP) and SRTP is disabled here.
    #[error("peer requires SRTP, which is disabled")]
    SrtpDisabled,
    /// RTCP multiplexing is required locally and the peer does not offer it.
    #[error("rtcp-mux required but not offered")]
    RtcpMuxRequired,
    /// The connection address is not an IP address (a host name, or missing).
    #[error("connection address is missing or not an IP address")]
    BadConnection,
    /// An answer arrived with no offer of ours outstanding.
    #[error("answer without an outstanding offer")]
    NoOfferPending,
    /// The answer does not fit our offer (other m= line count, a codec or crypto tag we
    /// did not offer, a transport profile we did not offer).
    #[error("answer does not match the offer: {0}")]
    AnswerMismatch(&'static str),
    /// The codec list in the local configuration is empty.
    #[error("no codecs configured")]
    NoCodecs,
}
