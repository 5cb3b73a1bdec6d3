//! Bodies that event packages and REFER carry: the message summary of voicemail
//! notifications (RFC 3842), registration state (RFC 3680) and the status line of a
//! `message/sipfrag` (RFC 3420). Parsers take untrusted bytes and never panic.

mod message_summary;
mod reginfo;
mod sipfrag;
#[cfg(test)]
mod tests;

pub use message_summary::{MessageClass, MessageCounts, MessageSummary};
pub use reginfo::{
    AorRegistration, ContactEvent, ContactInfo, ContactState, DocumentState, RegInfo,
    RegistrationStatus, MAX_REGINFO_ELEMENTS,
};
pub use sipfrag::SipFrag;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is not UTF-8 text.
    #[error("the body is not UTF-8")]
    NotUtf8,
    /// A field the format requires is absent.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A line or value does not follow the format.
    #[error("malformed {what} on line {line}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// The 1-based line (1 for XML documents and single-line bodies).
        line: usize,
    },
    /// The XML is not well formed.
    #[error("bad XML: {0}")]
    Xml(String),
    /// The document has more elements than the parser accepts.
    #[error("more than {0} elements")]
    TooManyElements(usize),
}
