//! DNS lookups for SIP server location: the runtime side of [`handset_sip::locate`].
//!
//! [`DnsResolver`] answers the [`Query`]s a [`handset_sip::locate::Resolution`] asks with
//! hickory-resolver. Positive answers are cached by hickory for their TTL; failures are kept in
//! a failure cache of their own so that registration retries do not hammer a dead domain.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use handset_config::ConfigStore;
use handset_sip::locate::{Answer, NaptrRecord, Query, SrvRecord};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;

/// How long one DNS request waits for a server before trying again.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// How many times a request is sent before the lookup fails.
pub const REQUEST_ATTEMPTS: usize = 2;
/// The port name servers listen on.
const DNS_PORT: u16 = 53;

/// Why a [`DnsResolver`] cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DnsError {
    /// No name server is configured and the system's (`/etc/resolv.conf`) cannot be read.
    #[error("no DNS server is configured and the system configuration cannot be read: {0}")]
    SystemConfig(#[source] NetError),
    /// hickory refused the configuration.
    #[error("the DNS resolver cannot be set up: {0}")]
    Setup(#[source] NetError),
}

/// Answers the SIP core's DNS queries with hickory-resolver.
#[derive(Clone)]
pub struct DnsResolver {
    inner: Arc<Inner>,
}

struct Inner {
    resolver: TokioResolver,
    failure_cache: Duration,
    /// Queries that failed or found nothing, with the moment they may be asked again.
    failures: Mutex<HashMap<FailureKey, Instant>>,
}

/// A query as the failure cache keys it (names compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FailureKey {
    Address(String),
    Srv(String),
    Naptr(String),
}

impl FailureKey {
    fn of(query: &Query) -> Self {
        match query {
            Query::Address(name) => Self::Address(name.to_ascii_lowercase()),
            Query::Srv(name) => Self::Srv(name.to_ascii_lowercase()),
            Query::Naptr(name) => Self::Naptr(name.to_ascii_lowercase()),
        }
    }
}

impl std::fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsResolver")
            .field("failure_cache", &self.inner.failure_cache)
            .finish_non_exhaustive()
    }
}

impl DnsResolver {
    /// Uses `servers` (UDP+TCP, port included) when not empty, else the system configuration
    /// (/etc/resolv.conf); if that cannot be read, fall back to a clear error.
    pub fn new(servers: &[SocketAddr], failure_cache: Duration) -> Result<Self, DnsError> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = if servers.is_empty() {
            TokioResolver::builder(provider).map_err(DnsError::SystemConfig)?
        } else {
            let name_servers = servers.iter().map(|s| name_server(*s)).collect();
            let config = ResolverConfig::from_name_servers(name_servers);
            TokioResolver::builder_with_config(config, provider)
        };
        tune(builder.options_mut(), failure_cache);
        let resolver = builder.build().map_err(DnsError::Setup)?;
        Ok(Self {
            inner: Arc::new(Inner {
                resolver,
                failure_cache,
                failures: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Answers one query; lookups failing or finding nothing give `Answer::Nothing`.
    /// The TTL returned is the smallest record TTL of the answer.
    pub async fn answer(&self, query: &Query) -> (Answer, Option<Duration>) {
        let key = FailureKey::of(query);
        if self.recently_failed(&key) {
            tracing::debug!(?query, "DNS query answered from the failure cache: nothing");
            return (Answer::Nothing, None);
        }
        let (answer, ttl) = match query {
            Query::Address(host) => self.addresses(host).await,
            Query::Srv(name) => self.srv(name).await,
            Query::Naptr(domain) => self.naptr(domain).await,
        };
        if answer == Answer::Nothing {
            self.remember_failure(key);
        }
        tracing::debug!(?query, ?answer, ?ttl, "DNS answer");
        (answer, ttl)
    }

    async fn addresses(&self, host: &str) -> (Answer, Option<Duration>) {
        let (v4, v6) = tokio::join!(
            self.lookup(host, RecordType::A),
            self.lookup(host, RecordType::AAAA)
        );
        let mut ips = Vec::new();
        let mut ttl = None;
        // IPv4 first: most SIP servers and networks are still reached over IPv4.
        for lookup in [v4, v6].iter().flatten() {
            let before = ips.len();
            for record in lookup.answers() {
                let ip = match &record.data {
                    RData::A(a) => IpAddr::V4(a.0),
                    RData::AAAA(aaaa) => IpAddr::V6(aaaa.0),
                    _ => continue,
                };
                if !ips.contains(&ip) {
                    ips.push(ip);
                }
            }
            if ips.len() > before {
                ttl = shorter(ttl, answer_ttl(lookup));
            }
        }
        if ips.is_empty() {
            return (Answer::Nothing, None);
        }
        (Answer::Addresses(ips), ttl)
    }

    async fn srv(&self, name: &str) -> (Answer, Option<Duration>) {
        let Some(lookup) = self.lookup(name, RecordType::SRV).await else {
            return (Answer::Nothing, None);
        };
        let mut records = Vec::new();
        for record in lookup.answers() {
            let RData::SRV(srv) = &record.data else {
                continue;
            };
            // A target of "." says the service is decidedly not available there.
            if srv.target.is_root() {
                continue;
            }
            records.push(SrvRecord {
                priority: srv.priority,
                weight: srv.weight,
                port: srv.port,
                target: name_text(&srv.target),
            });
        }
        if records.is_empty() {
            return (Answer::Nothing, None);
        }
        (Answer::Srv(records), answer_ttl(&lookup))
    }

    async fn naptr(&self, domain: &str) -> (Answer, Option<Duration>) {
        let Some(lookup) = self.lookup(domain, RecordType::NAPTR).await else {
            return (Answer::Nothing, None);
        };
        let mut records = Vec::new();
        for record in lookup.answers() {
            let RData::NAPTR(naptr) = &record.data else {
                continue;
            };
            records.push(NaptrRecord {
                order: naptr.order,
                preference: naptr.preference,
                flags: String::from_utf8_lossy(&naptr.flags).into_owned(),
                service: String::from_utf8_lossy(&naptr.services).into_owned(),
                replacement: name_text(&naptr.replacement),
            });
        }
        if records.is_empty() {
            return (Answer::Nothing, None);
        }
        (Answer::Naptr(records), answer_ttl(&lookup))
    }

    /// One hickory lookup; `None` when it failed or the name is not a DNS name.
    async fn lookup(&self, name: &str, record_type: RecordType) -> Option<Lookup> {
        let name = match query_name(name) {
            Ok(name) => name,
            Err(error) => {
                tracing::debug!(name, %error, "not a DNS name");
                return None;
            }
        };
        match self.inner.resolver.lookup(name, record_type).await {
            Ok(lookup) => Some(lookup),
            Err(error) => {
                tracing::debug!(%record_type, %error, "DNS lookup failed");
                None
            }
        }
    }

    fn recently_failed(&self, key: &FailureKey) -> bool {
        let Ok(mut failures) = self.inner.failures.lock() else {
            return false;
        };
        match failures.get(key) {
            Some(until) if *until > Instant::now() => true,
            Some(_) => {
                failures.remove(key);
                false
            }
            None => false,
        }
    }

    fn remember_failure(&self, key: FailureKey) {
        if self.inner.failure_cache.is_zero() {
            return;
        }
        let Ok(mut failures) = self.inner.failures.lock() else {
            return;
        };
        let now = Instant::now();
        // Forget expired entries here so the map never outgrows the names in use.
        failures.retain(|_, until| *until > now);
        failures.insert(key, now + self.inner.failure_cache);
    }
}

/// The name servers the configuration asks for: "Preferred DNS server" (P92–P95, alias
/// network.dns.preferred.ip.1..4) when not 0.0.0.0, then the static DNS 1/2 (P21–P28,
/// network.dns.1.ip.1..4, network.dns.2.ip.1..4) when the static IP mode is configured
/// (P8 `network.port.eth.1.type` = 1, "Static IP"), all on port 53.
pub fn configured_servers(store: &ConfigStore) -> Vec<SocketAddr> {
    let mut servers = Vec::new();
    let mut push = |ip: Option<Ipv4Addr>| {
        if let Some(ip) = ip.filter(|ip| !ip.is_unspecified()) {
            let server = SocketAddr::new(IpAddr::V4(ip), DNS_PORT);
            if !servers.contains(&server) {
                servers.push(server);
            }
        }
    };
    push(octets(store, "network.dns.preferred.ip"));
    if store.get_by_name("network.port.eth.1.type") == Ok("1") {
        push(octets(store, "network.dns.1.ip"));
        push(octets(store, "network.dns.2.ip"));
    }
    servers
}

/// An IPv4 address kept as four settings `PREFIX.1` to `PREFIX.4`.
fn octets(store: &ConfigStore, prefix: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    for (i, octet) in octets.iter_mut().enumerate() {
        let value = store.get_by_name(&format!("{prefix}.{}", i + 1)).ok()?;
        *octet = value.trim().parse().ok()?;
    }
    Some(Ipv4Addr::from(octets))
}

fn name_server(addr: SocketAddr) -> NameServerConfig {
    let mut udp = ConnectionConfig::udp();
    udp.port = addr.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = addr.port();
    NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
}

fn tune(options: &mut ResolverOpts, failure_cache: Duration) {
    options.timeout = REQUEST_TIMEOUT;
    options.attempts = REQUEST_ATTEMPTS;
    // Our failure cache decides how long a failure lasts; hickory's must not outlive it.
    options.negative_max_ttl = Some(failure_cache);
}

/// The name to ask for: a name with dots is taken as fully qualified, so no search domain is
/// tried for it.
fn query_name(text: &str) -> Result<Name, String> {
    let text = text.trim();
    let fqdn = if text.contains('.') && !text.ends_with('.') {
        format!("{text}.")
    } else {
        text.to_owned()
    };
    Name::from_ascii(&fqdn).map_err(|e| e.to_string())
}

/// A domain name as the SIP core writes it: no trailing dot.
fn name_text(name: &Name) -> String {
    let text = name.to_ascii();
    text.strip_suffix('.').unwrap_or(&text).to_owned()
}

/// The smallest TTL of a lookup's answer records, CNAMEs leading to them included: the answer
/// holds only as long as every link of it does.
fn answer_ttl(lookup: &Lookup) -> Option<Duration> {
    lookup
        .answers()
        .iter()
        .map(|record| Duration::from_secs(u64::from(record.ttl)))
        .min()
}

fn shorter(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_dots_are_fully_qualified() {
        assert!(query_name("sip.example.com").unwrap().is_fqdn());
        assert!(query_name("sip.example.com.").unwrap().is_fqdn());
        assert!(!query_name("pbx").unwrap().is_fqdn());
        assert_eq!(
            name_text(&query_name("Sip.Example.com").unwrap()),
            "Sip.Example.com"
        );
    }

    #[test]
    fn the_shorter_ttl_wins() {
        let (one, two) = (Some(Duration::from_secs(1)), Some(Duration::from_secs(2)));
        assert_eq!(shorter(one, two), one);
        assert_eq!(shorter(two, one), one);
        assert_eq!(shorter(None, two), two);
        assert_eq!(shorter(two, None), two);
        assert_eq!(shorter(None, None), None);
    }

    #[test]
    fn explicit_servers_need_no_runtime_or_system_configuration() {
        let resolver =
            DnsResolver::new(&["127.0.0.1:5353".parse().unwrap()], Duration::from_secs(1));
        assert!(resolver.is_ok());
    }

    /// Account tasks share one resolver across threads; this fails to compile if that breaks.
    #[test]
    fn the_resolver_is_shared_across_tasks() {
        fn shareable<T: Send + Sync + Clone + 'static>() {}
        shareable::<DnsResolver>();
    }
}
