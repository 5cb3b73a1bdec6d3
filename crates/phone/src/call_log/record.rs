//! One line of the call history, as stored and shown.

use std::fmt;
use std::str::FromStr;

use super::error::CallLogError;

/// Which list of the history a call belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Dialled from this phone, whether or not the other side answered.
    Placed,
    /// Came in and was answered on this phone.
    Received,
    /// Came in and was not answered on this phone.
    Missed,
}

impl Direction {
    /// Every direction, in the order the history screen lists its tabs.
    pub const ALL: [Self; 3] = [Self::Placed, Self::Received, Self::Missed];

    /// The lower-case name used in storage and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Received => "received",
            Self::Missed => "missed",
        }
    }
}

impl FromStr for Direction {
    type Err = CallLogError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|direction| direction.as_str() == text)
            .ok_or_else(|| CallLogError::UnknownDirection {
                value: text.to_owned(),
            })
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the call went on to someone else from this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Handoff {
    /// The call stayed here until it ended.
    #[default]
    None,
    /// This phone redirected the incoming call (call forwarding).
    Forwarded,
    /// This phone transferred the connected call to a third party.
    Transferred,
}

impl Handoff {
    /// Every hand-off kind.
    pub const ALL: [Self; 3] = [Self::None, Self::Forwarded, Self::Transferred];

    /// The lower-case name used in storage and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Forwarded => "forwarded",
            Self::Transferred => "transferred",
        }
    }
}

impl FromStr for Handoff {
    type Err = CallLogError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|handoff| handoff.as_str() == text)
            .ok_or_else(|| CallLogError::UnknownHandoff {
                value: text.to_owned(),
            })
    }
}

impl fmt::Display for Handoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A call as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The account (1-based) the call used.
    pub account: u8,
    /// Which list the call is in.
    pub direction: Direction,
    /// The other side's number: the user part of its SIP URI, or the dialled digits.
    pub remote_number: String,
    /// The other side's display name, when it sent or was dialled with one.
    pub remote_name: Option<String>,
    /// This side's identity on the call (the account's SIP URI or user id).
    pub local_identity: String,
    /// When the call began (INVITE sent or received), in Unix seconds.
    pub started_at: u64,
    /// Seconds from the start until the call was answered; `None` when it never was.
    pub answered_after: Option<u64>,
    /// Seconds of conversation; 0 for a call that never connected.
    pub duration: u64,
    /// Why the call ended, in words.
    pub end_reason: String,
    /// Whether this phone passed the call on.
    pub handoff: Handoff,
}

/// A record to store and whether it lights the missed-call indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// What to store.
    pub record: CallRecord,
    /// The call is missed and should be announced until the user has seen it.
    pub prompts_missed: bool,
}
