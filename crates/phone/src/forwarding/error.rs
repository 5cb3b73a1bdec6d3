//! Why a forwarding setting or input was refused.

use thiserror::Error;

/// A forwarding value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ForwardError {
    /// A forward target with no text.
    #[error("forward target is empty")]
    EmptyTarget,
    /// A forward target holding characters a number or SIP address cannot carry.
    #[error("forward target {target:?}: {reason}")]
    InvalidTarget {
        /// The target as given.
        target: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A server feature code needs a dialable number, not a SIP address.
    #[error("forward target {target:?} is not a number the server feature code can carry")]
    NotDialable {
        /// The target as given.
        target: String,
    },
    /// The account's own address cannot be read.
    #[error("account address {uri:?}: {reason}")]
    InvalidAccountUri {
        /// The address as given.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A no-answer timeout outside the 1 to 120 seconds of P139.
    #[error("no-answer timeout of {seconds} s is outside 1 to 120 s")]
    TimeoutOutOfRange {
        /// The timeout given.
        seconds: u64,
    },
    /// A time of day that does not exist.
    #[error("time of day {text:?}: {reason}")]
    InvalidTimeOfDay {
        /// The time as given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Office hours that start when they end, so in and out of hours cannot be told apart.
    #[error("office hours start and end at the same time")]
    EmptyOfficeHours,
}
