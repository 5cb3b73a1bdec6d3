//! The account settings that shape outgoing dialing, with the vendor's defaults.

use std::time::Duration;

use super::DialingError;
use crate::dialplan::DialPlan;

/// The key that dials what was entered so far (P72 "Key as Send").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAsSend {
    /// Code 0: no key sends; the no key entry timeout or the Send softkey does.
    Disabled,
    /// Code 1, the default: `#` sends.
    #[default]
    Pound,
    /// Code 2: `*` sends.
    Star,
}

impl KeyAsSend {
    /// Reads the P72 code (0, 1 or 2).
    pub fn from_pvalue(value: &str) -> Result<Self, DialingError> {
        match value.trim() {
            "0" => Ok(Self::Disabled),
            "1" => Ok(Self::Pound),
            "2" => Ok(Self::Star),
            _ => Err(unknown("P72", value)),
        }
    }

    /// The key that sends, if any.
    pub fn key(self) -> Option<char> {
        match self {
            Self::Disabled => None,
            Self::Pound => Some('#'),
            Self::Star => Some('*'),
        }
    }
}

/// How a dialed number is put in the request URI (P63 "TEL URI").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TelUri {
    /// Code 0, the default: a plain `sip:` URI.
    #[default]
    Disabled,
    /// Code 1: a `sip:` URI with `;user=phone`, marking the user part as a telephone number.
    UserPhone,
    /// Code 2: a `tel:` URI.
    Enabled,
}

impl TelUri {
    /// Reads the P63 code (0, 1 or 2).
    pub fn from_pvalue(value: &str) -> Result<Self, DialingError> {
        match value.trim() {
            "0" => Ok(Self::Disabled),
            "1" => Ok(Self::UserPhone),
            "2" => Ok(Self::Enabled),
            _ => Err(unknown("P63", value)),
        }
    }
}

/// Where the number being dialed comes from; the Bypass Dial Plan setting names these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialSource {
    /// Keys typed on the dialing page (token `dialing`).
    DialingPage,
    /// A contact from the phonebook (token `contact`).
    Contacts,
    /// The incoming call history (token `incoming`).
    IncomingHistory,
    /// The outgoing call history (token `outgoing`).
    OutgoingHistory,
    /// A multi-purpose key (token `mpk`).
    Mpk,
    /// The call-control API (token `api`).
    Api,
}

impl DialSource {
    /// This source's bit in a [`BypassSources`] set.
    fn bit(self) -> u8 {
        match self {
            Self::DialingPage => 1,
            Self::Contacts => 2,
            Self::IncomingHistory => 4,
            Self::OutgoingHistory => 8,
            Self::Mpk => 16,
            Self::Api => 32,
        }
    }
}

/// The sources whose numbers skip the dial plan (P2382 "Bypass Dial Plan").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BypassSources {
    bits: u8,
}

impl BypassSources {
    /// No source bypasses the plan.
    pub const NONE: Self = Self { bits: 0 };

    /// Reads the setting in either encoding the vendor uses: a comma-separated list of
    /// `contact`, `incoming`, `outgoing`, `dialing`, `mpk`, `api` (empty means none), or the
    /// WP820's sum of 1 (dialing page), 2 (contacts), 4 (incoming history) and 8 (outgoing
    /// history), 0-31; the 16 bit has no documented meaning there and is ignored.
    pub fn parse(text: &str) -> Result<Self, DialingError> {
        let text = text.trim();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return match text.parse::<u8>() {
                Ok(sum) if sum <= 31 => Ok(Self { bits: sum & 0x0f }),
                _ => Err(unknown("P2382", text)),
            };
        }
        let mut set = Self::NONE;
        for token in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let source = match token.to_ascii_lowercase().as_str() {
                "dialing" => DialSource::DialingPage,
                "contact" => DialSource::Contacts,
                "incoming" => DialSource::IncomingHistory,
                "outgoing" => DialSource::OutgoingHistory,
                "mpk" => DialSource::Mpk,
                "api" => DialSource::Api,
                _ => return Err(unknown("P2382", token)),
            };
            set = set.with(source);
        }
        Ok(set)
    }

    /// This set with `source` added.
    pub fn with(self, source: DialSource) -> Self {
        Self {
            bits: self.bits | source.bit(),
        }
    }

    /// Whether numbers from `source` skip the plan.
    pub fn contains(self, source: DialSource) -> bool {
        self.bits & source.bit() != 0
    }
}

impl Default for BypassSources {
    /// The vendor default: only multi-purpose keys bypass the plan.
    fn default() -> Self {
        Self::NONE.with(DialSource::Mpk)
    }
}

/// One account's dialing settings. Built with [`DialSettings::new`] and chained setters;
/// everything but the SIP domain starts at the vendor default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialSettings {
    /// The account's SIP server domain: the host of every call that is not a direct IP call.
    pub(super) domain: String,
    /// P290 "Dial Plan".
    pub(super) dial_plan: DialPlan,
    /// P66 "Dial Plan Prefix": put in front of every number dialed out (not direct IP calls).
    pub(super) prefix: String,
    /// P72 "Key as Send".
    pub(super) key_as_send: KeyAsSend,
    /// P85 "No Key Entry Timeout", 1-15 s, default 4 s.
    pub(super) no_key_timeout: Duration,
    /// P2382 "Bypass Dial Plan".
    pub(super) bypass: BypassSources,
    /// P63 "TEL URI".
    pub(super) tel_uri: TelUri,
    /// Whether `#` goes out as `%23`: the inverse of P1406 "Do not Escape '#' as %23 in SIP
    /// URI", whose default 0 means escape.
    pub(super) escape_pound: bool,
}

impl DialSettings {
    /// The vendor default for the no key entry timeout (P85).
    pub const DEFAULT_NO_KEY_TIMEOUT: Duration = Duration::from_secs(4);

    /// Default settings for an account registered at `domain`.
    pub fn new(domain: &str) -> Result<Self, DialingError> {
        let domain = domain.trim();
        if domain.is_empty() {
            return Err(DialingError::EmptyDomain);
        }
        Ok(Self {
            domain: domain.to_owned(),
            dial_plan: DialPlan::default(),
            prefix: String::new(),
            key_as_send: KeyAsSend::default(),
            no_key_timeout: Self::DEFAULT_NO_KEY_TIMEOUT,
            bypass: BypassSources::default(),
            tel_uri: TelUri::default(),
            escape_pound: true,
        })
    }

    /// Sets the dial plan (P290).
    pub fn dial_plan(mut self, plan: DialPlan) -> Self {
        self.dial_plan = plan;
        self
    }

    /// Sets the dial plan prefix (P66); only keypad keys are accepted.
    pub fn prefix(mut self, prefix: &str) -> Result<Self, DialingError> {
        if let Some(bad) = prefix.chars().find(|c| !super::is_keypad_key(*c)) {
            return Err(DialingError::InvalidKey(bad));
        }
        prefix.clone_into(&mut self.prefix);
        Ok(self)
    }

    /// Sets which key sends (P72).
    pub fn key_as_send(mut self, key: KeyAsSend) -> Self {
        self.key_as_send = key;
        self
    }

    /// Sets the no key entry timeout in seconds (P85, 1-15).
    pub fn no_key_timeout_secs(mut self, secs: u64) -> Result<Self, DialingError> {
        if !(1..=15).contains(&secs) {
            return Err(DialingError::TimeoutOutOfRange(secs));
        }
        self.no_key_timeout = Duration::from_secs(secs);
        Ok(self)
    }

    /// Sets the sources that skip the dial plan (P2382).
    pub fn bypass(mut self, sources: BypassSources) -> Self {
        self.bypass = sources;
        self
    }

    /// Sets the request URI form (P63).
    pub fn tel_uri(mut self, form: TelUri) -> Self {
        self.tel_uri = form;
        self
    }

    /// Sets whether `#` is escaped as `%23` (the inverse of P1406).
    pub fn escape_pound(mut self, escape: bool) -> Self {
        self.escape_pound = escape;
        self
    }
}

/// The error for a code a setting does not define.
fn unknown(setting: &'static str, value: &str) -> DialingError {
    DialingError::UnknownCode {
        setting,
        value: value.to_owned(),
    }
}
