//! Incoming-call policy: from the identity and signalling headers of a new INVITE and the
//! account's settings, who is calling and whether the phone rings, answers by itself or
//! refuses the call. Pure decision, no state: the caller says whether another call is up.
//!
//! ```
//! use handset_phone::incoming::{decide, AccountSettings, IncomingDecision, IncomingHeaders, LineState};
//!
//! let headers = IncomingHeaders::new("\"Bob\" <sip:2001@pbx.example.com>;tag=a1")
//!     .with_call_info("<sip:pbx.example.com>;answer-after=0");
//! let settings = AccountSettings {
//!     allow_intercom_auto_answer: true,
//!     ..AccountSettings::default()
//! };
//! let incoming = decide(&headers, &settings, LineState::Idle);
//! assert_eq!(incoming.caller.label(), "Bob");
//! assert!(matches!(incoming.decision, IncomingDecision::AutoAnswer { intercom: true, .. }));
//! ```

mod caller_id;
mod decision;
mod error;
mod headers;
mod pattern;
mod settings;

pub use caller_id::{caller_id, CallerId, IdentitySource};
pub use decision::{
    decide, Incoming, IncomingDecision, LineState, RejectReason, ANONYMITY_DISALLOWED, BUSY_HERE,
};
pub use error::IncomingError;
pub use headers::IncomingHeaders;
pub use pattern::CallerPattern;
pub use settings::{
    AccountSettings, AutoAnswerMode, CallerIdDisplay, RefuseCode, RingMatch, RingRule, Ringtone,
    MAX_AUTO_ANSWER_DELAY,
};

#[cfg(test)]
mod tests;
