//! One account's signalling settings, read from the configuration store.

use std::net::IpAddr;
use std::time::Duration;

use handset_config::ConfigStore;
use handset_sip::account::{AccountConfig, ProxyMode};
use handset_sip::auth::Credentials;
use handset_sip::keepalive::NatPacket;
use handset_sip::locate::{DnsMode, FailoverMode, ServerName, ServerNameError, TransportKind};
use handset_sip::registration::{RegistrationConfig, UnregisterMode};
use handset_sip::transaction::TimerConfig;
use sha2::{Digest, Sha256};

use super::transport::{ClientCertificate, TlsSettings, TlsVersion, TransportSettings};

/// What an account needs to run its signalling, read from `account.N.…` and the global
/// network and security settings.
#[derive(Clone)]
pub struct AccountSettings {
    /// 1-based account number.
    pub account: u8,
    /// The signalling core's configuration.
    pub config: AccountConfig,
    /// Sockets: DSCP, listeners, TLS.
    pub transport: TransportSettings,
}

impl PartialEq for AccountSettings {
    fn eq(&self, other: &Self) -> bool {
        // The core's configuration has no equality of its own: its Debug form (with the
        // password's digest standing in for the password) is compared instead.
        self.account == other.account
            && format!("{:?}", self.config) == format!("{:?}", other.config)
            && self.config.registration.credentials == other.config.registration.credentials
            && format!("{:?}", self.transport) == format!("{:?}", other.transport)
            && client_certificate_text(&self.transport) == client_certificate_text(&other.transport)
    }
}

/// The client certificate's texts, which its Debug form leaves out.
fn client_certificate_text(transport: &TransportSettings) -> Option<(&str, &str, Option<&str>)> {
    transport.tls.client_certificate.as_ref().map(|c| {
        (
            c.chain_pem.as_str(),
            c.key_pem.as_str(),
            c.key_password.as_deref(),
        )
    })
}

impl std::fmt::Debug for AccountSettings {
    // The core's Debug already hides the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.config;
        f.debug_struct("AccountSettings")
            .field("account", &self.account)
            .field("user_id", &c.user_id)
            .field("servers", &c.servers)
            .field("proxies", &c.proxies)
            .field("proxy_mode", &c.proxy_mode)
            .field("dns_mode", &c.dns_mode)
            .field("transport", &c.transport)
            .field("failover_mode", &c.failover_mode)
            .field("register", &c.register)
            .field("expires", &c.registration.expires)
            .finish_non_exhaustive()
    }
}

/// Why an account does not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inactive {
    /// `account.N.enable` is off.
    Disabled,
    /// No SIP server or no user id.
    Incomplete,
    /// A server or proxy setting is unusable.
    BadServer {
        /// Which setting.
        setting: String,
        /// Why.
        error: ServerNameError,
    },
}

/// Reads the settings of one account.
struct Reader<'a> {
    store: &'a ConfigStore,
    account: u8,
}

/// The device facts the settings need besides the configuration.
#[derive(Debug, Clone)]
pub struct Device<'a> {
    /// The MAC address (12 hex digits), for the instance id.
    pub mac: &'a str,
    /// The User-Agent value.
    pub user_agent: &'a str,
}

impl Reader<'_> {
    /// `account.N.<alias>`, trimmed ("" when unknown).
    fn get(&self, alias: &str) -> String {
        self.global(&format!("account.{}.{alias}", self.account))
    }

    /// A global setting by alias or P-value, trimmed.
    fn global(&self, key: &str) -> String {
        self.store.get_by_name(key).unwrap_or("").trim().to_owned()
    }

    fn number(&self, alias: &str, default: u64) -> u64 {
        self.get(alias).parse().unwrap_or(default)
    }

    fn flag(&self, alias: &str) -> bool {
        self.get(alias) == "1"
    }

    /// A server setting: `None` when empty.
    fn server(&self, alias: &str) -> Result<Option<ServerName>, Inactive> {
        let text = self.get(alias);
        if text.is_empty() {
            return Ok(None);
        }
        ServerName::parse(&text)
            .map(Some)
            .map_err(|error| Inactive::BadServer {
                setting: format!("account.{}.{alias}", self.account),
                error,
            })
    }
}

/// Reads account `account`'s settings; `Err` when it does not run.
pub fn read(
    store: &ConfigStore,
    account: u8,
    device: &Device<'_>,
) -> Result<AccountSettings, Inactive> {
    let r = Reader { store, account };
    if r.get("enable") != "1" {
        return Err(Inactive::Disabled);
    }
    let user_id = r.get("sip.userid");
    let mut servers = Vec::new();
    for n in 1..=5 {
        if let Some(server) = r.server(&format!("sip.server.{n}.address"))? {
            servers.push(server);
        }
    }
    if servers.is_empty() || user_id.is_empty() {
        return Err(Inactive::Incomplete);
    }
    let mut proxies = Vec::new();
    for n in 1..=2 {
        if let Some(proxy) = r.server(&format!("sip.outboundProxy.{n}.address"))? {
            proxies.push(proxy);
        }
    }
    let mut config = AccountConfig::new(user_id.clone(), servers);
    config.proxies = proxies;
    config.proxy_mode = match r.get("sip.outboundProxy.mode").as_str() {
        "1" => ProxyMode::NotInRoute,
        "2" => ProxyMode::AlwaysSendTo,
        _ => ProxyMode::InRoute,
    };
    config.dns_mode = dns_mode(&r);
    config.transport = match r.get("sip.transport").as_str() {
        "1" => TransportKind::Tcp,
        "2" => TransportKind::Tls,
        _ => TransportKind::Udp,
    };
    config.sips = r.get("sip.uriSchemeWhenUsingTls") != "0";
    config.failover_mode = match r.get("network.dnsSRVFailoverMode").as_str() {
        "1" => FailoverMode::SavedUntilTtl,
        "2" => FailoverMode::SavedUntilNoResponse,
        "3" => FailoverMode::SavedUntilFailback,
        _ => FailoverMode::Default,
    };
    // "Failback Expiration" is in minutes; fractions (0.5) are accepted for short tests.
    let minutes = r
        .get("network.failbackTimer")
        .parse::<f64>()
        .ok()
        .filter(|m| m.is_finite() && *m > 0.0)
        .unwrap_or(60.0)
        .clamp(0.05, 60.0 * 24.0 * 365.0);
    config.failback = Duration::from_secs_f64(minutes * 60.0);
    config.max_retries =
        u32::try_from(r.number("network.maxNumOfRetries", 2).clamp(1, 10)).unwrap_or(2);
    config.register_before_failover = r.flag("network.dnsSRVRegisterBeforeFailover");
    config.register = r.get("sip.registration") != "0";
    config.registration = registration(&r, &user_id, device);
    if r.flag("sip.keepAlive.enable") {
        let interval = Duration::from_secs(r.number("sip.keepAlive.interval", 30).max(1));
        let lost = u32::try_from(r.number("sip.keepAlive.maxLost", 3)).unwrap_or(3);
        config.options_keepalive = Some((interval, lost));
    }
    config.nat_keepalive = nat_keepalive(&r);
    config.subscribe_mwi = r.flag("sip.subscribe.forMwi");
    config.subscribe_reg = r.flag("sip.subscribe.forRegistration");
    config.subscription_expires =
        u32::try_from(r.number("sip.subscribe.expiration", 3600)).unwrap_or(3600);
    config.subscription_retry_wait =
        Duration::from_secs(r.number("sip.subscribeFailureRetryWaitTime", 20).max(1));
    config.use_route_set_in_notify = r.flag("sip.notify.route");
    if r.flag("sip.authenticateIncomingInvite") {
        let realm = match r.get("sipRealmForChallengeINVITE") {
            realm if realm.is_empty() => "handset".to_owned(),
            realm => realm,
        };
        config.challenge_invite_realm = Some(realm);
    }
    Ok(AccountSettings {
        account,
        transport: transport(&r, config.transport),
        config,
    })
}

fn dns_mode(r: &Reader<'_>) -> DnsMode {
    match r.get("network.dnsMode").as_str() {
        "1" => DnsMode::Srv,
        "2" => DnsMode::NaptrSrv,
        "3" => {
            let ips = [
                "network.primaryIp",
                "network.backupIp.1",
                "network.backupIp.2",
            ]
            .iter()
            .filter_map(|alias| r.get(alias).parse::<IpAddr>().ok())
            .collect();
            DnsMode::ConfiguredIp(ips)
        }
        _ => DnsMode::ARecord,
    }
}

fn registration(r: &Reader<'_>, user_id: &str, device: &Device<'_>) -> RegistrationConfig {
    let auth_id = match r.get("sip.subscriber.userid") {
        id if id.is_empty() => user_id.to_owned(),
        id => id,
    };
    // The password is never trimmed: spaces may be part of it.
    let password = r
        .store
        .get_by_name(&format!("account.{}.sip.subscriber.password", r.account))
        .unwrap_or("")
        .to_owned();
    // "Register Expiration" is in minutes; 0 falls back to the default hour.
    let minutes = match r.number("sip.registerExpiration", 60) {
        0 => 60,
        m => m,
    };
    let unregister = match r.get("sip.unregisterOnReboot").as_str() {
        "1" => UnregisterMode::All,
        "2" => UnregisterMode::Instance,
        _ => UnregisterMode::No,
    };
    // T1/T2 codes are in units of 10 ms (50 = 0.5 s).
    let mut timers = TimerConfig::default()
        .with_t1(Duration::from_millis(
            r.number("sip.timer.t1", 50).max(1) * 10,
        ))
        .with_t2(Duration::from_millis(
            r.number("sip.timer.t2", 400).max(1) * 10,
        ));
    match r.number("sip.timerd.interval", 0) {
        0 => {}
        seconds => timers = timers.with_timer_d(Duration::from_secs(seconds)),
    }
    let mut config = RegistrationConfig::default()
        .with_expires(u32::try_from(minutes.saturating_mul(60)).unwrap_or(u32::MAX))
        .with_reregister_before(
            u32::try_from(r.number("sip.registerBeforeExpiration", 0)).unwrap_or(u32::MAX),
        )
        .with_retry_wait(Duration::from_secs(
            r.number("sip.registrationFailureRetryWaitTime", 20).max(1),
        ))
        .with_unregister(unregister)
        .with_send_auth_on_initial_register(r.flag("sip.header.authOnInitialRegister"))
        .with_credentials(Credentials::new(auth_id, password))
        .with_user_agent(device.user_agent)
        .with_timers(timers);
    if r.get("sip.supportInstanceId") != "0" {
        config = config.with_instance(instance_id(device.mac, r.account));
    }
    config
}

fn nat_keepalive(r: &Reader<'_>) -> Option<(Duration, NatPacket)> {
    let interval = Duration::from_secs(r.global("sip.keepAliveInterval").parse().unwrap_or(20));
    match r.get("network.natTraversal").as_str() {
        // STUN: binding requests keep the mapping and show the public address.
        "1" => Some((interval, NatPacket::StunBinding)),
        // Keep-alive, and Auto (the default) where no NAT detection runs.
        "2" | "4" => Some((interval, NatPacket::DoubleCrlf)),
        _ => None,
    }
}

fn transport(r: &Reader<'_>, kind: TransportKind) -> TransportSettings {
    let mode = r.get("sip.listeningMode");
    let trusted_cas = ["P2386", "P2486", "P2586", "P2686", "P2786", "P2886"]
        .iter()
        .map(|key| r.global(key))
        .filter(|pem| !pem.is_empty())
        .collect();
    let version = |key: &str| match r.global(key).as_str() {
        "10" => TlsVersion::Tls10,
        "11" => TlsVersion::Tls11,
        "12" => TlsVersion::Tls12,
        _ => TlsVersion::Unlimited,
    };
    let certificate = r.global("security.certificate");
    let key = r.global("security.key");
    let client_certificate = (!certificate.is_empty() && !key.is_empty()).then(|| {
        let password = r.store.get_by_name("security.password").unwrap_or("");
        ClientCertificate {
            chain_pem: certificate,
            key_pem: key,
            key_password: (!password.is_empty()).then(|| password.to_owned()),
        }
    });
    TransportSettings {
        dscp: u8::try_from(
            r.global("network.qos.forSip")
                .parse::<u64>()
                .unwrap_or(26)
                .min(63),
        )
        .unwrap_or(26),
        tcp_keepalive: r.get("sip.enabletcpkeepalive") != "0",
        listen_tcp: kind == TransportKind::Tcp || matches!(mode.as_str(), "1" | "2"),
        listen_tls: kind == TransportKind::Tls || mode == "3",
        tls: TlsSettings {
            verify_chain: r.flag("sip.validate.certificationChain"),
            verify_hostname: r.flag("sip.validate.domainCertificates"),
            trusted_cas,
            load_default_cas: r.global("trustedCACertificates.load") != "1",
            min_version: version("security.minimum.TLS.version"),
            max_version: version("security.maximum.TLS.version"),
            client_certificate,
            server_certificate: None,
        },
    }
}

/// A stable RFC 5626 instance id for an account of the device with MAC `mac`: a UUID (version
/// 8, name-based with SHA-256) of the MAC and the account number.
pub fn instance_id(mac: &str, account: u8) -> String {
    let digest = Sha256::digest(format!("handset instance {mac} account {account}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_stable_uuids_per_account() {
        let a = instance_id("000b82123456", 1);
        assert_eq!(a, instance_id("000b82123456", 1));
        assert_ne!(a, instance_id("000b82123456", 2));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }
}
