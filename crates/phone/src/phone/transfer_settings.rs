//! An account's transfer settings, read from the configuration.

use std::time::Duration;

/// The shortest and longest "Blind Transfer Wait Timeout" (P26070).
const WAIT_TIMEOUT_RANGE: (u64, u64) = (30, 300);

/// An account's transfer settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferSettings {
    /// How long a blind transfer waits for the sipfrag of the outcome ("Blind Transfer Wait
    /// Timeout", P26070: 30 s by default, 30 to 300).
    pub wait_timeout: Duration,
    /// A failed blind transfer gives the call back to the user (resumed); without it the call
    /// ends ("Disable Recovery on Blind Transfer", P2384, 0 by default: recovery on).
    pub recovery: bool,
    /// An attended transfer names the target by its Contact rather than its address of
    /// record ("Refer-To Use Target Contact", P135, off by default).
    pub refer_to_use_target_contact: bool,
    /// An attended transfer holds the transfer target too before completing ("Hold Call In
    /// Transfer", P8466, off by default); the call being transferred is always held.
    pub hold_target: bool,
}

impl Default for TransferSettings {
    fn default() -> Self {
        Self {
            wait_timeout: Duration::from_secs(WAIT_TIMEOUT_RANGE.0),
            recovery: true,
            refer_to_use_target_contact: false,
            hold_target: false,
        }
    }
}

impl TransferSettings {
    /// Sets the wait timeout in seconds, kept within 30 to 300.
    pub fn with_wait_timeout_secs(mut self, seconds: u64) -> Self {
        let (low, high) = WAIT_TIMEOUT_RANGE;
        self.wait_timeout = Duration::from_secs(seconds.clamp(low, high));
        self
    }

    /// Reads account `account`'s settings through `get` (a value by its setting name); a
    /// missing or unreadable value keeps its default.
    pub fn read(account: u8, get: &dyn Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str| get(name).and_then(|v| v.trim().parse::<u64>().ok());
        let flag = |name: &str| number(name).map(|v| v == 1);
        let account_name = |alias: &str| format!("account.{account}.call.{alias}");
        let mut settings = Self::default();
        if let Some(seconds) = number(&account_name("blindTransferTimeout")) {
            settings = settings.with_wait_timeout_secs(seconds);
        }
        if let Some(disabled) = flag(&account_name("recoveryOnBlindTransfer")) {
            // The setting is worded "Disable Recovery": 1 turns recovery off.
            settings.recovery = !disabled;
        }
        if let Some(contact) = flag(&account_name("referToUseTargetContact")) {
            settings.refer_to_use_target_contact = contact;
        }
        if let Some(hold) = flag("call.transfer.holdCall.enable") {
            settings.hold_target = hold;
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_and_bad_ones_keep_the_default() {
        let get = |name: &str| match name {
            "account.2.call.blindTransferTimeout" => Some("500".to_owned()),
            "account.2.call.recoveryOnBlindTransfer" => Some("1".to_owned()),
            "account.2.call.referToUseTargetContact" => Some("yes".to_owned()),
            "call.transfer.holdCall.enable" => Some(" 1 ".to_owned()),
            _ => None,
        };
        let settings = TransferSettings::read(2, &get);
        assert_eq!(settings.wait_timeout, Duration::from_secs(300));
        assert!(!settings.recovery);
        assert!(!settings.refer_to_use_target_contact);
        assert!(settings.hold_target);
        // The hold setting is the phone's, the others each account's.
        let first = TransferSettings::read(1, &get);
        assert_eq!(
            first,
            TransferSettings {
                hold_target: true,
                ..TransferSettings::default()
            }
        );
    }
}
