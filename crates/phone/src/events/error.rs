//! Why event input was refused.

use thiserror::Error;

/// Device or settings input the event model cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EventError {
    /// A MAC address that is not six hexadecimal bytes.
    #[error("MAC address {text:?}: {reason}")]
    InvalidMac {
        /// The address as given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An on/off setting holding something other than 0 or 1.
    #[error("setting {setting} is {value:?}, expected 0 or 1")]
    NotASwitch {
        /// The P-number read.
        setting: &'static str,
        /// The value found.
        value: String,
    },
}
