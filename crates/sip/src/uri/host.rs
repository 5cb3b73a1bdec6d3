//! Hosts (RFC 3261 §25.1 `host`, `hostport`): domain names, IPv4 addresses and IPv6
//! references.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::message::ParseError;

/// A host: a domain name, an IPv4 address or an IPv6 reference (`[::1]` when written).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name, as written.
    Domain(String),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written in brackets).
    Ipv6(Ipv6Addr),
}

impl Host {
    /// Parses a host: `[IPv6]`, dotted IPv4, or a domain name of letters, digits, `-`, `.`
    /// (and `_`, which real deployments use).
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if let Some(inner) = text.strip_prefix('[') {
            let inner = inner
                .strip_suffix(']')
                .ok_or(ParseError::value("unterminated IPv6 reference", 0))?;
            return inner
                .parse()
                .map(Host::Ipv6)
                .map_err(|_| ParseError::value("invalid IPv6 address", 1));
        }
        if text.is_empty() {
            return Err(ParseError::value("empty host", 0));
        }
        if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            if let Ok(v4) = text.parse() {
                return Ok(Host::Ipv4(v4));
            }
        }
        let valid = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
            && !text.starts_with(['.', '-'])
            && !text.contains("..");
        if valid {
            Ok(Host::Domain(text.to_owned()))
        } else {
            Err(ParseError::value("invalid host", 0))
        }
    }

    /// The IP address, when the host is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Domain(_) => None,
            Host::Ipv4(a) => Some(IpAddr::V4(*a)),
            Host::Ipv6(a) => Some(IpAddr::V6(*a)),
        }
    }

    /// Host comparison: domain names case-insensitively (one trailing dot ignored),
    /// addresses by value; a name never equals an address.
    pub fn equivalent(&self, other: &Host) -> bool {
        match (self, other) {
            (Host::Domain(a), Host::Domain(b)) => a
                .trim_end_matches('.')
                .eq_ignore_ascii_case(b.trim_end_matches('.')),
            _ => self == other,
        }
    }
}

impl From<IpAddr> for Host {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(a) => Host::Ipv4(a),
            IpAddr::V6(a) => Host::Ipv6(a),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(name) => f.write_str(name),
            Host::Ipv4(a) => write!(f, "{a}"),
            Host::Ipv6(a) => write!(f, "[{a}]"),
        }
    }
}

/// Splits `host[:port]` (IPv6 in brackets); `Err` holds a description and an offset.
pub(crate) fn parse_host_port(text: &str) -> Result<(Host, Option<u16>), ParseError> {
    let split = if text.starts_with('[') {
        text.find(']').map(|end| end + 1).unwrap_or(text.len())
    } else {
        text.find(':').unwrap_or(text.len())
    };
    let (host, rest) = text.split_at(split);
    let host = Host::parse(host)?;
    let port = match rest.strip_prefix(':') {
        None if rest.is_empty() => None,
        None => return Err(ParseError::value("junk after host", split)),
        Some(digits) => {
            Some(parse_port(digits).ok_or(ParseError::value("invalid port", split + 1))?)
        }
    };
    Ok((host, port))
}

fn parse_port(digits: &str) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_ports() {
        assert_eq!(
            Host::parse("[::1]").unwrap(),
            Host::Ipv6(Ipv6Addr::LOCALHOST)
        );
        assert_eq!(Host::parse("192.0.2.1").unwrap().to_string(), "192.0.2.1");
        assert!(matches!(
            Host::parse("192.0.2.300").unwrap(),
            Host::Domain(_)
        ));
        for bad in ["", "[::1", "[zz]", "a b", ".a", "a..b", "-a"] {
            assert!(Host::parse(bad).is_err(), "{bad}");
        }
        assert!(Host::parse("Example.COM.")
            .unwrap()
            .equivalent(&Host::parse("example.com").unwrap()));
        assert!(!Host::parse("127.0.0.1")
            .unwrap()
            .equivalent(&Host::parse("localhost").unwrap()));
        assert_eq!(
            parse_host_port("[::1]:5060").unwrap(),
            (Host::Ipv6(Ipv6Addr::LOCALHOST), Some(5060))
        );
        assert!(parse_host_port("h:99999").is_err());
        assert!(parse_host_port("[::1]x").is_err());
    }
}
