//! One account's signalling towards its servers: finding them (DNS modes, secondary servers,
//! outbound proxies), registering, moving to another server when one stops answering and
//! back when the failback time is up, keep-alives, and the requests that arrive for it.
//!
//! [`Account`] is sans-IO like the rest of the crate. The runtime:
//! 1. calls [`Account::start`];
//! 2. after every input drains [`Account::poll_need`] (DNS lookups and the local address to
//!    use towards a server; answer each with [`Account::handle_dns_answer`] or
//!    [`Account::handle_local_address`]), [`Account::poll_transmit`] and
//!    [`Account::poll_event`];
//! 3. hands every received message to [`Account::handle_message`], transport failures to
//!    [`Account::handle_transport_error`], and calls [`Account::handle_timeout`] at
//!    [`Account::poll_timeout`];
//! 4. answers the requests it is given ([`AccountEvent::Request`]) with
//!    [`Account::respond`];
//! 5. sends the requests its user builds with [`Account::send_request`] (responses come back
//!    as [`AccountEvent::Response`] or [`AccountEvent::RequestFailed`]) and 2xx ACKs with
//!    [`Account::send_stateless`];
//! 6. calls [`Account::stop`] and waits for [`AccountEvent::Stopped`].

mod client;
mod config;
mod hops;
mod incoming;
mod probe;
mod subscriptions;

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

pub use client::{RequestFailure, SendError};
pub use config::{default_allow, AccountConfig, ProxyMode};
pub use incoming::{RequestId, RespondError};
pub use subscriptions::Package;

use crate::auth::{DigestRequest, DigestServer, ServerConfig, Verdict};
use crate::body::{MessageSummary, RegInfo};
use crate::header::{HeaderKind, NameAddr, Transport as ViaTransport};
use crate::keepalive::{Action, NatKeepAlive, OptionsKeepAlive};
use crate::locate::{Answer, Query, ServerName, Target, TransportKind};
use crate::message::{error_response, response_to, Limits, Message, MessageBuilder};
use crate::method::Method;
use crate::registration::request::random_hex;
use crate::registration::{
    FailureKind, Registration, RegistrationConfig, RegistrationEvent, RegistrationState,
};
use crate::status::StatusCode;
use crate::transaction::{Bytes, Delivery, Event, TransactionKey};
use crate::uri::{Host, SipUri, Uri};
use client::{ClientRequests, Destination};
use hops::{Hop, Hops, Resolving};
use incoming::{allow_value, tag_if_missing, Arrival, ServerTransactions};
use probe::{options_probe, Probe};
use subscriptions::Subscriptions;

/// What the account needs from the runtime before it can go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// A DNS lookup; answer with [`Account::handle_dns_answer`].
    Dns(Query),
    /// The local address (IP and listening port of the transport) to write in Via and Contact
    /// when sending to this target; answer with [`Account::handle_local_address`].
    LocalAddress(Target),
}

/// Bytes to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where, and over which transport.
    pub to: Target,
    /// For TLS: the name the server's certificate must carry (the configured domain).
    pub server_name: Option<String>,
    /// One whole message, or a keep-alive packet.
    pub bytes: Bytes,
}

/// What the account reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountEvent {
    /// The account now talks to this server address.
    ServerSelected {
        /// The address.
        target: Target,
        /// The configured name it came from.
        name: String,
        /// Whether it is not the first address (a failover).
        failed_over: bool,
    },
    /// No server could be found or reached; the account tries again after the retry wait.
    Unreachable {
        /// Why.
        reason: String,
    },
    /// What the registration reports.
    Registration(RegistrationEvent),
    /// A request for the account's user to answer with [`Account::respond`] (ACKs need no
    /// answer).
    Request {
        /// To answer it.
        id: RequestId,
        /// The request.
        request: Message,
        /// Where it came from.
        from: Target,
    },
    /// An incoming INVITE (or NOTIFY) was challenged (or refused after a wrong password).
    Challenged {
        /// Why, for the log.
        reason: String,
    },
    /// The mailbox's message-waiting state (from the subscription or unsolicited).
    MessageWaiting(MessageSummary),
    /// The registrar's view of the account's registrations.
    RegistrationInfo(RegInfo),
    /// A subscription failed (it is retried after the wait unless the notifier refused it).
    SubscriptionFailed {
        /// Which.
        package: Package,
        /// Why.
        reason: String,
    },
    /// A response to a request sent with [`Account::send_request`] (provisional or final;
    /// for an INVITE also every 2xx retransmission, which the user answers with its ACK
    /// again).
    Response {
        /// The key [`Account::send_request`] returned.
        key: TransactionKey,
        /// The response.
        response: Message,
    },
    /// A request sent with [`Account::send_request`] got no final response.
    RequestFailed {
        /// The key [`Account::send_request`] returned.
        key: TransactionKey,
        /// Why.
        reason: RequestFailure,
    },
    /// Everything is stopped (after [`Account::stop`]). Requests the user sent may still be
    /// open; they run on while the account is driven.
    Stopped,
}

/// The account's own timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// Look the servers up again (after nothing could be reached, or the DNS TTL ran out).
    Resolve,
    /// Try the primary address again.
    Failback,
}

/// Where the account stands.
#[derive(Debug)]
pub(crate) enum Phase {
    Idle,
    Resolving(Box<Resolving>),
    /// Waiting for the local address towards the hop.
    Locating,
    Running,
    Stopping,
}

/// One account's signalling.
#[derive(Debug)]
pub struct Account {
    config: AccountConfig,
    rng: StdRng,
    phase: Phase,
    hops: Option<Hops>,
    hop: Option<Hop>,
    local: Option<SocketAddr>,
    registration: Option<Registration>,
    /// Attempts at the current hop that got no answer, in a row.
    unanswered: u32,
    options: Option<OptionsKeepAlive>,
    probe: Option<Probe>,
    cseq: u32,
    nat: Option<NatKeepAlive>,
    server: ServerTransactions,
    client: ClientRequests,
    subscriptions: Subscriptions,
    digest: Option<DigestServer>,
    timer: Option<(Instant, Timer)>,
    needs: VecDeque<Need>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<AccountEvent>,
    to_tag: String,
    limits: Limits,
}

impl Account {
    /// An account for `config`; `seed` drives every random choice (tags, branches, SRV
    /// weights, nonces).
    pub fn new(config: AccountConfig, seed: u64, now: Instant) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let digest = config
            .challenge_invite_realm
            .as_ref()
            .map(|realm| DigestServer::from_rng(ServerConfig::new(realm.clone()), &mut rng, now));
        let to_tag = random_hex(&mut rng, 8);
        Self {
            server: ServerTransactions::new(config.max_server_transactions, config.timers()),
            client: ClientRequests::new(config.timers()),
            subscriptions: Subscriptions::default(),
            config,
            rng,
            phase: Phase::Idle,
            hops: None,
            hop: None,
            local: None,
            registration: None,
            unanswered: 0,
            options: None,
            probe: None,
            cseq: 0,
            nat: None,
            digest,
            timer: None,
            needs: VecDeque::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            to_tag,
            limits: Limits::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AccountConfig {
        &self.config
    }

    /// The registration state (`Idle` when the account does not register).
    pub fn registration_state(&self) -> RegistrationState {
        self.registration
            .as_ref()
            .map_or(RegistrationState::Idle, Registration::state)
    }

    /// The server address in use.
    pub fn current_target(&self) -> Option<Target> {
        self.hop.as_ref().map(|h| h.target)
    }

    /// Whether requests other than REGISTER may go to the current server now ("Register
    /// Before DNS SRV Failover": not before registering at a server failed over to).
    pub fn can_send_requests(&self) -> bool {
        let failed_over = self.hops.as_ref().is_some_and(Hops::is_failed_over);
        !(self.config.register && self.config.register_before_failover && failed_over)
            || self.registration_state() == RegistrationState::Registered
    }

    /// Open server transactions (for limits and diagnostics).
    pub fn open_requests(&self) -> usize {
        self.server.len()
    }

    /// Starts (after the configured start delay): looks the servers up, then registers.
    pub fn start(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Idle) || self.timer.is_some() {
            return;
        }
        if self.config.start_delay.is_zero() {
            self.resolve(now);
        } else {
            self.timer = Some((now + self.config.start_delay, Timer::Resolve));
        }
    }

    /// Stops: unregisters per the account's setting, then reports [`AccountEvent::Stopped`].
    pub fn stop(&mut self, now: Instant) {
        self.timer = None;
        self.options = None;
        self.probe = None;
        self.nat = None;
        self.phase = Phase::Stopping;
        self.stop_subscriptions(now);
        if let Some(registration) = self.registration.as_mut() {
            registration.stop(now);
            self.drain_registration(now);
        }
        self.check_stopped();
    }

    /// The answer to the last [`Need::Dns`].
    pub fn handle_dns_answer(&mut self, now: Instant, answer: Answer, ttl: Option<Duration>) {
        if let Phase::Resolving(resolving) = &mut self.phase {
            resolving.handle_answer(answer, ttl);
            self.pump_resolution(now);
        }
    }

    /// The answer to the last [`Need::LocalAddress`].
    pub fn handle_local_address(&mut self, now: Instant, local: SocketAddr) {
        if !matches!(self.phase, Phase::Locating) {
            return;
        }
        self.local = Some(local);
        self.phase = Phase::Running;
        self.begin_at_hop(now);
    }

    /// Sending to `to` failed, or a connection to it broke.
    pub fn handle_transport_error(&mut self, now: Instant, to: SocketAddr) {
        self.client_handle_transport_error(to);
        if self.current_target().map(|t| t.addr) != Some(to) {
            return;
        }
        if let Some(registration) = self.registration.as_mut() {
            if registration.state() == RegistrationState::Registered && !registration.is_in_flight()
            {
                // The connection the binding lives on broke (RFC 5626 §4.4): register again
                // at once; if the server is gone, that attempt fails and moves on.
                self.start_registration(now);
            } else {
                // An unreachable server is not worth the remaining retries.
                self.unanswered = self.config.max_retries.saturating_sub(1);
                registration.handle_transport_error(now);
                self.drain_registration(now);
            }
        }
        if let Some(probe) = self.probe.as_mut() {
            probe.tx.handle_transport_error();
            self.drain_probe(now);
        }
    }

    /// A message that arrived from `from` (for streams: one framed message).
    pub fn handle_message(&mut self, now: Instant, bytes: &[u8], from: Target) {
        let message = match Message::parse_datagram(bytes, &self.limits)
            .and_then(|m| m.validate().map(|()| m))
        {
            Ok(message) => message,
            Err(error) => {
                if let Some(mut response) = error_response(bytes, &error) {
                    self.decorate(&mut response);
                    if let Ok(message) = response.build() {
                        let to = incoming::reply_address(&message, from);
                        self.send_to(to, message.shared_bytes());
                    }
                }
                return;
            }
        };
        if message.status().is_some() {
            self.handle_response(now, &message);
        } else {
            self.handle_request(now, message, from);
        }
    }

    /// Answers a request given in [`AccountEvent::Request`].
    pub fn respond(
        &mut self,
        now: Instant,
        id: &RequestId,
        mut response: MessageBuilder,
    ) -> Result<(), RespondError> {
        self.decorate(&mut response);
        let out = self.server.respond(now, &id.0, &response)?;
        for (to, bytes) in out {
            self.send_to(to, bytes);
        }
        Ok(())
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        for (to, bytes) in self.server.handle_timeout(now) {
            self.send_to(to, bytes);
        }
        self.client_handle_timeout(now);
        if let Some(registration) = self.registration.as_mut() {
            if registration.poll_timeout().is_some_and(|at| at <= now) {
                registration.handle_timeout(now);
            }
            self.drain_registration(now);
        }
        if let Some(probe) = self.probe.as_mut() {
            if probe.tx.poll_timeout().is_some_and(|at| at <= now) {
                probe.tx.handle_timeout(now);
            }
            self.drain_probe(now);
        }
        if let Some(options) = self.options.as_mut() {
            if options.poll_timeout().is_some_and(|at| at <= now) {
                options.handle_timeout(now);
            }
            self.drain_options(now);
        }
        if let Some(nat) = self.nat.as_mut() {
            if nat.poll_timeout().is_some_and(|at| at <= now) {
                nat.handle_timeout(now);
            }
            self.drain_nat();
        }
        self.subscriptions_handle_timeout(now);
        if let Some((at, timer)) = self.timer {
            if at <= now {
                self.timer = None;
                self.fire(now, timer);
            }
        }
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.server.poll_timeout(),
            self.client.poll_timeout(),
            self.registration
                .as_ref()
                .and_then(Registration::poll_timeout),
            self.probe.as_ref().and_then(|p| p.tx.poll_timeout()),
            self.options
                .as_ref()
                .and_then(OptionsKeepAlive::poll_timeout),
            self.nat.as_ref().and_then(NatKeepAlive::poll_timeout),
            self.subscriptions.poll_timeout(),
            self.timer.map(|(at, _)| at),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next thing the runtime has to look up.
    pub fn poll_need(&mut self) -> Option<Need> {
        self.needs.pop_front()
    }

    /// The next bytes to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<AccountEvent> {
        self.events.pop_front()
    }

    // --- server selection -------------------------------------------------------------

    /// The names requests go to first: the outbound proxies if any, else the servers.
    fn hop_names(&self) -> &[ServerName] {
        if self.config.proxies.is_empty() {
            &self.config.servers
        } else {
            &self.config.proxies
        }
    }

    fn resolve(&mut self, now: Instant) {
        let seed = self.rng.next_u64();
        let resolving = Resolving::new(
            self.hop_names().to_vec(),
            self.config.dns_mode.clone(),
            self.config.transport,
            seed,
        );
        match resolving {
            Some(resolving) => {
                self.phase = Phase::Resolving(Box::new(resolving));
                self.pump_resolution(now);
            }
            None => self.unreachable(now, "no SIP server is configured".into()),
        }
    }

    fn pump_resolution(&mut self, now: Instant) {
        let Phase::Resolving(resolving) = &mut self.phase else {
            return;
        };
        if let Some(query) = resolving.poll_query() {
            self.needs.push_back(Need::Dns(query));
            return;
        }
        if !resolving.is_done() {
            return;
        }
        let Phase::Resolving(resolving) = std::mem::replace(&mut self.phase, Phase::Locating)
        else {
            return;
        };
        let mut hops = resolving.finish(now, self.config.failover_mode, self.config.failback);
        if hops.is_empty() {
            let names: Vec<&str> = self.hop_names().iter().map(|n| n.host.as_str()).collect();
            let reason = format!("cannot resolve {}", names.join(", "));
            return self.unreachable(now, reason);
        }
        let first = hops.begin(now);
        self.hops = Some(hops);
        match first {
            Some(hop) => self.use_hop(hop),
            None => self.unreachable(now, "no server address".into()),
        }
    }

    /// Switches to `hop`: asks for the local address, then registers there.
    fn use_hop(&mut self, hop: Hop) {
        self.registration = None;
        self.drop_subscriptions();
        self.probe = None;
        self.unanswered = 0;
        self.needs.push_back(Need::LocalAddress(hop.target));
        self.hop = Some(hop);
        self.phase = Phase::Locating;
    }

    fn unreachable(&mut self, now: Instant, reason: String) {
        self.registration = None;
        self.drop_subscriptions();
        self.probe = None;
        self.options = None;
        self.nat = None;
        self.hop = None;
        self.phase = Phase::Idle;
        self.events.push_back(AccountEvent::Unreachable { reason });
        self.timer = Some((now + self.config.registration.retry_wait, Timer::Resolve));
    }

    /// The current hop stopped answering: the next one, or a new lookup later.
    fn fail_over(&mut self, now: Instant) {
        let next = self.hops.as_mut().and_then(|h| h.next(now));
        match next {
            Some(hop) => self.use_hop(hop),
            None => self.unreachable(now, "no server answered".into()),
        }
    }

    fn fire(&mut self, now: Instant, timer: Timer) {
        match timer {
            Timer::Resolve => {
                if matches!(self.phase, Phase::Idle | Phase::Running) {
                    self.resolve(now);
                }
            }
            Timer::Failback => {
                let Some(hops) = self.hops.as_mut() else {
                    return;
                };
                if hops.is_expired(now) {
                    return self.resolve(now);
                }
                if let Some(hop) = hops.begin(now) {
                    if Some(&hop) != self.hop.as_ref() {
                        self.use_hop(hop);
                    }
                }
            }
        }
    }

    /// After a success at the current hop: when to go back to the primary, or to look
    /// the names up again.
    fn schedule_failback(&mut self) {
        let Some(hops) = self.hops.as_ref() else {
            return;
        };
        use crate::locate::FailoverMode as Mode;
        let at = match self.config.failover_mode {
            Mode::Default | Mode::SavedUntilFailback => hops.failback_at(),
            Mode::SavedUntilTtl | Mode::SavedUntilNoResponse => None,
        };
        if let Some(at) = at {
            self.timer = Some((at, Timer::Failback));
        }
    }

    // --- registration and keep-alives -------------------------------------------------

    /// The registration settings for the current hop.
    pub(crate) fn registration_config(&self) -> Option<RegistrationConfig> {
        let hop = self.hop.as_ref()?;
        let local = self.local?;
        let secure = self.config.secure();
        let server = if self.config.proxies.is_empty() {
            self.config.servers.get(hop.name)?
        } else {
            self.config.servers.first()?
        };
        let host = host_of(&server.host)?;
        let mut registrar = SipUri::new(host.clone()).with_secure(secure);
        if let Some(port) = server.port {
            registrar = registrar.with_port(port);
        }
        let aor = SipUri::new(host)
            .with_secure(secure)
            .with_user(&self.config.user_id);
        let mut route = Vec::new();
        if self.config.proxy_mode == ProxyMode::InRoute {
            if let Some(proxy) = self.config.proxies.get(hop.name) {
                let host = host_of(&proxy.host)?;
                let mut uri = SipUri::new(host).with_secure(secure);
                if let Some(port) = proxy.port {
                    uri = uri.with_port(port);
                }
                route.push(NameAddr::new(uri.with_param("lr", None)));
            }
        }
        let transport = match self.config.transport {
            TransportKind::Udp => ViaTransport::Udp,
            TransportKind::Tcp => ViaTransport::Tcp,
            TransportKind::Tls => ViaTransport::Tls,
        };
        Some(
            self.config
                .registration
                .clone()
                .with_registrar(Uri::from(registrar))
                .with_aor(aor)
                .with_contact(ip_host(local.ip()), local.port())
                .with_transport(transport)
                .with_route(route),
        )
    }

    /// The account has an address towards its hop: register there and start keep-alives.
    fn begin_at_hop(&mut self, now: Instant) {
        let Some(hop) = self.hop.clone() else {
            return;
        };
        let failed_over = self.hops.as_ref().is_some_and(Hops::is_failed_over);
        let name = self
            .hop_names()
            .get(hop.name)
            .map(|n| n.host.clone())
            .unwrap_or_default();
        self.events.push_back(AccountEvent::ServerSelected {
            target: hop.target,
            name,
            failed_over,
        });
        self.options = self
            .config
            .options_keepalive
            .map(|(interval, lost)| OptionsKeepAlive::new(now, interval, lost));
        self.nat = self.config.nat_keepalive.map(|(interval, packet)| {
            NatKeepAlive::new(now, interval, packet, self.rng.next_u64())
        });
        if !self.config.register {
            return self.start_subscriptions(now);
        }
        self.start_registration(now);
    }

    pub(crate) fn start_registration(&mut self, now: Instant) {
        let Some(config) = self.registration_config() else {
            return self.unreachable(now, "the SIP server name is not a valid host".into());
        };
        match Registration::new(config, self.rng.next_u64()) {
            Ok(mut registration) => {
                let started = registration.start(now);
                self.registration = Some(registration);
                if let Err(e) = started {
                    self.events
                        .push_back(AccountEvent::Registration(RegistrationEvent::Failed {
                            reason: e.to_string(),
                            kind: FailureKind::Other,
                        }));
                }
                self.drain_registration(now);
            }
            Err(e) => {
                self.events
                    .push_back(AccountEvent::Registration(RegistrationEvent::Failed {
                        reason: e.to_string(),
                        kind: FailureKind::Other,
                    }));
            }
        }
    }

    fn drain_registration(&mut self, now: Instant) {
        let Some(registration) = self.registration.as_mut() else {
            return;
        };
        let mut out = Vec::new();
        while let Some(bytes) = registration.poll_transmit() {
            out.push(bytes);
        }
        let mut events = Vec::new();
        while let Some(event) = registration.poll_event() {
            events.push(event);
        }
        for bytes in out {
            self.send_to_hop(bytes);
        }
        for event in events {
            self.on_registration_event(now, &event);
            self.events.push_back(AccountEvent::Registration(event));
        }
        if matches!(self.phase, Phase::Stopping) {
            self.check_stopped();
        }
    }

    fn on_registration_event(&mut self, now: Instant, event: &RegistrationEvent) {
        if matches!(self.phase, Phase::Stopping) {
            return;
        }
        match event {
            RegistrationEvent::Registered { .. } => {
                self.unanswered = 0;
                self.start_subscriptions(now);
                if let Some(hops) = self.hops.as_mut() {
                    hops.handle_success();
                }
                self.schedule_failback();
                if let Some(hops) = self.hops.as_ref() {
                    if self.config.failover_mode == crate::locate::FailoverMode::SavedUntilTtl
                        && self.timer.is_none()
                    {
                        // Look the names up again when their records expire.
                        if let Some(at) = ttl_deadline(hops, now) {
                            self.timer = Some((at, Timer::Failback));
                        }
                    }
                }
            }
            RegistrationEvent::Failed { kind, .. } => {
                let another_server_may_help = match kind {
                    FailureKind::NoResponse => true,
                    FailureKind::Status(code) => *code == 503 || *code >= 600 && *code != 603,
                    FailureKind::Other => false,
                };
                if another_server_may_help {
                    self.unanswered += 1;
                    if self.unanswered >= self.config.max_retries.max(1) {
                        self.fail_over(now);
                    }
                }
            }
            _ => {}
        }
    }

    fn drain_options(&mut self, now: Instant) {
        let Some(options) = self.options.as_mut() else {
            return;
        };
        let mut actions = Vec::new();
        while let Some(action) = options.poll_action() {
            actions.push(action);
        }
        for action in actions {
            match action {
                Action::SendOptions => self.send_probe(now),
                Action::Reregister => {
                    if self.config.register {
                        self.unanswered += 1;
                        if self.unanswered >= self.config.max_retries.max(1) {
                            self.fail_over(now);
                        } else {
                            self.start_registration(now);
                        }
                    }
                }
                Action::SendPacket(bytes) => self.send_to_hop(bytes.into()),
            }
        }
    }

    fn send_probe(&mut self, now: Instant) {
        let Some(config) = self.registration_config() else {
            return;
        };
        self.cseq = self.cseq.wrapping_add(1).max(1);
        match options_probe(now, &config, self.cseq, &mut self.rng) {
            Ok(probe) => {
                self.probe = Some(probe);
                self.drain_probe(now);
            }
            Err(_) => {
                if let Some(options) = self.options.as_mut() {
                    options.handle_lost();
                }
            }
        }
    }

    fn drain_probe(&mut self, now: Instant) {
        let Some(probe) = self.probe.as_mut() else {
            return;
        };
        let mut out = Vec::new();
        while let Some(bytes) = probe.tx.poll_transmit() {
            out.push(bytes);
        }
        let mut lost = false;
        let mut over = false;
        while let Some(event) = probe.tx.poll_event() {
            lost |= matches!(event, Event::Timeout | Event::TransportError);
            over |= matches!(event, Event::Terminated);
        }
        for bytes in out {
            self.send_to_hop(bytes);
        }
        if lost || over {
            self.probe = None;
        }
        if lost {
            if let Some(options) = self.options.as_mut() {
                options.handle_lost();
            }
            self.drain_options(now);
        }
    }

    fn drain_nat(&mut self) {
        let Some(nat) = self.nat.as_mut() else {
            return;
        };
        let mut packets = Vec::new();
        while let Some(action) = nat.poll_action() {
            if let Action::SendPacket(bytes) = action {
                packets.push(bytes);
            }
        }
        for bytes in packets {
            self.send_to_hop(bytes.into());
        }
    }

    /// Reports [`AccountEvent::Stopped`] once the registration and subscriptions are done.
    fn check_stopped(&mut self) {
        let registration_done = self
            .registration
            .as_ref()
            .is_none_or(|r| r.state() == RegistrationState::Idle);
        if registration_done && self.subscriptions.all_idle() {
            self.registration = None;
            self.drop_subscriptions();
            self.phase = Phase::Idle;
            self.events.push_back(AccountEvent::Stopped);
        }
    }

    // --- messages in ---------------------------------------------------------------------

    fn handle_response(&mut self, now: Instant, response: &Message) {
        if self.client_handle_response(now, response) {
            return;
        }
        if let Some(registration) = self.registration.as_mut() {
            registration.handle_response(now, response);
            self.drain_registration(now);
        }
        self.subscriptions_handle_response(now, response);
        let Some(probe) = self.probe.as_mut() else {
            return;
        };
        let Some(status) = response.status() else {
            return;
        };
        if TransactionKey::of_response(response).ok().as_ref() != Some(&probe.key) {
            return;
        }
        if probe.tx.handle_response(now, status.as_u16(), None) == Delivery::PassUp
            && status.is_final()
        {
            // Any final response shows the server is alive.
            if let Some(options) = self.options.as_mut() {
                options.handle_answer();
            }
        }
        self.drain_probe(now);
    }

    fn handle_request(&mut self, now: Instant, request: Message, from: Target) {
        let Ok(key) = TransactionKey::of_request(&request) else {
            return;
        };
        match self.server.arrive(now, key.clone(), &request, from) {
            Arrival::Absorbed => {
                for (to, bytes) in self.server.poll_transmits(&key) {
                    self.send_to(to, bytes);
                }
            }
            Arrival::Ack => self.events.push_back(AccountEvent::Request {
                id: RequestId(key),
                request,
                from,
            }),
            Arrival::Overloaded => {
                // Stateless: a retransmission gets the same answer.
                if let Ok(mut response) = response_to(
                    &request,
                    StatusCode::SERVICE_UNAVAILABLE,
                    Some("Overloaded"),
                ) {
                    tag_if_missing(&request, &mut response, &self.to_tag);
                    response.header(HeaderKind::RetryAfter, 5);
                    self.decorate(&mut response);
                    if let Ok(message) = response.build() {
                        let to = incoming::reply_address(&request, from);
                        self.send_to(to, message.shared_bytes());
                    }
                }
            }
            Arrival::New(key) => self.answer_new(now, RequestId(key), request, from),
        }
    }

    /// A new request: answered here when the account can, else passed up.
    fn answer_new(&mut self, now: Instant, id: RequestId, request: Message, from: Target) {
        let method = request.method().cloned().unwrap_or(Method::Options);
        let in_dialog = request
            .headers()
            .to()
            .ok()
            .is_some_and(|to| to.tag().is_some());
        if !self.config.allow.contains(&method) {
            let mut response = self.response(&request, StatusCode::new(405), None);
            if let Some(r) = response.as_mut() {
                r.header(HeaderKind::Allow, allow_value(&self.config.allow));
            }
            return self.reply(now, &id, response);
        }
        if method == Method::Options && !in_dialog {
            let mut response = self.response(&request, Some(StatusCode::OK), None);
            if let Some(r) = response.as_mut() {
                r.header(HeaderKind::Allow, allow_value(&self.config.allow))
                    .header(HeaderKind::Accept, "application/sdp")
                    .header(HeaderKind::Supported, "replaces, timer, path");
            }
            return self.reply(now, &id, response);
        }
        if method == Method::Notify {
            if let Some(mut response) = self.answer_notify(now, &request) {
                tag_if_missing(&request, &mut response, &self.to_tag);
                return self.reply(now, &id, Some(response));
            }
        }
        let challenged = match method {
            Method::Invite => true,
            Method::Notify => self.config.challenge_notify,
            _ => false,
        };
        if challenged && !in_dialog {
            if let Some(verdict) = self.check_credentials(now, &request) {
                return self.challenge(now, &id, &request, verdict);
            }
        }
        self.events
            .push_back(AccountEvent::Request { id, request, from });
    }

    /// `None` when the request may go on; else the challenge verdict.
    fn check_credentials(&mut self, now: Instant, request: &Message) -> Option<Verdict> {
        let digest = self.digest.as_mut()?;
        let uri = request.request_uri()?.to_string();
        let method = request.method()?.to_string();
        let authorizations: Vec<String> = request
            .headers()
            .all(HeaderKind::Authorization)
            .filter_map(|h| h.value().ok().map(|v| v.into_owned()))
            .collect();
        let values: Vec<&str> = authorizations.iter().map(String::as_str).collect();
        let username = self.config.registration.credentials.username.clone();
        let password = self.config.registration.credentials.password.clone();
        let verdict = digest.verify(
            now,
            &DigestRequest::new(&method, &uri).with_body(request.body()),
            &values,
            |user| (user == username).then_some(password.as_str()),
        );
        match verdict {
            Verdict::Accepted { .. } => None,
            challenge => Some(challenge),
        }
    }

    fn challenge(&mut self, now: Instant, id: &RequestId, request: &Message, verdict: Verdict) {
        let Verdict::Challenge { challenges, reason } = verdict else {
            return;
        };
        self.events.push_back(AccountEvent::Challenged {
            reason: reason.to_string(),
        });
        let mut response = self.response(request, Some(StatusCode::UNAUTHORIZED), None);
        if let Some(r) = response.as_mut() {
            for challenge in challenges {
                r.header(HeaderKind::WwwAuthenticate, challenge);
            }
        }
        self.reply(now, id, response);
    }

    fn response(
        &self,
        request: &Message,
        status: Option<StatusCode>,
        reason: Option<&str>,
    ) -> Option<MessageBuilder> {
        let mut response = response_to(request, status?, reason).ok()?;
        tag_if_missing(request, &mut response, &self.to_tag);
        Some(response)
    }

    fn reply(&mut self, now: Instant, id: &RequestId, response: Option<MessageBuilder>) {
        if let Some(response) = response {
            // The transaction is new, so this cannot fail for a well-formed response.
            let _ = self.respond(now, id, response);
        }
    }

    /// Adds the headers every message of the account carries.
    fn decorate(&self, message: &mut MessageBuilder) {
        if let Some(agent) = &self.config.registration.user_agent {
            message.header(HeaderKind::Server, agent);
        }
    }

    // --- messages out --------------------------------------------------------------------

    pub(crate) fn send_to_hop(&mut self, bytes: Bytes) {
        if let Some(hop) = self.hop_destination() {
            self.transmits.push_back(Transmit {
                to: hop.target,
                server_name: hop.server_name,
                bytes,
            });
        }
    }

    /// The current hop, with the name its TLS certificate must carry (a configured domain).
    fn hop_destination(&self) -> Option<Destination> {
        let hop = self.hop.as_ref()?;
        let server_name = self
            .hop_names()
            .get(hop.name)
            .filter(|n| n.host.parse::<IpAddr>().is_err())
            .map(|n| n.host.clone());
        Some(Destination {
            target: hop.target,
            server_name,
        })
    }

    fn send_to(&mut self, to: Target, bytes: Bytes) {
        self.transmits.push_back(Transmit {
            to,
            server_name: None,
            bytes,
        });
    }
}

/// When the DNS answers behind `hops` expire, if they carry a TTL.
fn ttl_deadline(hops: &Hops, now: Instant) -> Option<Instant> {
    hops.valid_until().filter(|at| *at > now)
}

fn ip_host(ip: IpAddr) -> Host {
    match ip {
        IpAddr::V4(v4) => Host::Ipv4(v4),
        IpAddr::V6(v6) => Host::Ipv6(v6),
    }
}

/// A configured host (domain or IP literal) as a URI host.
fn host_of(text: &str) -> Option<Host> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip_host(ip));
    }
    Host::parse(text).ok()
}

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod tests;
