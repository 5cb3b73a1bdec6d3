//! Why incoming-call settings were refused.

use thiserror::Error;

/// A setting value the incoming-call policy cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum IncomingError {
    /// A numeric provisioning code outside the setting's range.
    #[error("setting {setting}: unknown code {code}")]
    UnknownCode {
        /// The setting (P-number) being read.
        setting: &'static str,
        /// The code given.
        code: i32,
    },
    /// A caller-number pattern that cannot be read.
    #[error("caller pattern {pattern:?}: {reason}")]
    BadPattern {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A distinctive ring rule with no text.
    #[error("a ring rule needs a number, pattern or Alert-Info text")]
    EmptyRule,
    /// An auto-answer delay beyond the 10 seconds the setting allows.
    #[error("auto answer delay of {seconds} s exceeds 10 s")]
    DelayTooLong {
        /// The delay given.
        seconds: u64,
    },
}
