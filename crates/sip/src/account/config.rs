//! What an account needs to know to talk to its servers.

use std::time::Duration;

use crate::keepalive::NatPacket;
use crate::locate::{DnsMode, FailoverMode, ServerName, TransportKind};
use crate::method::Method;
use crate::registration::RegistrationConfig;
use crate::transaction::TimerConfig;
use crate::uri::Uri;

/// Where an outbound proxy sits in the path ("Outbound Proxy Mode").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Requests go to the proxy with a `Route: <sip:proxy;lr>` header.
    InRoute,
    /// Requests go to the proxy without a Route header.
    NotInRoute,
    /// Every request, in-dialog ones too, goes to the proxy, without a Route header.
    AlwaysSendTo,
}

/// One account's signalling configuration. The registration part is a template: the
/// account fills in the registrar, address of record, contact, transport and route for the
/// server it is using.
#[derive(Debug, Clone)]
pub struct AccountConfig {
    /// The SIP user id (the address of record's user).
    pub user_id: String,
    /// SIP servers, primary first ("SIP Server", "Secondary SIP Server", …).
    pub servers: Vec<ServerName>,
    /// Outbound proxies, primary first (none: send to the servers).
    pub proxies: Vec<ServerName>,
    /// How the outbound proxy is used.
    pub proxy_mode: ProxyMode,
    /// How server names are looked up.
    pub dns_mode: DnsMode,
    /// The transport towards the servers.
    pub transport: TransportKind,
    /// Use `sips:` URIs over TLS ("SIP URI Scheme when using TLS").
    pub sips: bool,
    /// How to move between the addresses found.
    pub failover_mode: FailoverMode,
    /// How long after a failover the primary is tried again.
    pub failback: Duration,
    /// Unanswered attempts at one address before moving to the next (at least 1).
    pub max_retries: u32,
    /// Register at a server failed over to before sending it other requests.
    pub register_before_failover: bool,
    /// Whether the account registers at all ("SIP Registration").
    pub register: bool,
    /// Wait this long after [`super::Account::start`] before the first lookup and REGISTER
    /// ("Delay Registration", applied when the phone boots).
    pub start_delay: Duration,
    /// The registration settings (expiry, refresh, retry wait, credentials, unregister mode,
    /// instance, User-Agent).
    pub registration: RegistrationConfig,
    /// OPTIONS keep-alive: interval and how many may go unanswered in a row.
    pub options_keepalive: Option<(Duration, u32)>,
    /// NAT keep-alive: interval and packet.
    pub nat_keepalive: Option<(Duration, NatPacket)>,
    /// Challenge incoming INVITEs with this realm ("Authenticate Incoming INVITE").
    pub challenge_invite_realm: Option<String>,
    /// Also challenge NOTIFYs outside a dialog that no subscription claims (check-sync,
    /// reboot …) with the same realm.
    pub challenge_notify: bool,
    /// The methods this account accepts, for `Allow` and 405 answers.
    pub allow: Vec<Method>,
    /// Most server transactions kept at once; requests beyond it get a stateless 503.
    pub max_server_transactions: usize,
    /// Subscribe to message waiting ("Subscribe for MWI").
    pub subscribe_mwi: bool,
    /// The mailbox to subscribe to (default: the account's own address).
    pub voicemail_uri: Option<Uri>,
    /// Subscribe to the registration state ("Subscribe for Registration").
    pub subscribe_reg: bool,
    /// Requested subscription lifetime in seconds ("SUBSCRIBE Expiration").
    pub subscription_expires: u32,
    /// Wait after a failed subscription ("Subscribe Retry Wait Time").
    pub subscription_retry_wait: Duration,
    /// Take the refresh target and route set from NOTIFYs ("Use Route Set in NOTIFY").
    pub use_route_set_in_notify: bool,
}

impl AccountConfig {
    /// A configuration for `user_id` at `servers`, with the phone's defaults elsewhere.
    pub fn new(user_id: impl Into<String>, servers: Vec<ServerName>) -> Self {
        Self {
            user_id: user_id.into(),
            servers,
            proxies: Vec::new(),
            proxy_mode: ProxyMode::InRoute,
            dns_mode: DnsMode::ARecord,
            transport: TransportKind::Udp,
            sips: false,
            failover_mode: FailoverMode::Default,
            failback: Duration::from_secs(3600),
            max_retries: 2,
            register_before_failover: false,
            register: true,
            start_delay: Duration::ZERO,
            registration: RegistrationConfig::default(),
            options_keepalive: None,
            nat_keepalive: None,
            challenge_invite_realm: None,
            challenge_notify: false,
            allow: default_allow(),
            max_server_transactions: 4096,
            subscribe_mwi: false,
            voicemail_uri: None,
            subscribe_reg: false,
            subscription_expires: 3600,
            subscription_retry_wait: Duration::from_secs(20),
            use_route_set_in_notify: false,
        }
    }

    /// The transaction timers.
    pub(crate) fn timers(&self) -> TimerConfig {
        self.registration.timers
    }

    /// Whether requests carry `sips:` URIs.
    pub(crate) fn secure(&self) -> bool {
        self.sips && self.transport == TransportKind::Tls
    }
}

/// The methods a phone accepts.
pub fn default_allow() -> Vec<Method> {
    vec![
        Method::Invite,
        Method::Ack,
        Method::Options,
        Method::Cancel,
        Method::Bye,
        Method::Subscribe,
        Method::Notify,
        Method::Info,
        Method::Refer,
        Method::Update,
        Method::Prack,
        Method::Message,
    ]
}
