//! Typed reads of single settings through the caller's lookup function.

use std::ops::RangeInclusive;

use super::SettingsError;

/// Looks settings up by name and turns their text into typed values; an absent name gives
/// the caller's default, a present but malformed value an error naming the setting.
pub(super) struct Reader<'a> {
    account: u8,
    get: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Reader<'a> {
    /// A reader for account `account` (1-based).
    pub(super) fn new(account: u8, get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { account, get }
    }

    /// The name of account setting `alias` for this account: `account.N.<alias>`.
    pub(super) fn account_name(&self, alias: &str) -> String {
        format!("account.{}.{alias}", self.account)
    }

    /// The trimmed text of `name`, `None` when the name is unknown.
    pub(super) fn text(&self, name: &str) -> Option<String> {
        (self.get)(name).map(|v| v.trim().to_owned())
    }

    /// The text of `name` as stored, empty when unknown.
    pub(super) fn untrimmed(&self, name: &str) -> String {
        (self.get)(name).unwrap_or_default()
    }

    /// The trimmed text of `name`, empty when unknown.
    pub(super) fn string(&self, name: &str) -> String {
        self.text(name).unwrap_or_default()
    }

    /// The text of `name` unless unknown or blank (blank numbers mean "not set").
    fn present(&self, name: &str) -> Option<String> {
        self.text(name).filter(|v| !v.is_empty())
    }

    /// A `0`/`1` switch.
    pub(super) fn flag(&self, name: &str, default: bool) -> Result<bool, SettingsError> {
        match self.present(name).as_deref() {
            None => Ok(default),
            Some("0") => Ok(false),
            Some("1") => Ok(true),
            Some(other) => Err(invalid(name, other, "0 or 1")),
        }
    }

    /// A whole number within `range`.
    pub(super) fn number(
        &self,
        name: &str,
        range: RangeInclusive<i64>,
        default: i64,
    ) -> Result<i64, SettingsError> {
        let Some(text) = self.present(name) else {
            return Ok(default);
        };
        match text.parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(invalid(
                name,
                &text,
                &format!("a number from {} to {}", range.start(), range.end()),
            )),
        }
    }

    /// A coded choice: `decode` maps each code the setting defines, `expected` lists them.
    pub(super) fn code<T>(
        &self,
        name: &str,
        default: T,
        expected: &str,
        decode: impl Fn(i64) -> Option<T>,
    ) -> Result<T, SettingsError> {
        let Some(text) = self.present(name) else {
            return Ok(default);
        };
        text.parse::<i64>()
            .ok()
            .and_then(decode)
            .ok_or_else(|| invalid(name, &text, expected))
    }
}

/// The error for a value outside what `name` takes.
pub(super) fn invalid(name: &str, value: &str, expected: &str) -> SettingsError {
    SettingsError::Invalid {
        setting: name.to_owned(),
        value: value.to_owned(),
        expected: expected.to_owned(),
    }
}

/// The error for a value the feature itself refuses.
pub(super) fn refused(name: &str, value: &str, reason: impl ToString) -> SettingsError {
    SettingsError::Refused {
        setting: name.to_owned(),
        value: value.to_owned(),
        reason: reason.to_string(),
    }
}
