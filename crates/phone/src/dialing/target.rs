//! Where a call goes: the request URI built from a dialed number or a direct IP address.

use std::fmt;
use std::net::Ipv4Addr;

/// A call to place: what the user saw and where the INVITE goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialTarget {
    /// The number as the user entered it (without the send key), for the screen and call log.
    pub dialed: String,
    /// The request URI of the call.
    pub uri: RequestUri,
}

/// The URI scheme of a request URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriScheme {
    /// `sip:`.
    Sip,
    /// `tel:` (P63 set to Enabled).
    Tel,
}

/// The host part of a request URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// The account's SIP domain.
    Domain(String),
    /// The address of a direct IP call.
    Ip(Ipv4Addr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(domain) => f.write_str(domain),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// A request URI as structured parts; [`Display`](fmt::Display) gives its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestUri {
    /// `sip:` or `tel:`.
    pub scheme: UriScheme,
    /// The user part (the number), already escaped for a URI; empty for a direct IP call.
    pub user: String,
    /// Where the request goes; a `tel:` URI carries no host, so the text leaves it out.
    pub host: Host,
    /// The port, when one was dialed.
    pub port: Option<u16>,
    /// Whether the `user=phone` parameter is attached (P63 set to User=Phone).
    pub user_phone: bool,
}

impl fmt::Display for RequestUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scheme == UriScheme::Tel {
            return write!(f, "tel:{}", self.user);
        }
        f.write_str("sip:")?;
        if !self.user.is_empty() {
            write!(f, "{}@", self.user)?;
        }
        write!(f, "{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if self.user_phone {
            f.write_str(";user=phone")?;
        }
        Ok(())
    }
}

impl RequestUri {
    /// The URI of a direct IP call: no user part, the dialed address and port.
    pub(super) fn direct(ip: Ipv4Addr, port: Option<u16>) -> Self {
        Self {
            scheme: UriScheme::Sip,
            user: String::new(),
            host: Host::Ip(ip),
            port,
            user_phone: false,
        }
    }
}

/// Escapes a dialed number for a URI user part. Keypad keys other than `#` are legal there
/// as they are; `#` would start a fragment, so RFC 3261 wants it as `%23` unless the
/// account turned escaping off (P1406).
pub(super) fn escape_user(number: &str, escape_pound: bool) -> String {
    if escape_pound {
        number.replace('#', "%23")
    } else {
        number.to_owned()
    }
}

/// Whether keys have the keypad shape of an IP address: four digit groups joined by `*`,
/// optionally followed by `#` and a port (`192*168*1*60#5062`).
pub(super) fn looks_like_keyed_ip(keys: &str) -> bool {
    let (address, port) = match keys.split_once('#') {
        Some((address, port)) => (address, Some(port)),
        None => (keys, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    address.split('*').count() == 4
        && address.split('*').all(all_digits)
        && port.is_none_or(all_digits)
}

/// Reads keys entered for a direct IP call, where `*` stands for `.` and `#` for `:` (the
/// GXP1760W FAQ: `192*168*1*60#5062` is 192.168.1.60 port 5062); `.` and `:` themselves are
/// taken as they are.
pub(super) fn direct_ip_from_keys(keys: &str) -> Option<(Ipv4Addr, Option<u16>)> {
    let text: String = keys
        .chars()
        .map(|key| match key {
            '*' => '.',
            '#' => ':',
            other => other,
        })
        .collect();
    parse_ip_literal(&text)
}

/// Reads `a.b.c.d` or `a.b.c.d:port`; the port must be 1-65535.
pub(super) fn parse_ip_literal(text: &str) -> Option<(Ipv4Addr, Option<u16>)> {
    let (address, port) = match text.split_once(':') {
        Some((address, port)) => (address, Some(port)),
        None => (text, None),
    };
    let ip = address.parse::<Ipv4Addr>().ok()?;
    let port = match port {
        Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => match port.parse::<u16>() {
            Ok(0) | Err(_) => return None,
            Ok(port) => Some(port),
        },
        Some(_) => return None,
        None => None,
    };
    Some((ip, port))
}
