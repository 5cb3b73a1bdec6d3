//! Why a dialog operation failed, and what to answer a request that failed it.

use crate::message::ParseError;
use crate::method::Method;

/// Why a dialog could not be created, updated or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DialogError {
    /// A header the dialog needs is missing or does not parse.
    #[error("bad message: {0}")]
    Parse(#[from] ParseError),
    /// A request was expected and a response given, or the other way round.
    #[error("expected a {expected}")]
    WrongKind {
        /// `request` or `response`.
        expected: &'static str,
    },
    /// The response does not create a dialog: it is a 100, a final failure, or has no To
    /// tag (RFC 3261 §12.1: only 101-199 and 2xx responses with a To tag do).
    #[error("a {status} response without a To tag or of this class creates no dialog")]
    NotDialogCreating {
        /// The response status.
        status: u16,
    },
    /// A dialog-creating message has no Contact (RFC 3261 §12.1.1, §12.1.2 require one).
    #[error("no Contact to use as the remote target")]
    MissingContact,
    /// The message's Call-ID or tags are not this dialog's (a request answered with 481).
    #[error("the message does not belong to this dialog")]
    Mismatch,
    /// An in-dialog request with a CSeq lower than the last one (RFC 3261 §12.2.2: "MUST be
    /// rejected with a 500").
    #[error("CSeq {cseq} is lower than the last one received, {last}")]
    OutOfOrder {
        /// The request's CSeq number.
        cseq: u32,
        /// The remote CSeq of the dialog.
        last: u32,
    },
    /// An in-dialog request with the same CSeq as the last one: a retransmission the
    /// transaction layer did not absorb. Drop it.
    #[error("CSeq {cseq} was already received")]
    Retransmission {
        /// The repeated CSeq number.
        cseq: u32,
    },
    /// The dialog is terminated; no request may be sent in it.
    #[error("the dialog is terminated")]
    Terminated,
    /// This method is not sent through [`super::Dialog::request`]: ACK and CANCEL have their
    /// own builders ([`super::Dialog::ack`], [`super::cancel_for`]).
    #[error("{0} is not sent as a new in-dialog request")]
    NotAllowed(Method),
    /// The local CSeq would pass 2^31 - 1 (RFC 3261 §8.1.1.5).
    #[error("the local CSeq is exhausted")]
    CSeqExhausted,
    /// A CANCEL was asked for a request that is not an INVITE.
    #[error("only an INVITE can be cancelled here")]
    NotInvite,
    /// A reliable provisional response was to be sent while the previous one is not yet
    /// acknowledged (RFC 3262 §3: "MUST NOT send a second reliable provisional response
    /// until the first is acknowledged").
    #[error("reliable provisional response RSeq {rseq} is not acknowledged yet")]
    ProvisionalPending {
        /// The RSeq still waiting for its PRACK.
        rseq: u32,
    },
    /// A 422 without a Min-SE larger than the interval asked for (RFC 4028 §7.4), so
    /// retrying cannot succeed.
    #[error("422 without a usable Min-SE")]
    BadMinSe,
}

impl DialogError {
    /// The status to answer an in-dialog request that failed with this error: 481 for a
    /// request of no known dialog (RFC 3261 §12.2.2), 500 for one out of order, 400 for one
    /// that does not parse. `None` when no response is due (a retransmission) or the error
    /// is about something the phone itself was doing.
    pub fn response_status(&self) -> Option<u16> {
        match self {
            Self::Parse(e) => Some(e.response_status()),
            Self::Mismatch => Some(481),
            Self::OutOfOrder { .. } => Some(500),
            _ => None,
        }
    }
}
