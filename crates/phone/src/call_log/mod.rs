//! The call history policy: which ended calls an account keeps (placed, received, missed) under
//! its Call Log setting, and which missed calls light the missed-call indicator. Pure decision;
//! the runtime stores the records and reads the wall clock for their start time.
//!
//! ```
//! use handset_phone::call_log::{
//!     record_for, CallEnding, CallLogPolicy, CallOutcome, Direction, ReceivedEnding,
//! };
//!
//! let policy = CallLogPolicy::parse("0").unwrap();
//! let outcome = CallOutcome {
//!     account: 1,
//!     remote_number: "2001".to_owned(),
//!     remote_name: Some("Bob".to_owned()),
//!     local_identity: "sip:1001@pbx.example.com".to_owned(),
//!     started_at: 1_700_000_000,
//!     ending: CallEnding::Received(ReceivedEnding::CallerCancelled),
//! };
//! let entry = record_for(policy, &outcome).unwrap();
//! assert_eq!(entry.record.direction, Direction::Missed);
//! assert!(entry.prompts_missed);
//! ```

mod error;
mod outcome;
mod policy;
mod record;

pub use error::CallLogError;
pub use outcome::{
    record_for, CallEnding, CallOutcome, Conversation, HungUpBy, PlacedEnding, ReceivedEnding,
};
pub use policy::CallLogPolicy;
pub use record::{CallRecord, Direction, Handoff, LogEntry};

#[cfg(test)]
mod tests;
