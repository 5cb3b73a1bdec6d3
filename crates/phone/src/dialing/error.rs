//! Why a dialing setting or a key cannot be used.

/// A setting value or an input the dialing code refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DialingError {
    /// A key that is not on the keypad (or, in direct IP entry, not part of an address).
    #[error("'{0}' is not a key the phone can dial")]
    InvalidKey(char),
    /// A whole number (from contacts, call history, a key or the API) with nothing in it.
    #[error("the number to dial is empty")]
    EmptyNumber,
    /// Input after the session has already placed or refused its call.
    #[error("this dial session has already finished")]
    Finished,
    /// The account has no SIP domain to send calls to.
    #[error("the account has no SIP domain")]
    EmptyDomain,
    /// The no key entry timeout is outside 1-15 seconds.
    #[error("no key entry timeout must be 1-15 seconds, not {0}")]
    TimeoutOutOfRange(u64),
    /// A numeric setting holds a code the setting does not define.
    #[error("setting {setting} does not accept the value '{value}'")]
    UnknownCode {
        /// The setting, by its P-value name.
        setting: &'static str,
        /// The value given.
        value: String,
    },
}
