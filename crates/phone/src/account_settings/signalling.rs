//! Call signalling options: DTMF methods, reliable provisional responses and session
//! timers. P-numbers are those of account 1.

use std::time::Duration;

use handset_sip::dialog::{RefresherPreference, SessionTimerConfig, MIN_SE_FLOOR};

use super::reader::{invalid, Reader};
use super::SettingsError;

/// "Session Expiration" (P260) unless configured, in seconds.
const DEFAULT_EXPIRES: u32 = 180;

/// The longest session interval P260 and P261 accept, in seconds.
const MAX_INTERVAL: i64 = 64_800;

/// How key presses are sent during a call; any combination may be on ("Send DTMF").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfSettings {
    /// As tones in the audio (P2301, default off).
    pub in_audio: bool,
    /// As RFC 4733 telephone-events in RTP (P2302, "RFC2833", default on).
    pub rfc2833: bool,
    /// As SIP INFO requests (P2303, default off).
    pub sip_info: bool,
    /// "DTMF Delay" (P26060): how long each key is sent, 100-250 ms, default 250.
    pub delay: Duration,
}

impl Default for DtmfSettings {
    fn default() -> Self {
        Self {
            in_audio: false,
            rfc2833: true,
            sip_info: false,
            delay: Duration::from_millis(250),
        }
    }
}

/// Session timers (RFC 4028) as the account configures them ("Enable Session Timer").
/// Defaults are the provisioning defaults: off, 180 s asked for, Min-SE 90 s, this phone
/// refreshing the calls it places and the caller refreshing the calls it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTimerSettings {
    /// "Enable Session Timer" (P2395): when off no timer is asked for or kept.
    pub enabled: bool,
    /// "Caller Request Timer" (P262): ask for a timer in our INVITEs.
    pub request_as_caller: bool,
    /// "Callee Request Timer" (P263): ask for one in our answers when the caller did not.
    pub request_as_callee: bool,
    /// "Force INVITE" (P265): refresh with re-INVITE instead of UPDATE.
    pub refresh_with_invite: bool,
    /// The timer options when this phone places the call: the refresher from "UAC Specify
    /// Refresher" (P266), interval and Min-SE from P260 and P261, "Force Timer" (P264).
    pub as_caller: SessionTimerConfig,
    /// The timer options when this phone answers: the refresher from "UAS Specify
    /// Refresher" (P267).
    pub as_callee: SessionTimerConfig,
}

impl Default for SessionTimerSettings {
    fn default() -> Self {
        let base = SessionTimerConfig::default()
            .with_expires(DEFAULT_EXPIRES)
            .with_min_se(MIN_SE_FLOOR);
        Self {
            enabled: false,
            request_as_caller: false,
            request_as_callee: false,
            refresh_with_invite: false,
            as_caller: base.clone().with_refresher(RefresherPreference::Local),
            as_callee: base.with_refresher(RefresherPreference::Remote),
        }
    }
}

impl SessionTimerSettings {
    /// The timer options for a call this phone placed (`caller`) or answered; `None` when
    /// session timers are off.
    pub fn config(&self, caller: bool) -> Option<&SessionTimerConfig> {
        self.enabled.then_some(if caller {
            &self.as_caller
        } else {
            &self.as_callee
        })
    }
}

/// Reads the DTMF methods.
pub(super) fn dtmf(r: &Reader<'_>) -> Result<DtmfSettings, SettingsError> {
    let defaults = DtmfSettings::default();
    let name = |alias: &str| r.account_name(alias);
    Ok(DtmfSettings {
        in_audio: r.flag(&name("dtmf.sendInAudio"), defaults.in_audio)?,
        rfc2833: r.flag(&name("dtmf.sendInRtp"), defaults.rfc2833)?,
        sip_info: r.flag(&name("dtmf.sendInSip"), defaults.sip_info)?,
        delay: Duration::from_millis(r.number(
            &name("dtmf.delay"),
            100..=250,
            defaults.delay.as_millis() as i64,
        )? as u64),
    })
}

/// Reads the session timer settings.
pub(super) fn session_timer(r: &Reader<'_>) -> Result<SessionTimerSettings, SettingsError> {
    let defaults = SessionTimerSettings::default();
    let name = |alias: &str| r.account_name(alias);
    let range = i64::from(MIN_SE_FLOOR)..=MAX_INTERVAL;
    let expires_name = name("sip.sessionTimer.expiration");
    let expires = r.number(
        &expires_name,
        range.clone(),
        i64::from(defaults.as_caller.expires),
    )?;
    let min_se = r.number(
        &name("sip.minimumSE"),
        range,
        i64::from(defaults.as_caller.min_se),
    )?;
    if min_se > expires {
        return Err(invalid(
            &expires_name,
            &expires.to_string(),
            &format!("at least the Minimum SE of {min_se} s"),
        ));
    }
    let base = SessionTimerConfig::default()
        .with_expires(expires as u32)
        .with_min_se(min_se as u32)
        .with_force(r.flag(&name("sip.sessionTimer.force"), defaults.as_caller.force)?);
    // As caller we are the UAC: "UAC" means we refresh, "UAS" the peer, "Omit" leaves it open.
    let as_caller = r.code(
        &name("sip.sessionTimer.refresher.uacSpecify"),
        defaults.as_caller.refresher,
        "0 (omit), 1 (UAC) or 2 (UAS)",
        |c| match c {
            0 => Some(RefresherPreference::Any),
            1 => Some(RefresherPreference::Local),
            2 => Some(RefresherPreference::Remote),
            _ => None,
        },
    )?;
    // As callee we are the UAS: "UAC" means the caller refreshes.
    let as_callee = r.code(
        &name("sip.sessionTimer.refresher.uasSpecify"),
        defaults.as_callee.refresher,
        "1 (UAC) or 2 (UAS)",
        |c| match c {
            1 => Some(RefresherPreference::Remote),
            2 => Some(RefresherPreference::Local),
            _ => None,
        },
    )?;
    Ok(SessionTimerSettings {
        enabled: r.flag(&name("sip.sessionTimer.enable"), defaults.enabled)?,
        request_as_caller: r.flag(
            &name("sip.sessionTimer.requestTimer.caller"),
            defaults.request_as_caller,
        )?,
        request_as_callee: r.flag(
            &name("sip.sessionTimer.requestTimer.callee"),
            defaults.request_as_callee,
        )?,
        refresh_with_invite: r.flag(
            &name("sip.sessionTimer.forceInvite"),
            defaults.refresh_with_invite,
        )?,
        as_caller: base.clone().with_refresher(as_caller),
        as_callee: base.with_refresher(as_callee),
    })
}
