//! One account's forwarding settings. P-numbers are those of account 1; other accounts use the
//! numbers in the provisioning account map.

use std::time::Duration;

use super::error::ForwardError;
use super::target::ForwardTarget;
use super::time_window::OfficeHours;

/// How long a call rings before no-answer forwarding takes it (P139, 1 to 120 s, default 20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoAnswerTimeout(Duration);

impl NoAnswerTimeout {
    /// The shortest timeout P139 accepts, in seconds.
    pub const MIN_SECONDS: u64 = 1;
    /// The longest timeout P139 accepts, in seconds.
    pub const MAX_SECONDS: u64 = 120;

    /// A timeout of `seconds`, checked against the range of P139.
    pub fn from_seconds(seconds: u64) -> Result<Self, ForwardError> {
        if (Self::MIN_SECONDS..=Self::MAX_SECONDS).contains(&seconds) {
            Ok(Self(Duration::from_secs(seconds)))
        } else {
            Err(ForwardError::TimeoutOutOfRange { seconds })
        }
    }

    /// The timeout as a duration.
    pub fn duration(self) -> Duration {
        self.0
    }
}

impl Default for NoAnswerTimeout {
    fn default() -> Self {
        Self(Duration::from_secs(20))
    }
}

/// Time-based forwarding: every call goes to one target in office hours, another outside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeBasedForward {
    /// When the office is open.
    pub office_hours: OfficeHours,
    /// Where calls go in office hours ("In Time Forward to").
    pub in_hours_target: ForwardTarget,
    /// Where calls go out of office hours ("Out Time Forward to").
    pub out_of_hours_target: ForwardTarget,
}

/// Forwarding that depends on the account's state ("Others" in the call forward type); each
/// rule is on when it has a target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConditionalForward {
    /// "Busy To": where calls go while another call is up (P29093; server code P26009).
    pub busy: Option<ForwardTarget>,
    /// "No Answer To": where calls go once they rang unanswered (P29094; server code P26011).
    pub no_answer: Option<ForwardTarget>,
    /// How long to ring before no-answer forwarding (P139).
    pub no_answer_timeout: NoAnswerTimeout,
    /// "DND To": where calls go while Do Not Disturb is on (no P-number in the tables).
    pub dnd: Option<ForwardTarget>,
}

/// The call forward type of the account and the targets that go with it (WP820 guide,
/// "Call Forward Type"; the tables hold no P-number for the type itself).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ForwardMode {
    /// No forwarding.
    #[default]
    Off,
    /// Every call goes to the target (P29092; server code P26013).
    Unconditional(ForwardTarget),
    /// The target depends on the time of day.
    TimeBased(TimeBasedForward),
    /// Busy, no-answer and DND rules.
    Conditional(ConditionalForward),
}

/// Everything that decides whether and where a new call is forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardSettings {
    /// "Enable Call Features" / "Enable Local Call Features" (P191, default on): when off the
    /// server forwards, driven by feature codes, and the phone forwards nothing itself.
    pub local_call_features: bool,
    /// The forward type and its targets.
    pub mode: ForwardMode,
}

impl Default for ForwardSettings {
    fn default() -> Self {
        Self {
            local_call_features: true,
            mode: ForwardMode::Off,
        }
    }
}
