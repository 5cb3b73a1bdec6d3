//! One account's task: the sans-IO account core, its transports and DNS, on real time.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use handset_phone::phone::SipCommand;
use handset_sip::account::{Account, AccountEvent, Need, RequestId, Transmit};
use handset_sip::body::MessageClass;
use handset_sip::locate::{Target, TransportKind};
use handset_sip::message::response_to;
use handset_sip::registration::{RegistrationEvent, RegistrationState};
use handset_sip::transaction::TransactionKey;
use handset_sip::{Message, Method, StatusCode};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use super::dns::DnsResolver;
use super::settings::AccountSettings;
use super::transport::{Destination, Inbound, Transports};
use super::SHUTDOWN_WAIT;
use crate::daemon::Shared;
use crate::phone_runtime::link::PhoneInput;

/// Reads and drops what arrives on an inactive account's socket, so nothing piles up.
pub(super) async fn drain(account: u8, socket: UdpSocket, mut stopped: oneshot::Receiver<()>) {
    let mut buffer = vec![0u8; 65_536];
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            received = socket.recv_from(&mut buffer) => match received {
                Ok((len, from)) => {
                    tracing::debug!(account, %from, len, "SIP datagram dropped: account inactive");
                }
                Err(e) => {
                    tracing::warn!(account, error = %e, "SIP socket error");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
}

/// One account's loop.
pub(super) struct AccountTask {
    settings: AccountSettings,
    shared: Arc<Shared>,
    dns: Arc<DnsResolver>,
    last_failure: String,
}

impl AccountTask {
    /// A task for `settings`.
    pub(super) fn new(
        settings: AccountSettings,
        shared: Arc<Shared>,
        dns: Arc<DnsResolver>,
    ) -> Self {
        Self {
            settings,
            shared,
            dns,
            last_failure: String::new(),
        }
    }

    /// Runs until `stopped` fires, then unregisters within [`SHUTDOWN_WAIT`].
    pub(super) async fn run(mut self, udp: UdpSocket, mut stopped: oneshot::Receiver<()>) {
        let account = self.settings.account;
        let (transports, mut inbound) =
            match Transports::start(udp, self.settings.transport.clone()).await {
                Ok(started) => started,
                Err(e) => {
                    tracing::error!(account, error = %e, "cannot start the SIP transports");
                    self.board(format!("failed: {e}"));
                    let _ = stopped.await;
                    return;
                }
            };
        let mut core = Account::new(self.settings.config.clone(), rand::random(), Instant::now());
        let mut commands = self.shared.phone_link.attach(account);
        let mut published_local = None;
        self.board("registering".to_owned());
        core.start(Instant::now());
        let mut stopping_until: Option<Instant> = None;
        loop {
            let finished = self.drive(&mut core, &transports).await;
            if finished {
                break;
            }
            let local = core
                .local_address()
                .map(|address| (address, core.transport()));
            if local != published_local {
                published_local = local;
                self.shared
                    .phone_link
                    .report(PhoneInput::Local { account, local });
            }
            if stopping_until.is_some_and(|until| Instant::now() >= until) {
                break;
            }
            let mut wake = core
                .poll_timeout()
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            if let Some(until) = stopping_until {
                wake = wake.min(until);
            }
            tokio::select! {
                _ = &mut stopped, if stopping_until.is_none() => {
                    let now = Instant::now();
                    core.stop(now);
                    stopping_until = Some(now + SHUTDOWN_WAIT);
                }
                received = inbound.recv() => match received {
                    Some(Inbound::Message { bytes, from, kind, .. }) => {
                        let from = Target { addr: from, transport: kind };
                        core.handle_message(Instant::now(), &bytes, from);
                    }
                    Some(Inbound::Closed { peer, .. }) => {
                        core.handle_transport_error(Instant::now(), peer);
                    }
                    None => {
                        tracing::warn!(account, "SIP transports stopped");
                        break;
                    }
                },
                Some(command) = commands.recv() => {
                    self.carry_out(&mut core, command);
                }
                () = tokio::time::sleep_until(tokio::time::Instant::from_std(wake)) => {
                    core.handle_timeout(Instant::now());
                }
            }
        }
        self.shared.phone_link.detach(account);
        transports.shutdown();
        drop_inbound(&mut inbound);
        self.board("not registered".to_owned());
        self.shared.registrations.set_server(account, "");
        tracing::info!(account, "account stopped");
    }

    /// Works off everything the core asks for; `true` once it reported it stopped.
    async fn drive(&mut self, core: &mut Account, transports: &Transports) -> bool {
        let mut stopped = false;
        loop {
            let mut busy = false;
            while let Some(need) = core.poll_need() {
                busy = true;
                match need {
                    Need::Dns(query) => {
                        let (answer, ttl) = self.dns.answer(&query).await;
                        core.handle_dns_answer(Instant::now(), answer, ttl);
                    }
                    Need::LocalAddress(target) => {
                        let local = local_address(transports, target).await;
                        core.handle_local_address(Instant::now(), local);
                    }
                }
            }
            while let Some(transmit) = core.poll_transmit() {
                busy = true;
                self.send(core, transports, transmit).await;
            }
            while let Some(event) = core.poll_event() {
                busy = true;
                stopped |= event == AccountEvent::Stopped;
                self.report(core, event);
            }
            if !busy {
                break;
            }
        }
        let state = match core.registration_state() {
            RegistrationState::Registered => "registered".to_owned(),
            RegistrationState::Registering => "registering".to_owned(),
            RegistrationState::Failed => format!("failed: {}", self.last_failure),
            RegistrationState::Unregistering => "unregistering".to_owned(),
            RegistrationState::Idle if !self.settings.config.register => "not registered".into(),
            RegistrationState::Idle if !self.last_failure.is_empty() => {
                format!("failed: {}", self.last_failure)
            }
            RegistrationState::Idle => "registering".to_owned(),
        };
        if !stopped {
            self.board(state);
        }
        stopped
    }

    /// Does what the phone asks of the account; a request that cannot go out is reported as
    /// failed at once.
    fn carry_out(&mut self, core: &mut Account, command: SipCommand) {
        let account = self.settings.account;
        let now = Instant::now();
        match command {
            SipCommand::Send { request, to } => {
                if let Err(e) = core.send_request(now, &request, to) {
                    tracing::warn!(account, error = %e, "cannot send the phone's request");
                    if let Ok(key) = TransactionKey::of_sent_request(&request) {
                        self.shared
                            .phone_link
                            .report(PhoneInput::Failed { account, key });
                    }
                }
            }
            SipCommand::SendAck { request, to } => {
                if let Err(e) = core.send_stateless(&request, to) {
                    tracing::warn!(account, error = %e, "cannot send the ACK");
                }
            }
            SipCommand::Respond { id, response } => {
                if let Err(e) = core.respond(now, &id, response) {
                    tracing::debug!(account, error = %e, "cannot answer");
                }
            }
        }
    }

    async fn send(&mut self, core: &mut Account, transports: &Transports, transmit: Transmit) {
        let destination = Destination {
            addr: transmit.to.addr,
            kind: transmit.to.transport,
            server_name: transmit.server_name,
        };
        if let Err(e) = transports.send(&destination, &transmit.bytes).await {
            tracing::warn!(
                account = self.settings.account,
                to = %transmit.to.addr,
                error = %e,
                "cannot send"
            );
            core.handle_transport_error(Instant::now(), transmit.to.addr);
        }
    }

    /// Logs an event, updates the status board, and answers requests the phone cannot take
    /// yet.
    fn report(&mut self, core: &mut Account, event: AccountEvent) {
        let account = self.settings.account;
        match event {
            AccountEvent::ServerSelected {
                target,
                name,
                failed_over,
            } => {
                tracing::info!(account, %name, to = %target.addr, transport = ?target.transport, failed_over, "server selected");
                let kind = match target.transport {
                    TransportKind::Udp => "udp",
                    TransportKind::Tcp => "tcp",
                    TransportKind::Tls => "tls",
                };
                self.shared
                    .registrations
                    .set_server(account, format!("{kind} {}", target.addr));
            }
            AccountEvent::Unreachable { reason } => {
                tracing::warn!(account, %reason, "no SIP server reachable");
                self.last_failure = reason;
                self.shared.registrations.set_server(account, "");
            }
            AccountEvent::Registration(event) => match event {
                RegistrationEvent::Registering => tracing::info!(account, "registering"),
                RegistrationEvent::Registered { expires, contact } => {
                    self.last_failure.clear();
                    tracing::info!(account, expires, %contact, "registered");
                }
                RegistrationEvent::Failed { reason, kind } => {
                    tracing::warn!(account, %reason, ?kind, "registration failed");
                    self.last_failure = reason;
                }
                RegistrationEvent::Unregistered => tracing::info!(account, "unregistered"),
                RegistrationEvent::ContactRewritten { from, to } => {
                    tracing::info!(account, %from, %to, "contact rewritten (NAT)");
                }
            },
            AccountEvent::Request { id, request, from } => {
                let method = request
                    .method()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                tracing::debug!(account, %method, from = %from.addr, "request received");
                // The phone answers; if it is gone (shutting down), answer as a phone that
                // cannot take a call.
                let phone = &self.shared.phone_link;
                if let Err(unsent) = phone.report_request(account, id, request, from) {
                    let (id, request, from) = *unsent;
                    answer_without_phone(core, account, &id, &request, from);
                }
            }
            AccountEvent::Challenged { reason } => {
                tracing::info!(account, %reason, "incoming INVITE challenged");
            }
            AccountEvent::MessageWaiting(summary) => {
                let voice = summary
                    .get(MessageClass::Voice)
                    .map(|c| format!("{} new, {} old", c.new, c.old))
                    .unwrap_or_default();
                tracing::info!(account, waiting = summary.messages_waiting, %voice, "message waiting");
                let text = match (summary.messages_waiting, voice.is_empty()) {
                    (false, _) => "none".to_owned(),
                    (true, true) => "waiting".to_owned(),
                    (true, false) => voice,
                };
                self.shared.registrations.set_voicemail(account, text);
            }
            AccountEvent::RegistrationInfo(info) => {
                tracing::debug!(
                    account,
                    registrations = info.registrations.len(),
                    "registration state"
                );
            }
            AccountEvent::SubscriptionFailed { package, reason } => {
                tracing::warn!(account, package = package.token(), %reason, "subscription failed");
            }
            AccountEvent::Response { key, response } => {
                self.shared.phone_link.report(PhoneInput::Response {
                    account,
                    key,
                    response,
                });
            }
            AccountEvent::RequestFailed { key, reason } => {
                tracing::info!(account, ?reason, "a call request got no answer");
                self.shared
                    .phone_link
                    .report(PhoneInput::Failed { account, key });
            }
            AccountEvent::Stopped => {}
        }
    }

    fn board(&self, state: String) {
        self.shared.registrations.set(self.settings.account, state);
    }
}

/// Requests that need the phone (calls, messages, transfers) arrive before the phone layer
/// takes them: they are answered as by a phone that cannot take a call right now.
fn answer_without_phone(
    core: &mut Account,
    account: u8,
    id: &RequestId,
    request: &Message,
    from: Target,
) {
    let Some(method) = request.method() else {
        return;
    };
    tracing::info!(account, %method, from = %from.addr, "request received");
    let in_dialog = request
        .headers()
        .to()
        .ok()
        .is_some_and(|to| to.tag().is_some());
    let status = match method {
        Method::Ack => return,
        _ if in_dialog => StatusCode::CALL_DOES_NOT_EXIST,
        Method::Cancel => StatusCode::CALL_DOES_NOT_EXIST,
        _ => StatusCode::new(480).unwrap_or(StatusCode::BUSY_HERE),
    };
    if let Ok(mut response) = response_to(request, status, None) {
        if !in_dialog {
            response.with_to_tag(&format!("{:08x}", rand::random::<u32>()));
        }
        if let Err(e) = core.respond(Instant::now(), id, response) {
            tracing::debug!(account, error = %e, "cannot answer");
        }
    }
}

fn drop_inbound(inbound: &mut mpsc::Receiver<Inbound>) {
    inbound.close();
    while inbound.try_recv().is_ok() {}
}

/// The address for Via and Contact towards `target`: the IP the system routes from (loopback
/// for a loopback server) and the port the transport listens on.
async fn local_address(transports: &Transports, target: Target) -> SocketAddr {
    let listening = transports
        .local_addr(target.transport)
        .or_else(|| transports.local_addr(TransportKind::Udp))
        .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::UNSPECIFIED, 5060)));
    if !listening.ip().is_unspecified() {
        return listening;
    }
    let ip = if target.addr.ip().is_loopback() {
        match target.addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        }
    } else {
        route_source(target.addr)
            .await
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    };
    SocketAddr::new(ip, listening.port())
}

/// The source address the system picks for `to` (a connected UDP socket sends nothing).
async fn route_source(to: SocketAddr) -> Option<IpAddr> {
    let any: SocketAddr = match to {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let probe = UdpSocket::bind(any).await.ok()?;
    probe.connect(to).await.ok()?;
    Some(probe.local_addr().ok()?.ip())
}
