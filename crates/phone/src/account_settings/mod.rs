//! One account's call settings, read from the configuration: the settings structs of the
//! media, dialing, incoming and forwarding modules plus the identity and signalling options
//! a call needs.
//!
//! [`read`] takes the store's lookup as a function from a setting name to its text, so this
//! module stays free of the store itself. Names are those the store resolves: account
//! settings as `account.N.<alias>`, phone-wide ones by their global alias. A name the lookup
//! does not know gives the setting's default; a value of the wrong form is an error naming
//! the setting and the value.
//!
//! ```
//! use handset_phone::account_settings;
//!
//! let get = |name: &str| match name {
//!     "account.1.sip.server.1.address" => Some("pbx.example.com".to_owned()),
//!     "account.1.audio.srtpMode" => Some("2".to_owned()),
//!     _ => None,
//! };
//! let settings = account_settings::read(1, &get).unwrap();
//! assert!(settings.dialing.is_some());
//! let bad = |name: &str| (name == "account.1.audio.srtpMode").then(|| "7".to_owned());
//! let error = account_settings::read(1, &bad).unwrap_err();
//! assert!(error.to_string().contains("account.1.audio.srtpMode"));
//! ```

mod dialing;
mod error;
mod forwarding;
mod identity;
mod incoming;
mod media;
mod reader;
mod signalling;

use std::time::Duration;

pub use error::SettingsError;
pub use identity::{HeaderUse, Identity};
pub use media::{MediaPreferences, RtcpReports};
pub use signalling::{DtmfSettings, SessionTimerSettings};

use crate::dialing::DialSettings;
use crate::forwarding::ForwardSettings;
use crate::incoming::AccountSettings;
use reader::Reader;

/// The highest account number the configuration has.
pub const MAX_ACCOUNTS: u8 = 16;

/// Everything the call core needs to know about one account's calls.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSettings {
    /// The 1-based account number.
    pub account: u8,
    /// "Account Active" (P271).
    pub enabled: bool,
    /// User, credentials, display name, domain, caller ID privacy, voicemail.
    pub identity: Identity,
    /// Codecs, SRTP, hold mode, jitter buffer and the rest of the audio settings.
    pub media: MediaPreferences,
    /// DTMF methods.
    pub dtmf: DtmfSettings,
    /// Dial plan and the other outgoing dialing settings; `None` while the account has no
    /// SIP server, as outgoing calls have no domain then.
    pub dialing: Option<DialSettings>,
    /// Caller ID, ring tones, auto answer, intercom, DND response, call waiting.
    pub incoming: AccountSettings,
    /// Call forwarding.
    pub forwarding: ForwardSettings,
    /// "Enable 100rel" (P272): require reliable provisional responses (PRACK, RFC 3262).
    pub reliable_provisional: bool,
    /// Session timers (RFC 4028).
    pub session_timer: SessionTimerSettings,
    /// "Ring Timeout" (P1328): how long an unanswered call rings, 10-3600 s, default 60.
    pub ring_timeout: Duration,
}

/// Reads account `account`'s call settings through `get`, which returns a setting's text by
/// name, or `None` for a name it does not know.
pub fn read(
    account: u8,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<CallSettings, SettingsError> {
    if account == 0 || account > MAX_ACCOUNTS {
        return Err(SettingsError::NoSuchAccount(account));
    }
    let r = Reader::new(account, get);
    let identity = identity::read(&r)?;
    // "SIP Transport" 2 is TLS, which decides SRTP's "follow transport".
    let sip_over_tls = r.code(
        &r.account_name("sip.transport"),
        false,
        "0 (UDP), 1 (TCP) or 2 (TLS)",
        |c| match c {
            0 | 1 => Some(false),
            2 => Some(true),
            _ => None,
        },
    )?;
    Ok(CallSettings {
        account,
        enabled: r.flag(&r.account_name("enable"), false)?,
        media: media::read(&r, sip_over_tls)?,
        dtmf: signalling::dtmf(&r)?,
        dialing: dialing::read(&r, &identity.sip_server)?,
        incoming: incoming::read(&r)?,
        forwarding: forwarding::read(&r)?,
        reliable_provisional: r.flag(&r.account_name("sip.header.100rel"), false)?,
        session_timer: signalling::session_timer(&r)?,
        ring_timeout: Duration::from_secs(r.number(
            &r.account_name("ring.timeout"),
            10..=3600,
            60,
        )? as u64),
        identity,
    })
}

#[cfg(test)]
mod tests;
