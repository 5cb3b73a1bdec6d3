//! The per-account Call Log setting: P182 for account 1, P442, P542, P642, P1742 and P1842 for
//! accounts 2 to 6.

use std::fmt;
use std::str::FromStr;

use super::error::CallLogError;

/// Which calls an account keeps in its history, and whether missed ones are announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallLogPolicy {
    /// Keep placed, received and missed calls (code 0, the default).
    #[default]
    LogAll,
    /// Keep placed and received calls; missed calls leave no trace (code 1).
    WithoutMissed,
    /// Keep nothing (code 2).
    Disabled,
    /// Keep every call but never announce a missed one (code 3, WP820 "Don't Prompt Missed
    /// Call").
    NoMissedPrompt,
}

impl CallLogPolicy {
    /// Reads the setting's provisioning text: the code, surrounding blanks ignored.
    pub fn parse(text: &str) -> Result<Self, CallLogError> {
        match text.trim() {
            "0" => Ok(Self::LogAll),
            "1" => Ok(Self::WithoutMissed),
            "2" => Ok(Self::Disabled),
            "3" => Ok(Self::NoMissedPrompt),
            _ => Err(CallLogError::UnknownPolicy {
                value: text.to_owned(),
            }),
        }
    }

    /// The provisioning code this policy is written as.
    pub fn code(self) -> u8 {
        match self {
            Self::LogAll => 0,
            Self::WithoutMissed => 1,
            Self::Disabled => 2,
            Self::NoMissedPrompt => 3,
        }
    }

    /// Whether missed calls are stored at all.
    pub fn keeps_missed(self) -> bool {
        matches!(self, Self::LogAll | Self::NoMissedPrompt)
    }

    /// Whether placed and received calls are stored.
    pub fn keeps_connected(self) -> bool {
        !matches!(self, Self::Disabled)
    }

    /// Whether a stored missed call may light the missed-call indicator.
    pub fn prompts_missed(self) -> bool {
        matches!(self, Self::LogAll)
    }
}

impl FromStr for CallLogPolicy {
    type Err = CallLogError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for CallLogPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}
