//! Call forwarding for one account: whether a new call is redirected at once, after ringing, or
//! not at all; the 302 headers that redirect it; and, when the server does the forwarding, the
//! feature codes that tell it what to do. Pure decisions: the caller passes the phone's state
//! and its local time of day, and arms the no-answer timer itself.
//!
//! ```
//! use handset_phone::forwarding::{
//!     decide, AccountUri, ConditionalForward, ForwardDecision, ForwardMode, ForwardSettings,
//!     ForwardTarget, Redirect, Situation, TimeOfDay,
//! };
//!
//! let settings = ForwardSettings {
//!     mode: ForwardMode::Conditional(ConditionalForward {
//!         busy: Some(ForwardTarget::parse("2002").unwrap()),
//!         ..ConditionalForward::default()
//!     }),
//!     ..ForwardSettings::default()
//! };
//! let busy = Situation { busy: true, dnd: false };
//! let noon = TimeOfDay::new(12, 0).unwrap();
//! let ForwardDecision::Forward { target, reason } = decide(&settings, busy, noon) else {
//!     panic!("a busy phone forwards");
//! };
//! let account = AccountUri::parse("sip:2001@pbx.example.com").unwrap();
//! let redirect = Redirect::new(&account, &target, reason);
//! assert_eq!(redirect.contact, "<sip:2002@pbx.example.com>");
//! assert_eq!(redirect.diversion, "<sip:2001@pbx.example.com>;reason=user-busy;counter=1");
//! ```

mod decision;
mod error;
mod feature_code;
mod redirect;
mod settings;
mod target;
mod time_window;

pub use decision::{decide, DiversionReason, ForwardDecision, Situation};
pub use error::ForwardError;
pub use feature_code::{feature_code_to_dial, ServerForwardChange, ServerForwardKind};
pub use redirect::{Redirect, MOVED_TEMPORARILY};
pub use settings::{
    ConditionalForward, ForwardMode, ForwardSettings, NoAnswerTimeout, TimeBasedForward,
};
pub use target::{AccountUri, ForwardTarget};
pub use time_window::{OfficeHours, TimeOfDay};

#[cfg(test)]
mod tests;
