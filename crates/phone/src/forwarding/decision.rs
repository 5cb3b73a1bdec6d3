//! What happens to a new incoming call under the account's forwarding settings.

use std::fmt;
use std::time::Duration;

use super::settings::{ForwardMode, ForwardSettings};
use super::target::ForwardTarget;
use super::time_window::TimeOfDay;

/// The state of the phone when the call arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Situation {
    /// Another call is already up on the account.
    pub busy: bool,
    /// Do Not Disturb is on.
    pub dnd: bool,
}

/// Why a call was diverted, with the `reason` values of the Diversion header (RFC 5806).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiversionReason {
    /// Every call is forwarded.
    Unconditional,
    /// The user was on another call.
    UserBusy,
    /// The call rang unanswered.
    NoAnswer,
    /// Do Not Disturb was on.
    DoNotDisturb,
    /// The time of day chose the target.
    TimeOfDay,
}

impl DiversionReason {
    /// The token written after `reason=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconditional => "unconditional",
            Self::UserBusy => "user-busy",
            Self::NoAnswer => "no-answer",
            Self::DoNotDisturb => "do-not-disturb",
            Self::TimeOfDay => "time-of-day",
        }
    }
}

impl fmt::Display for DiversionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome for a new call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardDecision {
    /// Redirect at once with 302 Moved Temporarily.
    Forward {
        /// Where the call goes.
        target: ForwardTarget,
        /// The Diversion reason.
        reason: DiversionReason,
    },
    /// Ring first; when `timeout` passes unanswered, redirect to `target` with reason
    /// no-answer. The caller arms the timer and cancels it on answer or hang-up.
    ForwardAfter {
        /// How long to ring.
        timeout: Duration,
        /// Where the call goes then.
        target: ForwardTarget,
    },
    /// The phone handles the call itself (rings, or refuses it when in DND).
    None,
}

/// Decides what to do with a new incoming call. `local_time` is the caller's wall-clock time
/// of day; it only matters for time-based forwarding.
///
/// Order of the conditional rules: DND first (the phone would not ring at all), then busy, then
/// no-answer. A busy phone without a busy rule still rings through call waiting, so the
/// no-answer rule applies to it.
pub fn decide(
    settings: &ForwardSettings,
    situation: Situation,
    local_time: TimeOfDay,
) -> ForwardDecision {
    // With local call features off the server forwards (set up through feature codes).
    if !settings.local_call_features {
        return ForwardDecision::None;
    }
    match &settings.mode {
        ForwardMode::Off => ForwardDecision::None,
        ForwardMode::Unconditional(target) => ForwardDecision::Forward {
            target: target.clone(),
            reason: DiversionReason::Unconditional,
        },
        ForwardMode::TimeBased(rule) => {
            let target = if rule.office_hours.contains(local_time) {
                &rule.in_hours_target
            } else {
                &rule.out_of_hours_target
            };
            ForwardDecision::Forward {
                target: target.clone(),
                reason: DiversionReason::TimeOfDay,
            }
        }
        ForwardMode::Conditional(rules) => {
            if situation.dnd {
                // DND without a DND target: the incoming policy refuses the call as it would.
                return match &rules.dnd {
                    Some(target) => ForwardDecision::Forward {
                        target: target.clone(),
                        reason: DiversionReason::DoNotDisturb,
                    },
                    None => ForwardDecision::None,
                };
            }
            if situation.busy {
                if let Some(target) = &rules.busy {
                    return ForwardDecision::Forward {
                        target: target.clone(),
                        reason: DiversionReason::UserBusy,
                    };
                }
            }
            match &rules.no_answer {
                Some(target) => ForwardDecision::ForwardAfter {
                    timeout: rules.no_answer_timeout.duration(),
                    target: target.clone(),
                },
                None => ForwardDecision::None,
            }
        }
    }
}
