//! How a call ended, and what the history keeps of it under an account's policy.

use std::time::Duration;

use super::policy::CallLogPolicy;
use super::record::{CallRecord, Direction, Handoff, LogEntry};
use crate::incoming::RejectReason;

/// Which side hung up a connected call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HungUpBy {
    /// The user of this phone.
    Local,
    /// The other party.
    Remote,
}

/// The connected part of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversation {
    /// Time from the start of the call until it was answered.
    pub answered_after: Duration,
    /// Time from the answer until the call ended here.
    pub talk_time: Duration,
    /// Which side ended it.
    pub hung_up_by: HungUpBy,
    /// This phone transferred the call to a third party, which ended its part.
    pub transferred: bool,
}

/// How a call dialled from this phone ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacedEnding {
    /// The far end answered.
    Answered(Conversation),
    /// The user gave up before the far end answered.
    Abandoned,
    /// The far end or a server refused the call with this final status (486, 404, 408 …).
    Refused {
        /// The SIP status code.
        status: u16,
    },
}

/// How a call to this phone ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceivedEnding {
    /// The user answered it here.
    Answered(Conversation),
    /// The caller gave up while the phone rang (CANCEL, or the server's ring timeout).
    CallerCancelled,
    /// Another phone on the same line or group answered it (CANCEL carrying "call completed
    /// elsewhere", RFC 3326).
    AnsweredElsewhere,
    /// The user refused it while it rang.
    RejectedByUser,
    /// The phone refused it without ringing (see [`crate::incoming::decide`]).
    RefusedByPhone(RejectReason),
    /// Call forwarding redirected it.
    Forwarded {
        /// The phone rang first (forward on no answer); otherwise it went on at once.
        after_ringing: bool,
    },
}

/// Which way the call went and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEnding {
    /// Dialled from this phone.
    Placed(PlacedEnding),
    /// Came in to this phone.
    Received(ReceivedEnding),
}

/// Everything known about a call once it is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    /// The account (1-based) the call used.
    pub account: u8,
    /// The other side's number (SIP user part or dialled digits).
    pub remote_number: String,
    /// The other side's display name, if any.
    pub remote_name: Option<String>,
    /// This side's identity on the call.
    pub local_identity: String,
    /// Wall-clock start of the call in Unix seconds, read by the caller.
    pub started_at: u64,
    /// How it ended.
    pub ending: CallEnding,
}

/// What the history keeps of an ended call under the account's policy, or `None` when the
/// policy keeps nothing of it.
///
/// An incoming call not answered on this phone is missed, whatever stopped it: the caller
/// hanging up, another phone answering, the user rejecting it, the phone refusing it, or
/// forwarding. Which missed calls light the indicator:
/// - the caller gave up while it rang, or it rang unanswered and was forwarded: yes, the user
///   did not get to it;
/// - refused by Do Not Disturb or because call waiting is off: yes. The WP820 guide says a call
///   refused while call waiting is off is still saved "to remind users", and DND is the same
///   case, a call refused without the user's knowledge;
/// - rejected by the user: no, they saw it (the WP820 only announces those on request, with
///   "Rejected Call Notification");
/// - answered elsewhere: no, someone took it, so nobody needs to call back;
/// - blacklisted or anonymous callers, and immediate forwards: no, the user asked for exactly
///   that.
///
/// Durations are whole seconds, rounded to the nearest.
pub fn record_for(policy: CallLogPolicy, outcome: &CallOutcome) -> Option<LogEntry> {
    let call = match outcome.ending {
        CallEnding::Placed(ending) => placed(ending),
        CallEnding::Received(ending) => received(ending),
    };
    let kept = match call.direction {
        Direction::Missed => policy.keeps_missed(),
        Direction::Placed | Direction::Received => policy.keeps_connected(),
    };
    if !kept {
        return None;
    }
    let prompts_missed =
        call.direction == Direction::Missed && call.worth_prompt && policy.prompts_missed();
    let record = CallRecord {
        account: outcome.account,
        direction: call.direction,
        remote_number: outcome.remote_number.clone(),
        remote_name: outcome.remote_name.clone(),
        local_identity: outcome.local_identity.clone(),
        started_at: outcome.started_at,
        answered_after: call.conversation.map(|c| whole_seconds(c.answered_after)),
        duration: call.conversation.map_or(0, |c| whole_seconds(c.talk_time)),
        end_reason: call.end_reason,
        handoff: call.handoff,
    };
    Some(LogEntry {
        record,
        prompts_missed,
    })
}

/// An ending sorted into the history's terms, before the policy applies.
struct Classified {
    direction: Direction,
    conversation: Option<Conversation>,
    handoff: Handoff,
    end_reason: String,
    /// A missed call that the user should hear about.
    worth_prompt: bool,
}

impl Classified {
    fn unconnected(direction: Direction, end_reason: String) -> Self {
        Self {
            direction,
            conversation: None,
            handoff: Handoff::None,
            end_reason,
            worth_prompt: false,
        }
    }

    fn missed(end_reason: &str, worth_prompt: bool) -> Self {
        Self {
            worth_prompt,
            ..Self::unconnected(Direction::Missed, end_reason.to_owned())
        }
    }

    fn connected(direction: Direction, talk: Conversation) -> Self {
        let (handoff, end_reason) = if talk.transferred {
            (Handoff::Transferred, "transferred")
        } else {
            match talk.hung_up_by {
                HungUpBy::Local => (Handoff::None, "hung up here"),
                HungUpBy::Remote => (Handoff::None, "hung up by the other side"),
            }
        };
        Self {
            direction,
            conversation: Some(talk),
            handoff,
            end_reason: end_reason.to_owned(),
            worth_prompt: false,
        }
    }
}

fn placed(ending: PlacedEnding) -> Classified {
    match ending {
        PlacedEnding::Answered(talk) => Classified::connected(Direction::Placed, talk),
        PlacedEnding::Abandoned => {
            Classified::unconnected(Direction::Placed, "cancelled before answer".to_owned())
        }
        PlacedEnding::Refused { status } => {
            Classified::unconnected(Direction::Placed, refusal_text(status))
        }
    }
}

fn received(ending: ReceivedEnding) -> Classified {
    match ending {
        ReceivedEnding::Answered(talk) => Classified::connected(Direction::Received, talk),
        ReceivedEnding::CallerCancelled => Classified::missed("caller hung up", true),
        ReceivedEnding::AnsweredElsewhere => Classified::missed("answered elsewhere", false),
        ReceivedEnding::RejectedByUser => Classified::missed("rejected", false),
        ReceivedEnding::RefusedByPhone(reason) => match reason {
            RejectReason::DoNotDisturb => Classified::missed("do not disturb", true),
            RejectReason::Busy => Classified::missed("busy, call waiting off", true),
            RejectReason::Blacklisted => Classified::missed("blocked caller", false),
            RejectReason::Anonymous => Classified::missed("anonymous caller refused", false),
        },
        ReceivedEnding::Forwarded { after_ringing } => {
            let end_reason = if after_ringing {
                "forwarded after no answer"
            } else {
                "forwarded"
            };
            Classified {
                handoff: Handoff::Forwarded,
                ..Classified::missed(end_reason, after_ringing)
            }
        }
    }
}

fn refusal_text(status: u16) -> String {
    let phrase = match status {
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        480 => "Temporarily Unavailable",
        484 => "Address Incomplete",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        503 => "Service Unavailable",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => return format!("refused with {status}"),
    };
    format!("refused with {status} {phrase}")
}

fn whole_seconds(duration: Duration) -> u64 {
    let rounded = duration.saturating_add(Duration::from_millis(500));
    rounded.as_secs()
}
