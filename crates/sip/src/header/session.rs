//! Headers about dialogs and sessions: Replaces (RFC 3891), Session-Expires and Min-SE
//! (RFC 4028).

use std::fmt;

use crate::message::ParseError;
use crate::param::{Param, Params};
use crate::syntax::{is_word_byte, parse_decimal, Cursor};

/// Replaces: the dialog to replace (Call-ID, to-tag, from-tag) and `early-only`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Replaces {
    call_id: String,
    params: Params,
}

impl Replaces {
    /// A Replaces value for a dialog.
    pub fn new(call_id: &str, to_tag: &str, from_tag: &str) -> Self {
        let mut params = Params::new();
        params.set(Param::with_value("to-tag", to_tag));
        params.set(Param::with_value("from-tag", from_tag));
        Self {
            call_id: call_id.to_owned(),
            params,
        }
    }

    /// Parses `callid *(SEMI replaces-param)`; to-tag and from-tag are required.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut c = Cursor::new(text);
        c.skip_lws();
        let call_id = c.take_while(|b| is_word_byte(b) || b == b'@');
        if super::sequence::parse_call_id(call_id).is_err() {
            return Err(ParseError::value("invalid Call-ID in Replaces", 0));
        }
        let at = c.pos();
        let params = Params::parse_header(&mut c).map_err(|d| ParseError::value(d, at))?;
        c.skip_lws();
        if !c.at_end() {
            return Err(ParseError::value("junk in Replaces", c.pos()));
        }
        if params.value("to-tag").is_none() || params.value("from-tag").is_none() {
            return Err(ParseError::value("Replaces needs to-tag and from-tag", at));
        }
        Ok(Self {
            call_id: call_id.to_owned(),
            params,
        })
    }

    /// The Call-ID of the dialog.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The to-tag.
    pub fn to_tag(&self) -> &str {
        self.params.value("to-tag").unwrap_or_default()
    }

    /// The from-tag.
    pub fn from_tag(&self) -> &str {
        self.params.value("from-tag").unwrap_or_default()
    }

    /// Whether `early-only` is present.
    pub fn early_only(&self) -> bool {
        self.params.contains("early-only")
    }
}

impl fmt::Display for Replaces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.call_id, self.params)
    }
}

/// Who refreshes a session (RFC 4028 `refresher`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refresher {
    /// The caller's side.
    Uac,
    /// The callee's side.
    Uas,
}

/// Session-Expires (seconds and refresher) or Min-SE (seconds only).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionExpires {
    /// The interval in seconds.
    pub seconds: u32,
    params: Params,
}

impl SessionExpires {
    /// An interval with no refresher.
    pub fn new(seconds: u32) -> Self {
        Self {
            seconds,
            params: Params::new(),
        }
    }

    /// Parses `delta-seconds *(SEMI se-params)`; `refresher` must be `uac` or `uas`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut c = Cursor::new(text);
        c.skip_lws();
        let digits = c.take_while(|b| b.is_ascii_digit());
        let seconds = parse_decimal(digits, u64::from(u32::MAX))
            .ok_or(ParseError::value("not a number of seconds", 0))? as u32;
        let at = c.pos();
        let params = Params::parse_header(&mut c).map_err(|d| ParseError::value(d, at))?;
        c.skip_lws();
        if !c.at_end() {
            return Err(ParseError::value("junk after seconds", c.pos()));
        }
        let se = Self { seconds, params };
        if se.params.contains("refresher") && se.refresher().is_none() {
            return Err(ParseError::value("refresher is not uac or uas", at));
        }
        Ok(se)
    }

    /// The refresher, if named.
    pub fn refresher(&self) -> Option<Refresher> {
        match self
            .params
            .value("refresher")?
            .to_ascii_lowercase()
            .as_str()
        {
            "uac" => Some(Refresher::Uac),
            "uas" => Some(Refresher::Uas),
            _ => None,
        }
    }

    /// Sets the refresher.
    pub fn with_refresher(mut self, refresher: Refresher) -> Self {
        let value = match refresher {
            Refresher::Uac => "uac",
            Refresher::Uas => "uas",
        };
        self.params.set(Param::with_value("refresher", value));
        self
    }

    /// All parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }
}

impl fmt::Display for SessionExpires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.seconds, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces() {
        let r =
            Replaces::parse("98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only")
                .unwrap();
        assert_eq!(
            (r.call_id(), r.to_tag(), r.from_tag()),
            ("98732@sip.example.com", "ff87ff", "r33th4x0r")
        );
        assert!(r.early_only());
        assert_eq!(Replaces::parse(&r.to_string()).unwrap(), r);
        assert!(Replaces::parse("abc;to-tag=1").is_err());
        assert_eq!(
            Replaces::new("a@b", "1", "2").to_string(),
            "a@b;to-tag=1;from-tag=2"
        );
    }

    #[test]
    fn session_expires() {
        let s = SessionExpires::parse("1800;refresher=UAS").unwrap();
        assert_eq!((s.seconds, s.refresher()), (1800, Some(Refresher::Uas)));
        assert!(SessionExpires::parse("90;refresher=me").is_err());
        assert!(SessionExpires::parse("x").is_err());
        assert_eq!(
            SessionExpires::new(90)
                .with_refresher(Refresher::Uac)
                .to_string(),
            "90;refresher=uac"
        );
    }
}
