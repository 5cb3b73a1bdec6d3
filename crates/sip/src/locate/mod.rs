//! Finding the server to send to (RFC 3263 with the phone's DNS modes), and moving between
//! the servers found when one stops answering.
//!
//! [`Resolution`] is sans-IO: it asks for DNS lookups through [`Resolution::poll_query`], the
//! runtime answers them with [`Resolution::handle_answer`], and when no query is left
//! [`Resolution::targets`] is the ordered list of addresses to try. [`Failover`] walks that list
//! following the account's "DNS SRV failover mode" and "failback expiration".

mod failover;
mod srv;

pub use failover::{Failover, FailoverMode};

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;

/// How an account looks up its server ("DNS mode").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsMode {
    /// A/AAAA records of the host.
    ARecord,
    /// SRV records (`_sip._udp.host`, …), then their targets' addresses.
    Srv,
    /// NAPTR, then SRV, then addresses (RFC 3263 §4.1).
    NaptrSrv,
    /// Look the host up, and use these addresses (primary, backups) when that finds nothing.
    ConfiguredIp(Vec<IpAddr>),
}

/// Transport protocols a target can be reached with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
}

impl TransportKind {
    /// The SRV service label prefix (`_sip._udp`).
    pub fn srv_prefix(self) -> &'static str {
        match self {
            Self::Udp => "_sip._udp",
            Self::Tcp => "_sip._tcp",
            Self::Tls => "_sips._tcp",
        }
    }

    /// The NAPTR service field for this transport.
    pub fn naptr_service(self) -> &'static str {
        match self {
            Self::Udp => "SIP+D2U",
            Self::Tcp => "SIP+D2T",
            Self::Tls => "SIPS+D2T",
        }
    }

    /// The port used when none is given.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Tls => 5061,
            _ => 5060,
        }
    }
}

/// A server as configured: `host`, `host:port`, `[v6]:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerName {
    /// Domain name or IP address literal (without brackets).
    pub host: String,
    /// Port, when given.
    pub port: Option<u16>,
}

/// Why a configured server name is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerNameError {
    /// Nothing configured.
    #[error("no server is configured")]
    Empty,
    /// The port is not a number from 1 to 65535.
    #[error("{0:?} is not a valid port")]
    BadPort(String),
    /// The host has characters no host name has.
    #[error("{0:?} is not a valid host name")]
    BadHost(String),
}

impl ServerName {
    /// Parses the forms the SIP server and outbound proxy settings take, tolerating a `sip:`
    /// or `sips:` prefix.
    pub fn parse(text: &str) -> Result<Self, ServerNameError> {
        let text = text.trim();
        let text = text
            .strip_prefix("sips:")
            .or_else(|| text.strip_prefix("sip:"))
            .unwrap_or(text);
        let text = text.split(';').next().unwrap_or("");
        if text.is_empty() {
            return Err(ServerNameError::Empty);
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| ServerNameError::BadHost(text.to_owned()))?;
            (host, after.strip_prefix(':'))
        } else if text.matches(':').count() > 1 {
            (text, None) // a bare IPv6 address
        } else {
            match text.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (text, None),
            }
        };
        let port = port
            .map(|p| match p.parse::<u16>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(ServerNameError::BadPort(p.to_owned())),
            })
            .transpose()?;
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
        if host.is_empty() || !host.chars().all(valid) {
            return Err(ServerNameError::BadHost(host.to_owned()));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }

    fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

/// A DNS lookup the resolution needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// NAPTR records of a domain.
    Naptr(String),
    /// SRV records of a name such as `_sip._udp.example.com`.
    Srv(String),
    /// A and AAAA records of a host.
    Address(String),
}

/// A NAPTR record (RFC 3403), as far as SIP uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NaptrRecord {
    /// Lower first.
    pub order: u16,
    /// Lower first among equal order.
    pub preference: u16,
    /// `S` for records pointing at SRV names.
    pub flags: String,
    /// `SIP+D2U`, `SIP+D2T`, `SIPS+D2T`, …
    pub service: String,
    /// The SRV name to look up next.
    pub replacement: String,
}

/// An SRV record (RFC 2782).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvRecord {
    /// Lower first.
    pub priority: u16,
    /// Share of traffic among equal priority.
    pub weight: u16,
    /// Port on the target.
    pub port: u16,
    /// Host name of the target.
    pub target: String,
}

/// The runtime's answer to a [`Query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// NAPTR records.
    Naptr(Vec<NaptrRecord>),
    /// SRV records.
    Srv(Vec<SrvRecord>),
    /// Addresses.
    Addresses(Vec<IpAddr>),
    /// The lookup failed or found nothing.
    Nothing,
}

/// One address to send to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Where.
    pub addr: SocketAddr,
    /// With what.
    pub transport: TransportKind,
}

/// Turning a server name into an ordered list of targets.
#[derive(Debug)]
pub struct Resolution {
    name: ServerName,
    mode: DnsMode,
    transport: TransportKind,
    queries: VecDeque<Query>,
    /// Address lookups still to do, with the port each result gets.
    hosts: VecDeque<(String, u16)>,
    waiting: Option<Query>,
    targets: Vec<Target>,
    ttl: Option<Duration>,
    rng: StdRng,
}

impl Resolution {
    /// Starts resolving `name` for `transport`. `seed` drives the weighted SRV choice.
    pub fn new(name: ServerName, mode: DnsMode, transport: TransportKind, seed: u64) -> Self {
        let mut r = Self {
            name,
            mode,
            transport,
            queries: VecDeque::new(),
            hosts: VecDeque::new(),
            waiting: None,
            targets: Vec::new(),
            ttl: None,
            rng: StdRng::seed_from_u64(seed),
        };
        let port = r.name.port.unwrap_or(transport.default_port());
        if let Some(ip) = r.name.ip() {
            // "If TARGET is a numeric IP address, the client uses that address."
            r.push_target(ip, port);
        } else if r.name.port.is_some() {
            // "If no transport protocol is specified, but the TARGET is not numeric, and an
            // explicit port is provided, the client SHOULD use ... an A or AAAA record lookup".
            r.hosts.push_back((r.name.host.clone(), port));
        } else {
            match r.mode {
                DnsMode::ARecord | DnsMode::ConfiguredIp(_) => {
                    r.hosts.push_back((r.name.host.clone(), port))
                }
                DnsMode::Srv => r.queries.push_back(Query::Srv(r.srv_name())),
                DnsMode::NaptrSrv => r.queries.push_back(Query::Naptr(r.name.host.clone())),
            }
        }
        r
    }

    /// The next lookup to make, if any. Answer it before asking again.
    pub fn poll_query(&mut self) -> Option<Query> {
        if self.waiting.is_some() {
            return None;
        }
        let next = self
            .queries
            .pop_front()
            .or_else(|| self.hosts.front().map(|(h, _)| Query::Address(h.clone())))?;
        self.waiting = Some(next.clone());
        Some(next)
    }

    /// Answers the query last returned by [`Self::poll_query`]. `ttl` is the records' time to
    /// live, kept for the "saved one until DNS TTL" failover mode.
    pub fn handle_answer(&mut self, answer: Answer, ttl: Option<Duration>) {
        let Some(query) = self.waiting.take() else {
            return;
        };
        if let Some(t) = ttl {
            self.ttl = Some(self.ttl.map_or(t, |old| old.min(t)));
        }
        match (query, answer) {
            (Query::Naptr(_), Answer::Naptr(records)) => {
                let wanted = self.transport.naptr_service();
                let mut records: Vec<_> = records
                    .into_iter()
                    .filter(|r| r.flags.eq_ignore_ascii_case("s"))
                    .filter(|r| r.service.eq_ignore_ascii_case(wanted))
                    .collect();
                records.sort_by_key(|r| (r.order, r.preference));
                match records.first() {
                    Some(best) => self.queries.push_back(Query::Srv(best.replacement.clone())),
                    // "If no NAPTR records are found, the client constructs SRV queries".
                    None => self.queries.push_back(Query::Srv(self.srv_name())),
                }
            }
            (Query::Naptr(_), _) => self.queries.push_back(Query::Srv(self.srv_name())),
            (Query::Srv(_), Answer::Srv(records)) if !records.is_empty() => {
                for record in srv::order(records, &mut self.rng) {
                    self.hosts.push_back((record.target, record.port));
                }
            }
            (Query::Srv(_), _) => {
                // "If no SRV records were found, the client performs an A or AAAA record
                // lookup of the domain name" with the default port.
                let port = self.transport.default_port();
                self.hosts.push_back((self.name.host.clone(), port));
            }
            (Query::Address(_), answer) => {
                if let Some((_, port)) = self.hosts.pop_front() {
                    if let Answer::Addresses(ips) = answer {
                        for ip in ips {
                            self.push_target(ip, port);
                        }
                    }
                }
                if self.hosts.is_empty() && self.queries.is_empty() && self.targets.is_empty() {
                    self.use_configured_ips();
                }
            }
        }
    }

    /// Whether every lookup is done.
    pub fn is_done(&self) -> bool {
        self.waiting.is_none() && self.queries.is_empty() && self.hosts.is_empty()
    }

    /// The targets found so far, in the order to try them.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The shortest time to live of the records used, when the runtime reported one.
    pub fn ttl(&self) -> Option<Duration> {
        self.ttl
    }

    /// A [`Failover`] over the finished list, valid until `now + ttl`.
    pub fn into_failover(self, now: Instant, mode: FailoverMode, failback: Duration) -> Failover {
        let valid_until = self.ttl.map(|t| now + t);
        Failover::new(self.targets, mode, failback, valid_until)
    }

    fn srv_name(&self) -> String {
        format!("{}.{}", self.transport.srv_prefix(), self.name.host)
    }

    fn push_target(&mut self, ip: IpAddr, port: u16) {
        let target = Target {
            addr: SocketAddr::new(ip, port),
            transport: self.transport,
        };
        if !self.targets.contains(&target) {
            self.targets.push(target);
        }
    }

    fn use_configured_ips(&mut self) {
        if let DnsMode::ConfiguredIp(ips) = &self.mode {
            let port = self.name.port.unwrap_or(self.transport.default_port());
            for ip in ips.clone() {
                self.push_target(ip, port);
            }
        }
    }
}

#[cfg(test)]
mod tests;
