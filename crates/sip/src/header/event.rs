//! Event and Subscription-State (RFC 6665 §8.2).

use std::fmt;

use crate::message::ParseError;
use crate::param::Params;
use crate::syntax::{is_token_byte, Cursor};

fn token_with_params(text: &str, what: &'static str) -> Result<(String, Params), ParseError> {
    let mut c = Cursor::new(text);
    c.skip_lws();
    let name = c.take_while(is_token_byte);
    if name.is_empty() {
        return Err(ParseError::value(what, c.pos()));
    }
    let at = c.pos();
    let params = Params::parse_header(&mut c).map_err(|d| ParseError::value(d, at))?;
    c.skip_lws();
    if !c.at_end() {
        return Err(ParseError::value("junk after parameters", c.pos()));
    }
    Ok((name.to_owned(), params))
}

/// Event: a package name (with template suffixes such as `presence.winfo`) and an `id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    package: String,
    params: Params,
}

impl Event {
    /// An event package without parameters.
    pub fn new(package: &str) -> Self {
        Self {
            package: package.to_owned(),
            params: Params::new(),
        }
    }

    /// Parses `event-type *(SEMI event-param)`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let (package, params) = token_with_params(text, "missing event package")?;
        Ok(Self { package, params })
    }

    /// The package (compared case-insensitively).
    pub fn package(&self) -> &str {
        &self.package
    }

    /// The `id` parameter.
    pub fn id(&self) -> Option<&str> {
        self.params.value("id")
    }

    /// All parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Whether two Event values name the same subscription: same package, same id (RFC 6665
    /// §8.2.1).
    pub fn matches(&self, other: &Event) -> bool {
        self.package.eq_ignore_ascii_case(&other.package) && self.id() == other.id()
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.package, self.params)
    }
}

/// The state named by Subscription-State.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubscriptionStateValue {
    /// `active`.
    Active,
    /// `pending`.
    Pending,
    /// `terminated`.
    Terminated,
    /// An extension state, lowercased.
    Other(String),
}

/// Subscription-State: the state with `expires`, `reason` and `retry-after`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubscriptionState {
    state: SubscriptionStateValue,
    params: Params,
}

impl SubscriptionState {
    /// Parses `substate-value *(SEMI subexp-params)`; `expires` and `retry-after` must be
    /// numbers of seconds.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let (state, params) = token_with_params(text, "missing subscription state")?;
        let state = match state.to_ascii_lowercase().as_str() {
            "active" => SubscriptionStateValue::Active,
            "pending" => SubscriptionStateValue::Pending,
            "terminated" => SubscriptionStateValue::Terminated,
            other => SubscriptionStateValue::Other(other.to_owned()),
        };
        for name in ["expires", "retry-after"] {
            if let Some(p) = params.get(name) {
                if p.value().and_then(|v| v.parse::<u32>().ok()).is_none() {
                    return Err(ParseError::value(
                        "expires or retry-after is not a number",
                        0,
                    ));
                }
            }
        }
        Ok(Self { state, params })
    }

    /// The state.
    pub fn state(&self) -> &SubscriptionStateValue {
        &self.state
    }

    /// The `expires` parameter, in seconds.
    pub fn expires(&self) -> Option<u32> {
        self.params.value("expires").and_then(|v| v.parse().ok())
    }

    /// The `reason` parameter (`deactivated`, `timeout`, `rejected` …).
    pub fn reason(&self) -> Option<&str> {
        self.params.value("reason")
    }

    /// The `retry-after` parameter, in seconds.
    pub fn retry_after(&self) -> Option<u32> {
        self.params
            .value("retry-after")
            .and_then(|v| v.parse().ok())
    }

    /// All parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }
}

impl fmt::Display for SubscriptionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            SubscriptionStateValue::Active => "active",
            SubscriptionStateValue::Pending => "pending",
            SubscriptionStateValue::Terminated => "terminated",
            SubscriptionStateValue::Other(s) => s,
        };
        write!(f, "{state}{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events() {
        let e = Event::parse("dialog;id=7 ").unwrap();
        assert_eq!((e.package(), e.id()), ("dialog", Some("7")));
        assert!(e.matches(&Event::parse("Dialog;id=7").unwrap()));
        assert!(!e.matches(&Event::parse("dialog").unwrap()));
        assert_eq!(
            Event::parse("presence.winfo").unwrap().package(),
            "presence.winfo"
        );
        assert!(Event::parse("").is_err());
        assert!(Event::parse("a b").is_err());
    }

    #[test]
    fn subscription_states() {
        let s = SubscriptionState::parse("terminated;reason=timeout;retry-after=30").unwrap();
        assert_eq!(s.state(), &SubscriptionStateValue::Terminated);
        assert_eq!((s.reason(), s.retry_after()), (Some("timeout"), Some(30)));
        let s = SubscriptionState::parse("Active ; expires=600").unwrap();
        assert_eq!(
            (s.state(), s.expires()),
            (&SubscriptionStateValue::Active, Some(600))
        );
        assert_eq!(s.to_string(), "active;expires=600");
        assert!(SubscriptionState::parse("active;expires=x").is_err());
    }
}
