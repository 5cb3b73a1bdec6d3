//! Why a call-log value was refused.

use thiserror::Error;

/// A call-log setting or stored value that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CallLogError {
    /// The Call Log setting (P182 and its per-account twins) holds no known code.
    #[error("call log setting: unknown value {value:?} (expected 0, 1, 2 or 3)")]
    UnknownPolicy {
        /// The text given.
        value: String,
    },
    /// A direction name other than `placed`, `received` or `missed`.
    #[error("unknown call direction {value:?}")]
    UnknownDirection {
        /// The text given.
        value: String,
    },
    /// A hand-off name other than `none`, `forwarded` or `transferred`.
    #[error("unknown call hand-off {value:?}")]
    UnknownHandoff {
        /// The text given.
        value: String,
    },
}
