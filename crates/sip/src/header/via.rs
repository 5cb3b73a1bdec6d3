//! Via (RFC 3261 §20.42, §18.2.1; `rport` from RFC 3581).

use std::fmt;

use crate::message::ParseError;
use crate::param::{Param, Params};
use crate::syntax::{is_lws, parse_decimal, Cursor};
use crate::uri::{parse_host_port, Host};

/// The transport of a Via (compared case-insensitively, written uppercase).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
    /// SCTP.
    Sctp,
    /// WebSocket (RFC 7118).
    Ws,
    /// Secure WebSocket (RFC 7118).
    Wss,
    /// Any other transport token, uppercased.
    Other(String),
}

impl Transport {
    /// Recognizes a transport token in any case.
    pub fn from_token(token: &str) -> Self {
        const KNOWN: [(&str, Transport); 6] = [
            ("UDP", Transport::Udp),
            ("TCP", Transport::Tcp),
            ("TLS", Transport::Tls),
            ("SCTP", Transport::Sctp),
            ("WS", Transport::Ws),
            ("WSS", Transport::Wss),
        ];
        KNOWN
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(token))
            .map_or_else(|| Transport::Other(token.to_ascii_uppercase()), |(_, t)| t)
    }

    /// The token, uppercase.
    pub fn as_str(&self) -> &str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Sctp => "SCTP",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
            Transport::Other(t) => t,
        }
    }

    /// Whether the transport delivers reliably (everything but UDP).
    pub fn is_reliable(&self) -> bool {
        *self != Transport::Udp
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One Via value: `SIP/2.0/UDP host:port;branch=…;received=…;rport`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Via {
    protocol: String,
    version: String,
    transport: Transport,
    host: Host,
    port: Option<u16>,
    params: Params,
}

/// A `received` value: RFC 3261 writes an IPv6 address bare, many servers bracket it
/// (RFC 5118 §4.5); both are accepted.
fn parse_received(value: &str) -> Option<Host> {
    if let Ok(v6) = value.parse::<std::net::Ipv6Addr>() {
        return Some(Host::Ipv6(v6));
    }
    match Host::parse(value) {
        Ok(host @ (Host::Ipv4(_) | Host::Ipv6(_))) => Some(host),
        _ => None,
    }
}

/// The magic cookie that starts an RFC 3261 branch.
pub const BRANCH_MAGIC_COOKIE: &str = "z9hG4bK";

impl Via {
    /// A `SIP/2.0` Via with a branch.
    pub fn new(transport: Transport, host: Host, port: Option<u16>, branch: &str) -> Self {
        let mut params = Params::new();
        params.set(Param::with_value("branch", branch));
        Self {
            protocol: "SIP".into(),
            version: "2.0".into(),
            transport,
            host,
            port,
            params,
        }
    }

    /// Parses one via-parm. The protocol name and version may be any tokens (a SIP/7.0 Via
    /// parses, so that a 505 can be sent back along it); `received` must be an address,
    /// `ttl` 0 to 255, `maddr` a host and `rport` empty or a port.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut c = Cursor::new(text);
        let err = |d: &'static str, c: &Cursor<'_>| ParseError::value(d, c.pos());
        c.skip_lws();
        let protocol = c
            .expect_token("missing protocol name")
            .map_err(|d| err(d, &c))?;
        if !c.eat_separator(b'/') {
            return Err(err("expected / after protocol name", &c));
        }
        let version = c
            .expect_token("missing protocol version")
            .map_err(|d| err(d, &c))?;
        if !c.eat_separator(b'/') {
            return Err(err("expected / after protocol version", &c));
        }
        let transport = c
            .expect_token("missing transport")
            .map_err(|d| err(d, &c))?;
        if !c.skip_lws() {
            return Err(err("expected white space before sent-by", &c));
        }
        let start = c.pos();
        let host_text = if c.peek() == Some(b'[') {
            let close = c
                .rest()
                .find(']')
                .ok_or(err("unterminated IPv6 reference", &c))?;
            c.reset(start + close + 1);
            c.slice(start, c.pos())
        } else {
            c.take_while(|b| b != b':' && b != b';' && !is_lws(b))
        };
        let (host, _) = parse_host_port(host_text).map_err(|e| e.shifted(start))?;
        let port = if c.eat_separator(b':') {
            let at = c.pos();
            let digits = c.take_while(|b| b.is_ascii_digit());
            Some(parse_decimal(digits, 65535).ok_or(ParseError::value("invalid port", at))? as u16)
        } else {
            None
        };
        let at = c.pos();
        let params = Params::parse_header(&mut c).map_err(|d| ParseError::value(d, at))?;
        c.skip_lws();
        if !c.at_end() {
            return Err(err("junk in Via", &c));
        }
        let via = Self {
            protocol: protocol.to_owned(),
            version: version.to_owned(),
            transport: Transport::from_token(transport),
            host,
            port,
            params,
        };
        via.check_params().map_err(|d| ParseError::value(d, at))?;
        Ok(via)
    }

    fn check_params(&self) -> Result<(), &'static str> {
        if let Some(p) = self.params.get("received") {
            p.value()
                .and_then(parse_received)
                .ok_or("received is not an IP address")?;
        }
        if let Some(p) = self.params.get("ttl") {
            p.value()
                .and_then(|v| parse_decimal(v, 255))
                .ok_or("ttl is not 0-255")?;
        }
        if let Some(p) = self.params.get("maddr") {
            p.value()
                .map(Host::parse)
                .and_then(Result::ok)
                .ok_or("maddr is not a host")?;
        }
        if let Some(p) = self.params.get("rport") {
            if let Some(v) = p.value() {
                parse_decimal(v, 65535).ok_or("rport is not a port")?;
            }
        }
        if self
            .params
            .get("branch")
            .is_some_and(|p| p.value().is_none())
        {
            return Err("branch without a value");
        }
        Ok(())
    }

    /// The protocol name (`SIP`).
    pub fn protocol(&self) -> &str {
        &self.protocol
    }

    /// The protocol version (`2.0`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The transport.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The sent-by host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The sent-by port, if written.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// All parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The parameters, to change (e.g. to add `received`).
    pub fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }

    /// The branch.
    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// Whether the branch starts with the RFC 3261 magic cookie (and has more after it), so
    /// that it identifies the transaction on its own.
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch().is_some_and(|b| {
            b.len() > BRANCH_MAGIC_COOKIE.len() && b.starts_with(BRANCH_MAGIC_COOKIE)
        })
    }

    /// The `received` address.
    pub fn received(&self) -> Option<Host> {
        self.params.value("received").and_then(parse_received)
    }

    /// Whether `rport` is present (with or without a value).
    pub fn has_rport(&self) -> bool {
        self.params.contains("rport")
    }

    /// The `rport` value filled in by the server.
    pub fn rport(&self) -> Option<u16> {
        self.params.value("rport").and_then(|v| v.parse().ok())
    }

    /// The `maddr` host.
    pub fn maddr(&self) -> Option<Host> {
        self.params.value("maddr").and_then(|v| Host::parse(v).ok())
    }

    /// The `ttl`.
    pub fn ttl(&self) -> Option<u8> {
        self.params.value("ttl").and_then(|v| v.parse().ok())
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{} {}",
            self.protocol, self.version, self.transport, self.host
        )?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn via(text: &str) -> Via {
        Via::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn parts() {
        let v = via("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw");
        assert_eq!(v.transport(), &Transport::Udp);
        assert_eq!(v.host(), &Host::Ipv4("192.0.2.2".parse().unwrap()));
        assert_eq!(v.branch(), Some("390skdjuw"));
        assert!(!v.has_rfc3261_branch());
        let v =
            via("SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ");
        assert_eq!(v.branch(), Some("z9hG4bK9ikj8"));
        assert!(v.has_rfc3261_branch());
        let v = via("SIP/2.0/UDP [2001:db8::9]:5070;rport=5071;received=[2001:db8::1];maddr=224.2.0.1;ttl=16");
        assert_eq!(v.port(), Some(5070));
        assert_eq!(
            (v.rport(), v.has_rport(), v.ttl()),
            (Some(5071), true, Some(16))
        );
        assert_eq!(
            v.received(),
            Some(Host::Ipv6("2001:db8::1".parse().unwrap()))
        );
        let v = via("SIP/2.0/tls h.example.com:5061 ; rport;branch=z9hG4bKx");
        assert!(v.has_rport() && v.rport().is_none());
        assert_eq!(v.transport(), &Transport::Tls);
        assert_eq!(
            v.to_string(),
            "SIP/2.0/TLS h.example.com:5061;rport;branch=z9hG4bKx"
        );
        assert_eq!(via("SIP/7.0/UDP c.example.com").version(), "7.0");
        let bare = via("SIP/2.0/UDP h;received=2001:db8::1");
        assert_eq!(
            bare.received(),
            Some(Host::Ipv6("2001:db8::1".parse().unwrap()))
        );
        assert_eq!(
            via("SIP/2.0/UNKNOWN t4.example.com").transport().as_str(),
            "UNKNOWN"
        );
    }

    #[test]
    fn malformed() {
        for bad in [
            "SIP/2.0/UDP 192.0.2.15;;",
            "SIP/2.0/UDP",
            "SIP/2.0 host",
            "SIP/2.0/UDP host;received=example.com",
            "SIP/2.0/UDP host;ttl=300",
            "SIP/2.0/UDP host;rport=x",
            "SIP/2.0/UDP host:70000",
            "SIP/2.0/UDP host junk",
            "SIP/2.0/UDP host;branch",
        ] {
            assert!(Via::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn builds() {
        let v = Via::new(
            Transport::Udp,
            Host::Domain("pc33.example.com".into()),
            Some(5060),
            "z9hG4bK776",
        );
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776"
        );
        assert_eq!(via(&v.to_string()), v);
    }
}
