//! The forwarding settings of an account (P191, P29092-P29094, P139).

use super::reader::{refused, Reader};
use super::SettingsError;
use crate::forwarding::{
    ConditionalForward, ForwardMode, ForwardSettings, ForwardTarget, NoAnswerTimeout,
};

/// Reads the forwarding settings. The tables hold no forward type, so it follows the
/// targets: an unconditional target forwards everything, else busy and no-answer targets
/// make conditional forwarding, else nothing is forwarded. Time-based forwarding has no
/// configuration values and is never read here.
pub(super) fn read(r: &Reader<'_>) -> Result<ForwardSettings, SettingsError> {
    let defaults = ForwardSettings::default();
    let local_call_features = r.flag(
        &r.account_name("featureCodes.callFeatures"),
        defaults.local_call_features,
    )?;
    let unconditional = target(r, "featureCodes.callForwardUnconditionallyTarget")?;
    let busy = target(r, "featureCodes.callForwardBusyTarget")?;
    let no_answer = target(r, "featureCodes.callForwardDelayedTarget")?;
    let timeout_name = r.account_name("featureCodes.delayedCallForwardWaitTime");
    let seconds = r.number(
        &timeout_name,
        NoAnswerTimeout::MIN_SECONDS as i64..=NoAnswerTimeout::MAX_SECONDS as i64,
        NoAnswerTimeout::default().duration().as_secs() as i64,
    )?;
    let no_answer_timeout = NoAnswerTimeout::from_seconds(seconds as u64)
        .map_err(|e| refused(&timeout_name, &seconds.to_string(), e))?;
    let mode = match (unconditional, busy, no_answer) {
        (Some(target), _, _) => ForwardMode::Unconditional(target),
        (None, None, None) => ForwardMode::Off,
        (None, busy, no_answer) => ForwardMode::Conditional(ConditionalForward {
            busy,
            no_answer,
            no_answer_timeout,
            dnd: None,
        }),
    };
    Ok(ForwardSettings {
        local_call_features,
        mode,
    })
}

/// A forward target, `None` when the setting is empty.
fn target(r: &Reader<'_>, alias: &str) -> Result<Option<ForwardTarget>, SettingsError> {
    let name = r.account_name(alias);
    let text = r.string(&name);
    if text.is_empty() {
        return Ok(None);
    }
    ForwardTarget::parse(&text)
        .map(Some)
        .map_err(|e| refused(&name, &text, e))
}
