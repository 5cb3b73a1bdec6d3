//! The dialing settings of an account (P290 dial plan, P66 prefix, P72, P85, P2382, P63,
//! P1406).

use super::reader::{refused, Reader};
use super::SettingsError;
use crate::dialing::{BypassSources, DialSettings, KeyAsSend, TelUri};
use crate::dialplan::DialPlan;

/// Reads the dialing settings of an account registered at `domain`; `None` without a domain,
/// as there is nowhere to send a call then.
pub(super) fn read(r: &Reader<'_>, domain: &str) -> Result<Option<DialSettings>, SettingsError> {
    let Ok(mut settings) = DialSettings::new(domain) else {
        return Ok(None);
    };
    let name = |alias: &str| r.account_name(alias);

    let plan_name = name("call.dialplan");
    if let Some(text) = r.text(&plan_name).filter(|t| !t.is_empty()) {
        let plan = DialPlan::parse(&unescape_leading_plus(&text))
            .map_err(|e| refused(&plan_name, &text, e))?;
        settings = settings.dial_plan(plan);
    }

    let prefix_name = name("call.dialplanPrefix");
    let prefix = r.string(&prefix_name);
    settings = settings
        .prefix(&prefix)
        .map_err(|e| refused(&prefix_name, &prefix, e))?;

    let key_name = name("call.keyAsSend");
    if let Some(text) = r.text(&key_name).filter(|t| !t.is_empty()) {
        let key = KeyAsSend::from_pvalue(&text).map_err(|e| refused(&key_name, &text, e))?;
        settings = settings.key_as_send(key);
    }

    let timeout = r.number(
        &name("call.noKeyEntryTimeout"),
        1..=15,
        DialSettings::DEFAULT_NO_KEY_TIMEOUT.as_secs() as i64,
    )?;
    settings = settings
        .no_key_timeout_secs(timeout as u64)
        .map_err(|e| refused(&name("call.noKeyEntryTimeout"), &timeout.to_string(), e))?;

    let bypass_name = name("call.dialplanBypass");
    if let Some(text) = r.text(&bypass_name) {
        let bypass = BypassSources::parse(&text).map_err(|e| refused(&bypass_name, &text, e))?;
        settings = settings.bypass(bypass);
    }

    let tel_name = name("sip.telUri");
    if let Some(text) = r.text(&tel_name).filter(|t| !t.is_empty()) {
        let form = TelUri::from_pvalue(&text).map_err(|e| refused(&tel_name, &text, e))?;
        settings = settings.tel_uri(form);
    }

    // P1406 is phone-wide and says "do not escape", so 1 turns escaping off.
    let no_escape = r.flag("sip.escapeUrl", false)?;
    Ok(Some(settings.escape_pound(!no_escape)))
}

/// The vendor writes a rule's leading plus sign as `\+` (its default plan holds `\+x+`); the
/// dial plan grammar reads a `+` with nothing before it as the plus sign, so the escape is
/// dropped there. A backslash anywhere else is left for the parser to refuse.
fn unescape_leading_plus(plan: &str) -> String {
    let mut out = String::with_capacity(plan.len());
    let mut rule_start = true;
    let mut chars = plan.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && rule_start && chars.peek() == Some(&'+') {
            rule_start = false;
            continue;
        }
        rule_start = matches!(c, '{' | '|' | '^') || c.is_whitespace();
        out.push(c);
    }
    out
}
