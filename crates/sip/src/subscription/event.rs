//! What a subscription reports: its state, its events, what it sends and why it could not
//! start.

use crate::auth::AuthError;
use crate::header::MediaType;
use crate::message::ParseError;
use crate::transaction::Bytes;
use crate::uri::Uri;

/// Why a SUBSCRIBE could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubscriptionError {
    /// The subscriber's address has no user part (the Contact needs one).
    #[error("the subscriber's address has no user")]
    NoUser,
    /// The SUBSCRIBE could not be written.
    #[error("cannot write SUBSCRIBE: {0}")]
    Build(#[from] ParseError),
    /// The Authorization could not be written.
    #[error("cannot authorize SUBSCRIBE: {0}")]
    Auth(#[from] AuthError),
    /// The dialog refused the request (its CSeq is exhausted, or it ended).
    #[error("cannot send in the dialog: {0}")]
    Dialog(#[from] crate::dialog::DialogError),
}

/// Where the subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    /// Not started, stopped, or ended for good (the notifier rejected it).
    Idle,
    /// A SUBSCRIBE is out and the notifier has not yet said the state.
    Subscribing,
    /// The notifier has not yet authorized the subscription (`pending`).
    Pending,
    /// Notifications flow (`active`); a refresh may be out.
    Active,
    /// The last attempt failed or the notifier ended the subscription; the next SUBSCRIBE
    /// goes out after a wait.
    Waiting,
    /// Unsubscribing after [`super::Subscription::stop`].
    Unsubscribing,
}

/// What the subscription tells its user. State changes are reported once each; every NOTIFY
/// that is not a retransmission is passed up as [`SubscriptionEvent::Notify`] before the state
/// change it brings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionEvent {
    /// The notifier says the subscription is active.
    Active {
        /// Seconds it lasts unless refreshed.
        expires: u32,
    },
    /// The notifier has the subscription but has not authorized it yet.
    Pending,
    /// A NOTIFY arrived; reading its body is up to the user of the package.
    Notify {
        /// Its Content-Type, if any.
        content_type: Option<MediaType>,
        /// Its body (empty when it had none).
        body: Vec<u8>,
    },
    /// A SUBSCRIBE failed (a final response, a timeout, authentication) or the notifier
    /// rejected the subscription. Another attempt follows after the wait unless the state is
    /// now [`SubscriptionStatus::Idle`].
    Failed {
        /// The status and reason phrase, `timeout`, or the termination reason.
        reason: String,
    },
    /// The subscription ended: the notifier terminated it (a new one follows, at once or
    /// after a wait) or [`super::Subscription::stop`] finished (`unsubscribed`).
    Terminated {
        /// The Subscription-State reason, `unsubscribed`, or `terminated` when none was given.
        reason: String,
    },
}

/// A request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The whole message.
    pub bytes: Bytes,
    /// Where to send it: `None` for the account's default next hop (a SUBSCRIBE outside a
    /// dialog); otherwise the URI to resolve per RFC 3261 §8.1.2 and RFC 3263 (the first
    /// Route, or the Request-URI when there is no Route).
    pub destination: Option<Uri>,
}
