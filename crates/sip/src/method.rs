//! SIP methods (RFC 3261 §7.1 and the extensions a phone meets). Method names are
//! case-sensitive: `invite` is an extension method, not INVITE.

use std::fmt;
use std::str::FromStr;

use crate::message::{ErrorKind, ParseError};
use crate::syntax::is_token;

/// A request method: the known ones as variants, anything else as an extension token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// INVITE (RFC 3261).
    Invite,
    /// ACK (RFC 3261).
    Ack,
    /// BYE (RFC 3261).
    Bye,
    /// CANCEL (RFC 3261).
    Cancel,
    /// REGISTER (RFC 3261).
    Register,
    /// OPTIONS (RFC 3261).
    Options,
    /// INFO (RFC 6086).
    Info,
    /// UPDATE (RFC 3311).
    Update,
    /// PRACK (RFC 3262).
    Prack,
    /// SUBSCRIBE (RFC 6665).
    Subscribe,
    /// NOTIFY (RFC 6665).
    Notify,
    /// REFER (RFC 3515).
    Refer,
    /// MESSAGE (RFC 3428).
    Message,
    /// PUBLISH (RFC 3903).
    Publish,
    /// Any other method token.
    Extension(Box<str>),
}

impl Method {
    /// Parses a method token.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::from_bytes(text.as_bytes())
    }

    /// Parses a method token from bytes.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        Ok(match bytes {
            b"INVITE" => Self::Invite,
            b"ACK" => Self::Ack,
            b"BYE" => Self::Bye,
            b"CANCEL" => Self::Cancel,
            b"REGISTER" => Self::Register,
            b"OPTIONS" => Self::Options,
            b"INFO" => Self::Info,
            b"UPDATE" => Self::Update,
            b"PRACK" => Self::Prack,
            b"SUBSCRIBE" => Self::Subscribe,
            b"NOTIFY" => Self::Notify,
            b"REFER" => Self::Refer,
            b"MESSAGE" => Self::Message,
            b"PUBLISH" => Self::Publish,
            other => match std::str::from_utf8(other) {
                Ok(text) if is_token(text) => Self::Extension(text.into()),
                _ => return Err(ParseError::new(ErrorKind::BadMethod, 0)),
            },
        })
    }

    /// The method name as it is written.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Invite => "INVITE",
            Self::Ack => "ACK",
            Self::Bye => "BYE",
            Self::Cancel => "CANCEL",
            Self::Register => "REGISTER",
            Self::Options => "OPTIONS",
            Self::Info => "INFO",
            Self::Update => "UPDATE",
            Self::Prack => "PRACK",
            Self::Subscribe => "SUBSCRIBE",
            Self::Notify => "NOTIFY",
            Self::Refer => "REFER",
            Self::Message => "MESSAGE",
            Self::Publish => "PUBLISH",
            Self::Extension(name) => name,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_extension_methods() {
        assert_eq!(Method::parse("INVITE").unwrap(), Method::Invite);
        assert_eq!(
            Method::parse("invite").unwrap(),
            Method::Extension("invite".into())
        );
        let odd = "!interesting-Method0123456789_*+`.%indeed'~";
        assert_eq!(Method::parse(odd).unwrap().as_str(), odd);
        assert!(Method::parse("IN VITE").is_err());
        assert!(Method::parse("").is_err());
    }
}
