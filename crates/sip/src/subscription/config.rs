//! What one subscription needs to know: the event package and resource, who subscribes and
//! where notifications reach it, timing, credentials and routing.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::auth::Credentials;
use crate::header::{Event, MediaType, NameAddr, Transport};
use crate::transaction::TimerConfig;
use crate::uri::{Host, SipUri, Uri};

/// Configuration of one subscription; start from [`SubscriptionConfig::new`] (or
/// [`SubscriptionConfig::message_summary`], [`SubscriptionConfig::reg`]) and the `with_*`
/// setters.
#[derive(Debug, Clone)]
pub struct SubscriptionConfig {
    /// The Event header: package and, when several subscriptions share a dialog, `id`.
    pub event: Event,
    /// The body types accepted in NOTIFYs, sent as Accept; empty sends none (the package's
    /// default applies).
    pub accept: Vec<MediaType>,
    /// The resource subscribed to: Request-URI and To of the first SUBSCRIBE.
    pub resource: Uri,
    /// The subscriber's address of record, in From; its user part is also the Contact's.
    pub from: SipUri,
    /// The local address written in Via and Contact.
    pub contact_host: Host,
    /// The local port for Via and Contact.
    pub contact_port: u16,
    /// The transport SUBSCRIBE goes over; UDP gets retransmissions.
    pub transport: Transport,
    /// Requested subscription lifetime in seconds ("SUBSCRIBE Expiration").
    pub expires: u32,
    /// How long to wait after a failure before subscribing again ("Subscribe Retry Wait
    /// Time"), unless the notifier said otherwise with Retry-After.
    pub retry_wait: Duration,
    /// Digest user name and password.
    pub credentials: Credentials,
    /// The `User-Agent` value; `None` leaves the header out.
    pub user_agent: Option<String>,
    /// Route of the first SUBSCRIBE (an outbound proxy: `<sip:proxy;lr>`); in-dialog
    /// requests follow the dialog's route set instead.
    pub route: Vec<NameAddr>,
    /// Transaction timers (T1, T2, Timer F).
    pub timers: TimerConfig,
    /// Take the remote target and route set for refreshes from each NOTIFY (its Contact and
    /// Record-Route), as RFC 6665 allows; when off they stay those of the SUBSCRIBE's 2xx
    /// ("Use Route Set in NOTIFY").
    pub use_route_set_in_notify: bool,
}

impl SubscriptionConfig {
    /// A subscription to `event` with the defaults: 3600 s, a 20 s retry wait, UDP.
    pub fn new(event: Event) -> Self {
        let example = SipUri::new(Host::Domain("invalid".into()));
        Self {
            event,
            accept: Vec::new(),
            resource: example.clone().into(),
            from: example,
            contact_host: Host::Ipv4(Ipv4Addr::UNSPECIFIED),
            contact_port: 5060,
            transport: Transport::Udp,
            expires: 3600,
            retry_wait: Duration::from_secs(20),
            credentials: Credentials::new("", ""),
            user_agent: None,
            route: Vec::new(),
            timers: TimerConfig::default(),
            use_route_set_in_notify: false,
        }
    }

    /// Message waiting indication (RFC 3842) for `mailbox` (the account's address of record
    /// or the voicemail URI), subscribed by `from`.
    pub fn message_summary(mailbox: Uri, from: SipUri) -> Self {
        Self::new(Event::new("message-summary"))
            .with_accept(MediaType::new("application", "simple-message-summary"))
            .with_resource(mailbox)
            .with_from(from)
    }

    /// The registration state of `aor` (RFC 3680), subscribed by the account itself.
    pub fn reg(aor: SipUri) -> Self {
        Self::new(Event::new("reg"))
            .with_accept(MediaType::new("application", "reginfo+xml"))
            .with_resource(aor.clone().into())
            .with_from(aor)
    }

    /// Adds an accepted body type.
    #[must_use]
    pub fn with_accept(mut self, media: MediaType) -> Self {
        self.accept.push(media);
        self
    }

    /// Sets the resource (Request-URI and To).
    #[must_use]
    pub fn with_resource(mut self, resource: Uri) -> Self {
        self.resource = resource;
        self
    }

    /// Sets the subscriber's address (From).
    #[must_use]
    pub fn with_from(mut self, from: SipUri) -> Self {
        self.from = from;
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

    /// Sets the wait after a failure.
    #[must_use]
    pub fn with_retry_wait(mut self, wait: Duration) -> Self {
        self.retry_wait = wait;
        self
    }

    /// Sets the credentials.
    #[must_use]
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Sets the User-Agent value.
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Sets the route of the first SUBSCRIBE.
    #[must_use]
    pub fn with_route(mut self, route: Vec<NameAddr>) -> Self {
        self.route = route;
        self
    }

    /// Sets the transaction timers.
    #[must_use]
    pub fn with_timers(mut self, timers: TimerConfig) -> Self {
        self.timers = timers;
        self
    }

    /// Sets whether NOTIFYs change the remote target and route set.
    #[must_use]
    pub fn with_use_route_set_in_notify(mut self, on: bool) -> Self {
        self.use_route_set_in_notify = on;
        self
    }

    /// When to refresh a subscription granted for `granted` seconds: one non-INVITE
    /// transaction timeout (Timer F) before it expires, so the refresh completes in time, but
    /// never earlier than half of it.
    pub(crate) fn refresh_after(&self, granted: u32) -> Duration {
        let granted = Duration::from_secs(u64::from(granted));
        granted.saturating_sub(self.timers.f()).max(granted / 2)
    }
}
