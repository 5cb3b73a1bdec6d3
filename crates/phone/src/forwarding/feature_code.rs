//! Server-side forwarding: with local call features off, each forwarding change becomes a
//! feature code the phone dials (GXP1760W FAQ: *72/*73 unconditional, *90/*91 busy,
//! *92/*93 no answer).

use super::error::ForwardError;
use super::target::ForwardTarget;

/// The forward types the server handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerForwardKind {
    /// All calls (P26013 on, P26014 off).
    Unconditional,
    /// Calls while busy (P26009 on, P26010 off).
    Busy,
    /// Calls that ring unanswered (P26011 on, P26012 off).
    NoAnswer,
}

impl ServerForwardKind {
    /// The code that turns this forward type on; the target follows it.
    pub fn enable_code(self) -> &'static str {
        match self {
            Self::Unconditional => "*72",
            Self::Busy => "*90",
            Self::NoAnswer => "*92",
        }
    }

    /// The code that turns this forward type off.
    pub fn disable_code(self) -> &'static str {
        match self {
            Self::Unconditional => "*73",
            Self::Busy => "*91",
            Self::NoAnswer => "*93",
        }
    }
}

/// A forwarding change to pass on to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerForwardChange {
    /// Turn a forward type on, or move it to a new target.
    Enable {
        /// Which forward type.
        kind: ServerForwardKind,
        /// Where calls go; must be a number the keypad can dial.
        target: ForwardTarget,
    },
    /// Turn a forward type off.
    Disable(ServerForwardKind),
}

/// The digits to dial for `change`: the enable code followed by the target, or the disable code
/// alone. SIP-address targets are refused, as a feature code only carries digits.
pub fn feature_code_to_dial(change: &ServerForwardChange) -> Result<String, ForwardError> {
    match change {
        ServerForwardChange::Enable { kind, target } => {
            if !target.is_number() {
                return Err(ForwardError::NotDialable {
                    target: target.as_str().to_owned(),
                });
            }
            Ok(format!("{}{}", kind.enable_code(), target.as_str()))
        }
        ServerForwardChange::Disable(kind) => Ok(kind.disable_code().to_owned()),
    }
}
