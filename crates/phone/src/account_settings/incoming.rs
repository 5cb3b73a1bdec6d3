//! The settings that decide how the account receives a call: caller ID, ring tones, auto
//! answer, intercom, DND response and call waiting. P-numbers are those of account 1.

use std::time::Duration;

use super::reader::{invalid, refused, Reader};
use super::SettingsError;
use crate::incoming::{
    AccountSettings, AutoAnswerMode, CallerIdDisplay, CallerPattern, RefuseCode, RingRule,
    Ringtone, MAX_AUTO_ANSWER_DELAY,
};

/// The "Matching Incoming Caller ID" rules of an account (P1488/P1489 … P26096/P26097).
const RING_RULES: u8 = 10;

/// Reads the incoming call settings. The DND state and the blacklist are not configuration
/// values (the DND key and the phonebook own them), so they keep their defaults.
pub(super) fn read(r: &Reader<'_>) -> Result<AccountSettings, SettingsError> {
    let name = |alias: &str| r.account_name(alias);
    let defaults = AccountSettings::default();
    Ok(AccountSettings {
        caller_id_display: r.code(
            &name("sip.callerIdDisplay"),
            defaults.caller_id_display,
            "0 (auto), 1 (disabled) or 2 (From header)",
            |c| CallerIdDisplay::from_code(i32::try_from(c).ok()?).ok(),
        )?,
        reject_anonymous: r.flag(&name("call.rejectAnonymousCall"), defaults.reject_anonymous)?,
        refuse_code: refuse_code(r, "sip.returnCode.callReject", defaults.refuse_code)?,
        ringtone: r.code(
            &name("ring.ringtone"),
            defaults.ringtone,
            "0 (system), 1-3 (custom), 4 (silent) or 5 (default)",
            // The account tone has no "no ring tone" choice; only matching rules do.
            |c| match c {
                0..=5 => Ringtone::from_code(c as i32).ok(),
                _ => None,
            },
        )?,
        ring_rules: ring_rules(r)?,
        ignore_alert_info: r.flag(&name("ring.ignoreSipAlertInfo"), defaults.ignore_alert_info)?,
        auto_answer: r.code(
            &name("call.autoAnswer"),
            defaults.auto_answer,
            "0 (off), 1 (all calls) or 2 (intercom and paging only)",
            |c| AutoAnswerMode::from_code(i32::try_from(c).ok()?).ok(),
        )?,
        auto_answer_numbers: auto_answer_numbers(r)?,
        auto_answer_delay: Duration::from_secs(r.number(
            "call.autoAnswerDelay.value",
            0..=MAX_AUTO_ANSWER_DELAY.as_secs() as i64,
            defaults.auto_answer_delay.as_secs() as i64,
        )? as u64),
        allow_intercom_auto_answer: r.flag(
            &name("intercom.allowAutoAnswer"),
            defaults.allow_intercom_auto_answer,
        )?,
        custom_intercom_marker: Some(r.string(&name("intercom.customCallInfoForAutoAnswer")))
            .filter(|m| !m.is_empty()),
        intercom_warning_tone: r.flag(
            &name("intercom.playWarningToneForAutoAnswer"),
            defaults.intercom_warning_tone,
        )?,
        mute_on_intercom_answer: r.flag(
            &name("intercom.muteOnAnswerIntercom"),
            defaults.mute_on_intercom_answer,
        )?,
        dnd_code: refuse_code(r, "sip.returnCode.dnd", defaults.dnd_code)?,
        disable_call_waiting: call_waiting_disabled(r, defaults.disable_call_waiting)?,
        // P186 says "disable" with 1, like P91.
        disable_call_waiting_tone: r.flag(
            "call.callWaiting.enableTone",
            defaults.disable_call_waiting_tone,
        )?,
        ..defaults
    })
}

/// A phone-wide refusal response code (P8360, P8361).
fn refuse_code(
    r: &Reader<'_>,
    setting: &str,
    default: RefuseCode,
) -> Result<RefuseCode, SettingsError> {
    r.code(
        setting,
        default,
        "0 (486), 1 (480), 2 (404) or 3 (603)",
        |c| RefuseCode::from_code(i32::try_from(c).ok()?).ok(),
    )
}

/// The distinctive ring rules that have a caller ID or Alert-Info text set.
fn ring_rules(r: &Reader<'_>) -> Result<Vec<RingRule>, SettingsError> {
    let mut rules = Vec::new();
    for n in 1..=RING_RULES {
        let rule_name = r.account_name(&format!("ring.match.{n}.callerId"));
        let rule = r.string(&rule_name);
        if rule.is_empty() {
            continue;
        }
        let tone_name = r.account_name(&format!("ring.match.{n}.ringtone"));
        let code = r.number(&tone_name, -1..=5, 5)? as i32;
        let tone =
            Ringtone::from_code(code).map_err(|e| refused(&tone_name, &code.to_string(), e))?;
        rules.push(RingRule::parse(&rule, tone).map_err(|e| refused(&rule_name, &rule, e))?);
    }
    Ok(rules)
}

/// "Auto Answer Numbers" (P29064): up to ten numbers or patterns, separated by commas,
/// semicolons or blanks.
fn auto_answer_numbers(r: &Reader<'_>) -> Result<Vec<CallerPattern>, SettingsError> {
    let setting = r.account_name("call.autoAnswerNumber");
    let text = r.string(&setting);
    let parts: Vec<&str> = text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() > 10 {
        return Err(invalid(&setting, &text, "at most 10 numbers"));
    }
    parts
        .into_iter()
        .map(|p| CallerPattern::parse(p).map_err(|e| refused(&setting, p, e)))
        .collect()
}

/// Call waiting: the account's P26063 (0 follow the phone, 1 allow, 2 disable) over the
/// phone-wide P91 (1 disables).
fn call_waiting_disabled(r: &Reader<'_>, default: bool) -> Result<bool, SettingsError> {
    let account = r.code(
        &r.account_name("call.callWaiting"),
        None,
        "0 (phone setting), 1 (call waiting on) or 2 (call waiting off)",
        |c| match c {
            0 => Some(None),
            1 => Some(Some(false)),
            2 => Some(Some(true)),
            _ => None,
        },
    )?;
    match account {
        Some(disabled) => Ok(disabled),
        None => r.flag("call.callWaiting.enable", default),
    }
}
