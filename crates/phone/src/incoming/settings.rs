//! The account and phone settings that shape how a new call is received. P-numbers are those
//! of account 1; the other accounts use the numbers in the provisioning account map.

use std::time::Duration;

use super::error::IncomingError;
use super::pattern::CallerPattern;

/// Which INVITE header the caller's identity is taken from (P2324).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallerIdDisplay {
    /// P-Asserted-Identity, then Remote-Party-ID, then From (code 0).
    #[default]
    Auto,
    /// Never show the caller: every call reads "Unavailable" (code 1).
    Disabled,
    /// Only the From header (code 2).
    FromHeader,
}

impl CallerIdDisplay {
    /// Reads the provisioning code of P2324.
    pub fn from_code(code: i32) -> Result<Self, IncomingError> {
        match code {
            0 => Ok(Self::Auto),
            1 => Ok(Self::Disabled),
            2 => Ok(Self::FromHeader),
            _ => Err(IncomingError::UnknownCode {
                setting: "P2324",
                code,
            }),
        }
    }
}

/// A ring tone choice, with the codes of P104 and the matching-rule tones (P1489 …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ringtone {
    /// The built-in ring tone (code 0).
    #[default]
    System,
    /// One of the three uploaded tones (codes 1 to 3).
    Custom(u8),
    /// Ring without sound (code 4).
    Silent,
    /// The phone's default ring tone (code 5).
    Default,
    /// No ring at all; only matching rules offer it (code -1).
    NoRingtone,
}

impl Ringtone {
    /// Reads a ring tone code as P104 and the matching-rule tones write it.
    pub fn from_code(code: i32) -> Result<Self, IncomingError> {
        match code {
            -1 => Ok(Self::NoRingtone),
            0 => Ok(Self::System),
            1..=3 => Ok(Self::Custom(code as u8)),
            4 => Ok(Self::Silent),
            5 => Ok(Self::Default),
            _ => Err(IncomingError::UnknownCode {
                setting: "ringtone",
                code,
            }),
        }
    }
}

/// The response code for a refused or DND call (P8360, P8361).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefuseCode {
    /// 486 Busy Here (code 0).
    #[default]
    Busy,
    /// 480 Temporarily Unavailable (code 1).
    TemporarilyUnavailable,
    /// 404 Not Found (code 2).
    NotFound,
    /// 603 Decline (code 3).
    Decline,
}

impl RefuseCode {
    /// Reads the provisioning code of P8360 or P8361.
    pub fn from_code(code: i32) -> Result<Self, IncomingError> {
        match code {
            0 => Ok(Self::Busy),
            1 => Ok(Self::TemporarilyUnavailable),
            2 => Ok(Self::NotFound),
            3 => Ok(Self::Decline),
            _ => Err(IncomingError::UnknownCode {
                setting: "P8360/P8361",
                code,
            }),
        }
    }

    /// The SIP status code sent.
    pub fn status(self) -> u16 {
        match self {
            Self::Busy => 486,
            Self::TemporarilyUnavailable => 480,
            Self::NotFound => 404,
            Self::Decline => 603,
        }
    }
}

/// What "Auto Answer" (P90) answers by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AutoAnswerMode {
    /// Ring every call (code 0).
    #[default]
    Off,
    /// Answer every call, or only those from [`AccountSettings::auto_answer_numbers`] when that
    /// list is not empty (code 1).
    All,
    /// Answer only calls the server marks as intercom or paging (code 2, WP820).
    IntercomOnly,
}

impl AutoAnswerMode {
    /// Reads the provisioning code of P90.
    pub fn from_code(code: i32) -> Result<Self, IncomingError> {
        match code {
            0 => Ok(Self::Off),
            1 => Ok(Self::All),
            2 => Ok(Self::IntercomOnly),
            _ => Err(IncomingError::UnknownCode {
                setting: "P90",
                code,
            }),
        }
    }
}

/// What a distinctive ring rule looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RingMatch {
    /// The caller's number, exactly or by pattern (`8321123`, `xx+`, `[6-9]xx`).
    Caller(CallerPattern),
    /// A word carried by Alert-Info, in `info=` or at the end of its URL (`priority`).
    AlertInfoText(String),
}

/// One "Matching Incoming Caller ID" rule with its ring tone (P1488/P1489 … P26096/P26097).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingRule {
    /// What the rule matches.
    pub matcher: RingMatch,
    /// The tone played when it matches.
    pub ringtone: Ringtone,
}

impl RingRule {
    /// Reads a rule as provisioned: text made only of pattern characters (digits, `x`, `+`,
    /// `.`, `[…]`, `*`, `#`) is a caller pattern, anything else is Alert-Info text.
    pub fn parse(rule: &str, ringtone: Ringtone) -> Result<Self, IncomingError> {
        let rule = rule.trim();
        if rule.is_empty() {
            return Err(IncomingError::EmptyRule);
        }
        let matcher = if CallerPattern::looks_like_pattern(rule) {
            RingMatch::Caller(CallerPattern::parse(rule)?)
        } else {
            RingMatch::AlertInfoText(rule.to_owned())
        };
        Ok(Self { matcher, ringtone })
    }
}

/// The settings of one account (and the phone-wide ones that apply to it) for incoming calls.
/// Defaults are the provisioning defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountSettings {
    /// Caller ID Display (P2324).
    pub caller_id_display: CallerIdDisplay,
    /// Anonymous Call Rejection (P129).
    pub reject_anonymous: bool,
    /// Numbers and patterns whose calls are refused (the phone's blacklist of contacts).
    pub blacklist: Vec<CallerPattern>,
    /// Return Code When Refusing Incoming Call (P8360), used for blacklisted callers.
    pub refuse_code: RefuseCode,
    /// Account Ring Tone (P104).
    pub ringtone: Ringtone,
    /// Matching Incoming Caller ID rules, first match wins (P1488/P1489 to P26096/P26097).
    pub ring_rules: Vec<RingRule>,
    /// Ignore Alert-Info header (P26018): Alert-Info no longer picks the ring tone.
    pub ignore_alert_info: bool,
    /// Auto Answer (P90).
    pub auto_answer: AutoAnswerMode,
    /// Auto Answer Numbers (P29064): when not empty, "All" answers only these callers.
    pub auto_answer_numbers: Vec<CallerPattern>,
    /// Auto Answer Delay (P8486), 0 to 10 seconds, for calls answered under "All".
    pub auto_answer_delay: Duration,
    /// Allow Auto Answer by Call-Info/Alert-Info (P298). Off by default as provisioning
    /// defaults it, although the hotel phone guide calls it on.
    pub allow_intercom_auto_answer: bool,
    /// Custom Call-Info for Auto Answer (P2356): when set, only header text containing it marks
    /// an intercom call, instead of the usual markers.
    pub custom_intercom_marker: Option<String>,
    /// Play warning tone for Auto Answer Intercom (P26072).
    pub intercom_warning_tone: bool,
    /// Mute on answer Intercom call (P26071).
    pub mute_on_intercom_answer: bool,
    /// Do Not Disturb is on for this account (DND mode, P8446 enables the feature).
    pub do_not_disturb: bool,
    /// Return Code When Enable DND (P8361).
    pub dnd_code: RefuseCode,
    /// Disable Call Waiting (P91 phone-wide; P26063 can override it per account).
    pub disable_call_waiting: bool,
    /// Disable Call Waiting Tone (P186).
    pub disable_call_waiting_tone: bool,
}

/// The longest Auto Answer Delay the settings page accepts (P8486).
pub const MAX_AUTO_ANSWER_DELAY: Duration = Duration::from_secs(10);

impl AccountSettings {
    /// Sets the Auto Answer Delay (P8486) in seconds, refusing values above 10.
    pub fn with_auto_answer_delay_secs(mut self, seconds: u64) -> Result<Self, IncomingError> {
        let delay = Duration::from_secs(seconds);
        if delay > MAX_AUTO_ANSWER_DELAY {
            return Err(IncomingError::DelayTooLong { seconds });
        }
        self.auto_answer_delay = delay;
        Ok(self)
    }
}
