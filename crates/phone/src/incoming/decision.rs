//! The decision for a new call: reject it, ring (perhaps as a waiting call) or answer it.

use std::time::Duration;

use super::caller_id::{caller_id, CallerId};
use super::headers::IncomingHeaders;
use super::pattern::CallerPattern;
use super::settings::{
    AccountSettings, AutoAnswerMode, CallerIdDisplay, RingMatch, Ringtone, MAX_AUTO_ANSWER_DELAY,
};

/// 433 Anonymity Disallowed (RFC 5079): tells an anonymous caller why, so they can retry
/// with their identity shown.
pub const ANONYMITY_DISALLOWED: u16 = 433;

/// 486 Busy Here, for a second call while call waiting is off.
pub const BUSY_HERE: u16 = 486;

/// Whether the phone is already in a call when the new one arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineState {
    /// No other call.
    #[default]
    Idle,
    /// Another call is active or held.
    InCall,
}

/// Why a call is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// The caller is on the blacklist.
    Blacklisted,
    /// The caller is anonymous and Anonymous Call Rejection (P129) is on.
    Anonymous,
    /// Do Not Disturb is on.
    DoNotDisturb,
    /// Another call is active and call waiting is disabled (P91).
    Busy,
}

/// What to do with the new call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncomingDecision {
    /// Alert the user.
    Ring {
        /// The tone to ring with (for a waiting call, the tone if the user switches to it).
        ringtone: Ringtone,
        /// Another call is active: announce this one as a waiting call.
        call_waiting: bool,
        /// Play the call-waiting tone in the active call (off when P186 disables it).
        waiting_tone: bool,
    },
    /// Answer without the user.
    AutoAnswer {
        /// Wait this long before answering.
        delay: Duration,
        /// Beep before answering.
        warning_tone: bool,
        /// Answer with the microphone muted.
        muted: bool,
        /// The server marked the call as intercom or paging (Call-Info / Alert-Info).
        intercom: bool,
    },
    /// Refuse the call with this final response.
    Reject {
        /// The SIP status code.
        status: u16,
        /// Why.
        reason: RejectReason,
    },
}

/// The caller and what to do with the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// The caller as shown.
    pub caller: CallerId,
    /// What to do.
    pub decision: IncomingDecision,
}

/// Decides how a new INVITE on one account is received.
///
/// Rules apply in this order, the first that fires wins:
/// 1. blacklisted caller: reject with the refuse code (P8360, 486 by default);
/// 2. anonymous caller with Anonymous Call Rejection (P129): reject with 433;
/// 3. Do Not Disturb: reject with the DND code (P8361, 486 by default);
/// 4. another call in progress: 486 when call waiting is disabled (P91), else ring as a
///    waiting call (no auto answer over an active call);
/// 5. intercom marked by Call-Info or Alert-Info, when P298 allows it or P90 is
///    "Intercom/Paging": answer after the header's delay, with P26072's tone and P26071's mute;
/// 6. Auto Answer "Yes" (P90), limited to P29064's numbers when set: answer after P8486's
///    delay with a reminder beep;
/// 7. ring with the first matching distinctive ring rule's tone, else the account's (P104).
pub fn decide(headers: &IncomingHeaders, settings: &AccountSettings, line: LineState) -> Incoming {
    let caller = caller_id(headers, settings.caller_id_display);
    // A disabled display still lets rules see the number; only the screen hides it.
    let number = match settings.caller_id_display {
        CallerIdDisplay::Disabled => caller_id(headers, CallerIdDisplay::Auto).number,
        _ => caller.number.clone(),
    };
    let number = number.as_deref();
    let decision = policy(headers, settings, line, &caller, number);
    Incoming { caller, decision }
}

fn policy(
    headers: &IncomingHeaders,
    settings: &AccountSettings,
    line: LineState,
    caller: &CallerId,
    number: Option<&str>,
) -> IncomingDecision {
    let listed = |list: &[CallerPattern]| number.is_some_and(|n| list.iter().any(|p| p.matches(n)));
    let reject = |status, reason| IncomingDecision::Reject { status, reason };
    if listed(&settings.blacklist) {
        return reject(settings.refuse_code.status(), RejectReason::Blacklisted);
    }
    if caller.anonymous && settings.reject_anonymous {
        return reject(ANONYMITY_DISALLOWED, RejectReason::Anonymous);
    }
    if settings.do_not_disturb {
        return reject(settings.dnd_code.status(), RejectReason::DoNotDisturb);
    }
    let ringtone = ringtone(headers, settings, number);
    if line == LineState::InCall {
        if settings.disable_call_waiting {
            return reject(BUSY_HERE, RejectReason::Busy);
        }
        return IncomingDecision::Ring {
            ringtone,
            call_waiting: true,
            waiting_tone: !settings.disable_call_waiting_tone,
        };
    }
    let intercom_allowed =
        settings.allow_intercom_auto_answer || settings.auto_answer == AutoAnswerMode::IntercomOnly;
    if intercom_allowed {
        if let Some(delay) = intercom_delay(headers, settings.custom_intercom_marker.as_deref()) {
            return IncomingDecision::AutoAnswer {
                delay,
                warning_tone: settings.intercom_warning_tone,
                muted: settings.mute_on_intercom_answer,
                intercom: true,
            };
        }
    }
    if settings.auto_answer == AutoAnswerMode::All
        && (settings.auto_answer_numbers.is_empty() || listed(&settings.auto_answer_numbers))
    {
        return IncomingDecision::AutoAnswer {
            delay: settings.auto_answer_delay.min(MAX_AUTO_ANSWER_DELAY),
            warning_tone: true,
            muted: false,
            intercom: false,
        };
    }
    IncomingDecision::Ring {
        ringtone,
        call_waiting: false,
        waiting_tone: false,
    }
}

/// The first ring rule matching the caller's number or an Alert-Info word, else the account
/// tone. With "Ignore Alert-Info" (P26018) only number rules count.
fn ringtone(
    headers: &IncomingHeaders,
    settings: &AccountSettings,
    number: Option<&str>,
) -> Ringtone {
    let words: Vec<String> = if settings.ignore_alert_info {
        Vec::new()
    } else {
        headers
            .alert_info
            .iter()
            .flat_map(|v| alert_words(v))
            .collect()
    };
    settings
        .ring_rules
        .iter()
        .find(|rule| match &rule.matcher {
            RingMatch::Caller(pattern) => number.is_some_and(|n| pattern.matches(n)),
            RingMatch::AlertInfoText(text) => words.iter().any(|w| w.eq_ignore_ascii_case(text)),
        })
        .map_or(settings.ringtone, |rule| rule.ringtone)
}

/// The words an Alert-Info value offers to ring rules: its `info=` value and the last path
/// segment of its URL (`<http://host/Bellcore-dr2>`); a value without `<…>` counts whole.
fn alert_words(value: &str) -> Vec<String> {
    let mut words = Vec::new();
    if let Some(info) = param(value, "info") {
        words.push(info.to_owned());
    }
    match value
        .trim()
        .strip_prefix('<')
        .and_then(|v| v.split_once('>'))
    {
        Some((url, _)) => {
            let last = url.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            // A bare host (the usual http://127.0.0.1 placeholder) names no tone.
            if !last.is_empty() && !url.ends_with(&format!("//{last}")) {
                words.push(last.to_owned());
            }
        }
        None => words.push(value.trim().to_owned()),
    }
    words
}

/// Markers that identify intercom and paging calls when no custom marker (P2356) is set.
const INTERCOM_MARKERS: [&str; 5] = [
    "answer-after",
    "auto answer",
    "alert-autoanswer",
    "intercom",
    "ring-answer",
];

/// When a Call-Info or Alert-Info value marks an intercom call, how long to wait before
/// answering: `answer-after=` or `delay=` in seconds (capped at 10), else at once.
fn intercom_delay(headers: &IncomingHeaders, custom_marker: Option<&str>) -> Option<Duration> {
    let custom = custom_marker
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_ascii_lowercase);
    let marked = |value: &&String| {
        let value = value.to_ascii_lowercase();
        match &custom {
            Some(marker) => value.contains(marker.as_str()),
            None => INTERCOM_MARKERS.iter().any(|m| value.contains(m)),
        }
    };
    let value = headers
        .call_info
        .iter()
        .chain(&headers.alert_info)
        .find(marked)?;
    let seconds = param(value, "answer-after")
        .or_else(|| param(value, "delay"))
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    Some(Duration::from_secs(seconds).min(MAX_AUTO_ANSWER_DELAY))
}

/// A `;name=value` parameter after the `<…>` part, quotes removed.
fn param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let params = value.rsplit_once('>').map_or(value, |(_, rest)| rest);
    params.split(';').find_map(|p| {
        let (key, val) = p.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| val.trim().trim_matches('"'))
    })
}
