//! What a failure response to a request inside a dialog does to the dialog (RFC 5057 §5.1),
//! including a failed re-INVITE (RFC 6141).

use crate::method::Method;

/// How far a failure response to an in-dialog request reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureEffect {
    /// Only the transaction failed (or it did not fail at all): the dialog and its usage stay
    /// as they were. For a re-INVITE this means the session stays as before the re-INVITE and
    /// its target refresh is not applied (RFC 6141 §3).
    TransactionOnly,
    /// The usage the request belongs to is over (the call for INVITE, BYE it; the
    /// subscription for SUBSCRIBE and NOTIFY); other usages of the dialog go on.
    TerminateUsage,
    /// The peer knows no such dialog (481): every usage of it is over.
    TerminateDialog,
}

/// What `status` (a final response, or 408 for a transaction timeout) to an in-dialog
/// request with `method` does, per the RFC 5057 §5.1 table: 481 destroys the dialog; 404,
/// 410, 416, 480, 482-485, 604 and 408 (the peer is unreachable) end the usage, as does 489
/// Bad Event for the event methods; every other failure touches only the transaction.
pub fn failure_effect(method: &Method, status: u16) -> FailureEffect {
    let event_method = matches!(method, Method::Subscribe | Method::Notify);
    match status {
        481 => FailureEffect::TerminateDialog,
        404 | 408 | 410 | 416 | 480 | 482..=485 | 604 => FailureEffect::TerminateUsage,
        489 if event_method => FailureEffect::TerminateUsage,
        _ => FailureEffect::TransactionOnly,
    }
}
