//! Where a forwarded call goes, and the account's own address it is diverted from.

use std::fmt;

use super::error::ForwardError;

/// A checked forward target: a number or extension (`2001`, `+4930123`, `*98`) or a SIP
/// address (`2001@pbx.example.com`, `sip:bob@example.com`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForwardTarget {
    text: String,
}

impl ForwardTarget {
    /// Checks a target as typed into the settings; surrounding blanks are dropped.
    pub fn parse(text: &str) -> Result<Self, ForwardError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(ForwardError::EmptyTarget);
        }
        let invalid = |reason| ForwardError::InvalidTarget {
            target: text.to_owned(),
            reason,
        };
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("blanks or control characters inside the target"));
        }
        // These would break out of the Contact or Diversion header the target is written into.
        if trimmed
            .chars()
            .any(|c| matches!(c, '<' | '>' | '"' | ',' | ';'))
        {
            return Err(invalid("characters < > \" , ; are not allowed"));
        }
        let without_scheme = strip_scheme(trimmed);
        match without_scheme.split_once('@') {
            Some((user, host)) => {
                if user.is_empty() {
                    return Err(invalid("no user part before '@'"));
                }
                if host.is_empty() || host.contains('@') {
                    return Err(invalid("needs exactly one host after '@'"));
                }
            }
            None if has_scheme(trimmed) => {
                return Err(invalid("a sip: address needs user@host"));
            }
            None if !is_dialable(trimmed) => {
                return Err(invalid(
                    "a number may hold only digits, * and #, with an optional leading +",
                ));
            }
            None => {}
        }
        Ok(Self {
            text: trimmed.to_owned(),
        })
    }

    /// The target as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the target is a plain number the keypad could dial (needed for feature codes).
    pub fn is_number(&self) -> bool {
        is_dialable(&self.text)
    }

    /// The target as a SIP URI; numbers and bare `user@host` go to the account's domain
    /// or the given host with the `sip:` scheme.
    pub fn to_uri(&self, account: &AccountUri) -> String {
        if has_scheme(&self.text) {
            self.text.clone()
        } else if self.text.contains('@') {
            format!("sip:{}", self.text)
        } else {
            format!("sip:{}@{}", self.text, account.domain())
        }
    }
}

impl fmt::Display for ForwardTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The account's own SIP address, `sip:user@domain`, named in the Diversion header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountUri {
    secure: bool,
    user: String,
    domain: String,
}

impl AccountUri {
    /// Reads `sip:user@domain` or `sips:user@domain`; without a scheme `sip:` is assumed.
    pub fn parse(text: &str) -> Result<Self, ForwardError> {
        let invalid = |reason| ForwardError::InvalidAccountUri {
            uri: text.to_owned(),
            reason,
        };
        let trimmed = text.trim();
        let rest = strip_scheme(trimmed);
        let (user, domain) = rest
            .split_once('@')
            .ok_or_else(|| invalid("expected user@domain"))?;
        let bad_char = |part: &str| {
            part.chars().any(|c| {
                c.is_whitespace()
                    || c.is_control()
                    || matches!(c, '<' | '>' | '"' | ',' | ';' | '@')
            })
        };
        if user.is_empty() || domain.is_empty() {
            return Err(invalid("user and domain must both be present"));
        }
        if bad_char(user) || bad_char(domain) {
            return Err(invalid("blanks or characters < > \" , ; @ are not allowed"));
        }
        Ok(Self {
            secure: trimmed
                .get(..5)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("sips:")),
            user: user.to_owned(),
            domain: domain.to_owned(),
        })
    }

    /// The user part (the account's number).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The domain (the SIP server).
    pub fn domain(&self) -> &str {
        &self.domain
    }
}

impl fmt::Display for AccountUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "sips" } else { "sip" };
        write!(f, "{scheme}:{}@{}", self.user, self.domain)
    }
}

fn has_scheme(text: &str) -> bool {
    strip_scheme(text).len() != text.len()
}

fn strip_scheme(text: &str) -> &str {
    for scheme in ["sip:", "sips:"] {
        if let Some(prefix) = text.get(..scheme.len()) {
            if prefix.eq_ignore_ascii_case(scheme) {
                return &text[scheme.len()..];
            }
        }
    }
    text
}

fn is_dialable(text: &str) -> bool {
    let digits = text.strip_prefix('+').unwrap_or(text);
    !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
}
