//! What one account's registration needs to know: registrar, address of record, contact,
//! timing and credentials.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::auth::Credentials;
use crate::header::{NameAddr, Transport};
use crate::transaction::TimerConfig;
use crate::uri::{Host, SipUri, Uri};

/// Which bindings [`super::Registration::stop`] removes at the registrar (the account's
/// "Unregister On Reboot" setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnregisterMode {
    /// Remove nothing: stop quietly and let the binding expire.
    #[default]
    No,
    /// Remove every binding of the address of record: `Contact: *` with `Expires: 0`.
    All,
    /// Remove only this phone's binding: our Contact (with its `+sip.instance`) and
    /// `expires=0`.
    Instance,
}

/// Configuration of one account's registration; build it with [`Default`] and the `with_*`
/// setters.
#[derive(Debug, Clone)]
pub struct RegistrationConfig {
    /// The Request-URI of REGISTER: the registrar (`sip:example.com`).
    pub registrar: Uri,
    /// The address of record, written in To and From (`sip:alice@example.com`); its user
    /// part is also the Contact's user.
    pub aor: SipUri,
    /// The local address written in Via and, until the registrar reports another one
    /// (RFC 3581), in Contact.
    pub contact_host: Host,
    /// The local port for Via and Contact.
    pub contact_port: u16,
    /// The transport REGISTER goes over; UDP gets retransmissions (Timer E).
    pub transport: Transport,
    /// Requested binding lifetime in seconds (the phone's "REGISTER Expiration" is in
    /// minutes: multiply by 60).
    pub expires: u32,
    /// Refresh this many seconds before the granted expiry, but never earlier than half of
    /// it ("Re-register before Expiration"). With 0 the refresh goes out at the expiry.
    pub reregister_before: u32,
    /// How long to wait after a failure before trying again ("Registration Retry Wait
    /// Time").
    pub retry_wait: Duration,
    /// What [`super::Registration::stop`] removes at the registrar.
    pub unregister: UnregisterMode,
    /// The RFC 5626 instance id, a UUID (`urn:uuid:` is added when missing); `None` sends no
    /// `+sip.instance`.
    pub instance: Option<String>,
    /// Put an `Authorization` into the first REGISTER of each [`super::Registration::start`]:
    /// the answer to the last challenge when one is known, else one with an empty nonce
    /// (3GPP TS 24.229).
    pub send_auth_on_initial_register: bool,
    /// The `User-Agent` value; `None` leaves the header out.
    pub user_agent: Option<String>,
    /// Digest user name and password.
    pub credentials: Credentials,
    /// Transaction timers (T1, T2, Timer F).
    pub timers: TimerConfig,
    /// A pre-loaded route set (an outbound proxy "in route": `<sip:proxy;lr>`).
    pub route: Vec<NameAddr>,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        let example = SipUri::new(Host::Domain("invalid".into()));
        Self {
            registrar: example.clone().into(),
            aor: example,
            contact_host: Host::Ipv4(Ipv4Addr::UNSPECIFIED),
            contact_port: 5060,
            transport: Transport::Udp,
            expires: 3600,
            reregister_before: 0,
            retry_wait: Duration::from_secs(20),
            unregister: UnregisterMode::No,
            instance: None,
            send_auth_on_initial_register: false,
            user_agent: None,
            credentials: Credentials::new("", ""),
            timers: TimerConfig::default(),
            route: Vec::new(),
        }
    }
}

impl RegistrationConfig {
    /// Sets the registrar (Request-URI).
    #[must_use]
    pub fn with_registrar(mut self, registrar: Uri) -> Self {
        self.registrar = registrar;
        self
    }

    /// Sets the address of record.
    #[must_use]
    pub fn with_aor(mut self, aor: SipUri) -> Self {
        self.aor = aor;
        self
    }

    /// Sets the local address and port for Via and Contact.
    #[must_use]
    pub fn with_contact(mut self, host: Host, port: u16) -> Self {
        self.contact_host = host;
        self.contact_port = port;
        self
    }

    /// Sets the transport.
    #[must_use]
    pub fn with_transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Sets the requested lifetime in seconds.
    #[must_use]
    pub fn with_expires(mut self, seconds: u32) -> Self {
        self.expires = seconds;
        self
    }

    /// Sets how many seconds before expiry to refresh.
    #[must_use]
    pub fn with_reregister_before(mut self, seconds: u32) -> Self {
        self.reregister_before = seconds;
        self
    }

    /// Sets the wait after a failure.
    #[must_use]
    pub fn with_retry_wait(mut self, wait: Duration) -> Self {
        self.retry_wait = wait;
        self
    }

    /// Sets what stopping removes.
    #[must_use]
    pub fn with_unregister(mut self, mode: UnregisterMode) -> Self {
        self.unregister = mode;
        self
    }

    /// Sets the RFC 5626 instance UUID.
    #[must_use]
    pub fn with_instance(mut self, uuid: impl Into<String>) -> Self {
        self.instance = Some(uuid.into());
        self
    }

    /// Sets whether the first REGISTER carries an Authorization.
    #[must_use]
    pub fn with_send_auth_on_initial_register(mut self, send: bool) -> Self {
        self.send_auth_on_initial_register = send;
        self
    }

    /// Sets the User-Agent value.
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Sets the credentials.
    #[must_use]
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Sets the transaction timers.
    #[must_use]
    pub fn with_timers(mut self, timers: TimerConfig) -> Self {
        self.timers = timers;
        self
    }

    /// Sets the pre-loaded route set, written as Route headers in every REGISTER.
    #[must_use]
    pub fn with_route(mut self, route: Vec<NameAddr>) -> Self {
        self.route = route;
        self
    }

    /// The `+sip.instance` value, `<urn:uuid:…>`.
    pub(crate) fn instance_param(&self) -> Option<String> {
        self.instance.as_ref().map(|id| {
            if id.starts_with("urn:") {
                format!("<{id}>")
            } else {
                format!("<urn:uuid:{id}>")
            }
        })
    }

    /// When to refresh a binding granted for `granted` seconds, counted from the 200: the
    /// configured margin before expiry, or with no margin configured (0) one non-INVITE
    /// transaction timeout (Timer F) before it, so the refresh completes in time; never earlier
    /// than half the granted time.
    pub(crate) fn refresh_after(&self, granted: u32) -> Duration {
        let granted = Duration::from_secs(u64::from(granted));
        let margin = match self.reregister_before {
            0 => self.timers.f(),
            seconds => Duration::from_secs(u64::from(seconds)),
        };
        granted.saturating_sub(margin).max(granted / 2)
    }
}
