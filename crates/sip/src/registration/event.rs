//! What a registration reports: its state, its events, and why it could not start.

use crate::auth::AuthError;
use crate::message::ParseError;
use crate::uri::SipUri;

/// Why a registration could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// The address of record has no user part.
    #[error("the address of record has no user")]
    NoUser,
    /// The REGISTER could not be written (a value with a line break, a registrar URI with
    /// headers …).
    #[error("cannot write REGISTER: {0}")]
    Build(#[from] ParseError),
    /// The Authorization could not be written.
    #[error("cannot authorize REGISTER: {0}")]
    Auth(#[from] AuthError),
}

/// Where the registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationState {
    /// Not started, or stopped.
    Idle,
    /// A REGISTER is out and no binding is known to exist.
    Registering,
    /// The registrar holds our binding (a refresh may be out).
    Registered,
    /// The last attempt failed; the next one goes out after the retry wait.
    Failed,
    /// Removing the binding after [`super::Registration::stop`].
    Unregistering,
}

/// Why an attempt failed, in the terms server selection needs (RFC 3263 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No response came (Timer F) or the transport could not send: try another server.
    NoResponse,
    /// The server answered with this final status (a 503 also means "try another").
    Status(u16),
    /// Authentication or a local problem: another server would not help.
    Other,
}

/// What the registration tells its user; each transition is reported once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationEvent {
    /// A REGISTER went out with no binding in place (start, or a retry after failure).
    Registering,
    /// The registrar accepted our binding, or changed its lifetime or contact.
    Registered {
        /// Seconds the registrar granted.
        expires: u32,
        /// The contact it holds.
        contact: SipUri,
    },
    /// The attempt failed; another follows after the retry wait (none while stopping).
    Failed {
        /// The status and reason phrase, `timeout`, or why authentication failed.
        reason: String,
        /// What kind of failure, so that the account can decide whether another server
        /// should be tried.
        kind: FailureKind,
    },
    /// The binding was removed after [`super::Registration::stop`].
    Unregistered,
    /// The registrar sees us at another address (RFC 3581 `received`/`rport`): the contact
    /// was changed and a REGISTER with it is out.
    ContactRewritten {
        /// The contact before.
        from: SipUri,
        /// The contact now.
        to: SipUri,
    },
}
