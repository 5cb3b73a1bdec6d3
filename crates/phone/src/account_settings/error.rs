//! Why an account's call settings cannot be read.

/// A configuration value the call settings refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// Account numbers run from 1 to 16.
    #[error("account {0} does not exist: accounts are numbered 1 to 16")]
    NoSuchAccount(u8),
    /// A value that is not one of the setting's codes, or a number out of its range.
    #[error("setting {setting} does not accept {value:?}: expected {expected}")]
    Invalid {
        /// The setting as it was asked for (`account.1.audio.srtpMode`, `P8361`).
        setting: String,
        /// The value found.
        value: String,
        /// What the setting takes.
        expected: String,
    },
    /// A value of the right form that the feature using it refuses.
    #[error("setting {setting} value {value:?}: {reason}")]
    Refused {
        /// The setting as it was asked for.
        setting: String,
        /// The value found.
        value: String,
        /// What the feature said.
        reason: String,
    },
}
