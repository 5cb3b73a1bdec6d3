//! Who is calling: the number and name shown for a new call, and whether the caller hid them.

use handset_sip::header::{parse_privacy, NameAddr};
use handset_sip::uri::Uri;

use super::headers::IncomingHeaders;
use super::settings::CallerIdDisplay;

/// The header the shown identity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentitySource {
    /// P-Asserted-Identity (RFC 3325).
    AssertedIdentity,
    /// Remote-Party-ID.
    RemotePartyId,
    /// From.
    From,
}

/// The caller as the phone shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerId {
    /// The number (or SIP user), visual separators removed; `None` when hidden or unknown.
    pub number: Option<String>,
    /// The display name; `None` when hidden or absent.
    pub name: Option<String>,
    /// The caller asked not to be identified, or the network withheld the identity.
    pub anonymous: bool,
    /// Where the number and name came from; `None` when nothing usable was shown.
    pub source: Option<IdentitySource>,
}

impl CallerId {
    /// The text for the screen: name, else number, else "Anonymous" or "Unavailable".
    pub fn label(&self) -> &str {
        if let Some(text) = self.name.as_deref().or(self.number.as_deref()) {
            text
        } else if self.anonymous {
            "Anonymous"
        } else {
            "Unavailable"
        }
    }
}

/// One identity header, read.
struct Identity {
    number: Option<String>,
    name: Option<String>,
    anonymous: bool,
}

/// Works out the caller from the headers as "Caller ID Display" (P2324) says. A header that
/// does not parse is passed over for the next source.
pub fn caller_id(headers: &IncomingHeaders, display: CallerIdDisplay) -> CallerId {
    let from = headers.from.as_deref().and_then(|v| identity(v, false));
    let asserted = first_identity(&headers.asserted_identity, false);
    let remote_party = first_identity(&headers.remote_party_id, true);
    let privacy_asked = headers
        .privacy
        .as_deref()
        .and_then(|v| parse_privacy(v).ok())
        .is_some_and(|values| {
            values
                .iter()
                .any(|v| matches!(v.as_str(), "id" | "user" | "header"))
        });
    // An anonymous From, a privacy request or a Remote-Party-ID asking to hide the caller
    // each make the call anonymous, whichever header the name is shown from.
    let anonymous = privacy_asked
        || [&from, &asserted, &remote_party]
            .iter()
            .any(|i| i.as_ref().is_some_and(|i| i.anonymous));
    let chosen = match display {
        CallerIdDisplay::Disabled => None,
        CallerIdDisplay::FromHeader => from.map(|i| (IdentitySource::From, i)),
        CallerIdDisplay::Auto => asserted
            .map(|i| (IdentitySource::AssertedIdentity, i))
            .or(remote_party.map(|i| (IdentitySource::RemotePartyId, i)))
            .or(from.map(|i| (IdentitySource::From, i))),
    };
    match chosen {
        Some((source, identity)) if !anonymous => CallerId {
            number: identity.number,
            name: identity.name,
            anonymous,
            source: Some(source),
        },
        _ => CallerId {
            anonymous,
            ..CallerId::default()
        },
    }
}

fn first_identity(values: &[String], remote_party: bool) -> Option<Identity> {
    values.iter().find_map(|v| identity(v, remote_party))
}

/// Reads one name-addr; a Remote-Party-ID also carries `privacy=` (full, name, uri, off).
fn identity(value: &str, remote_party: bool) -> Option<Identity> {
    let address = NameAddr::parse(value).ok()?;
    let rpid_privacy = remote_party
        .then(|| address.params().value("privacy"))
        .flatten()
        .map(str::to_ascii_lowercase);
    let mut name = address
        .display_name()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if rpid_privacy.as_deref() == Some("name") {
        name = None;
    }
    let (user, host) = match address.uri() {
        Uri::Sip(sip) => (sip.user_decoded(), Some(sip.host().to_string())),
        Uri::Tel(tel) => (Some(tel.number().to_owned()), None),
        Uri::Other(_) => (None, None),
    };
    let anonymous = matches!(rpid_privacy.as_deref(), Some("full" | "uri"))
        || user
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case("anonymous"))
        || host
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case("anonymous.invalid"))
        || name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case("anonymous"));
    Some(Identity {
        number: user.map(|u| clean_number(&u)).filter(|n| !n.is_empty()),
        name,
        anonymous,
    })
}

/// Drops URI parameters (`;phone-context=…`) and, from phone numbers, visual separators.
fn clean_number(user: &str) -> String {
    let user = user.split(';').next().unwrap_or("").trim();
    let separator = |c: char| matches!(c, '-' | '.' | '(' | ')' | ' ');
    let phone_like = user
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '*' | '#') || separator(c));
    if phone_like {
        user.chars().filter(|c| !separator(*c)).collect()
    } else {
        user.to_owned()
    }
}
