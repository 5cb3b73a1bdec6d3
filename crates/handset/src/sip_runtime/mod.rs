//! The SIP runtime: one tokio task per account that owns the account's UDP socket, locates the
//! SIP server and drives the sans-IO [`Registration`] with real time.
//!
//! The tasks publish their registration state on a [`StatusBoard`] that `/api/v1/status` reads.
//! A configuration change to an account restarts its task; on shutdown every task removes its
//! binding (per "Unregister On Reboot") within a bounded wait.

pub mod dns;
pub mod settings;
pub mod transport;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use handset_sip::header::Transport;
use handset_sip::locate::{Answer, DnsMode, Query, Resolution, TransportKind};
use handset_sip::message::Limits;
use handset_sip::registration::{
    Registration, RegistrationConfig, RegistrationEvent, RegistrationState,
};
use handset_sip::uri::{Host, SipUri, Uri};
use handset_sip::Message;
use tokio::net::UdpSocket;
use tokio::sync::{oneshot, Mutex as AsyncMutex};
use tokio::task::JoinHandle;

use crate::daemon::Shared;
use settings::{AccountSettings, Inactive};

/// How long shutdown waits for the unregistrations.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// The registration state of each account, as `/api/v1/status` reports it.
#[derive(Debug, Default)]
pub struct StatusBoard {
    states: Mutex<BTreeMap<u8, String>>,
}

impl StatusBoard {
    /// The account's registration: `registered`, `registering`, `failed: reason`,
    /// `not registered`, ….
    pub fn get(&self, account: u8) -> String {
        self.states
            .lock()
            .ok()
            .and_then(|s| s.get(&account).cloned())
            .unwrap_or_else(|| "not registered".to_owned())
    }

    fn set(&self, account: u8, state: impl Into<String>) {
        if let Ok(mut states) = self.states.lock() {
            states.insert(account, state.into());
        }
    }
}

/// A running account task.
#[derive(Debug)]
struct Running {
    /// The settings it runs with (`None`: the account does not register).
    settings: Option<AccountSettings>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// The accounts' tasks and sockets.
#[derive(Debug)]
pub struct SipRuntime {
    shared: Arc<Shared>,
    sockets: HashMap<u8, Arc<UdpSocket>>,
    running: AsyncMutex<HashMap<u8, Running>>,
}

impl SipRuntime {
    /// A runtime over the accounts' bound sockets; nothing runs until [`Self::start_all`].
    pub fn new(shared: Arc<Shared>, sockets: Vec<(u8, UdpSocket)>) -> Arc<Self> {
        Arc::new(Self {
            shared,
            sockets: sockets.into_iter().map(|(n, s)| (n, Arc::new(s))).collect(),
            running: AsyncMutex::new(HashMap::new()),
        })
    }

    /// Starts every account that is configured to register.
    pub async fn start_all(&self) {
        let mut accounts: Vec<u8> = self.sockets.keys().copied().collect();
        accounts.sort_unstable();
        for account in accounts {
            self.restart(account).await;
        }
    }

    /// Stops account `account`'s task (unregistering within [`SHUTDOWN_WAIT`]) and starts a new
    /// one with the current settings, unless its registration settings are unchanged.
    pub async fn restart(&self, account: u8) {
        let Some(socket) = self.sockets.get(&account) else {
            return;
        };
        let read = match self.shared.config.lock() {
            Ok(store) => settings::read(&store, account),
            Err(_) => return,
        };
        let mut running = self.running.lock().await;
        if let Some(old) = running.remove(&account) {
            if old.settings.as_ref() == read.as_ref().ok() && !old.task.is_finished() {
                running.insert(account, old);
                return;
            }
            stop_task(account, old).await;
        }
        let settings = match read {
            Ok(settings) => settings,
            Err(reason) => {
                if !matches!(reason, Inactive::Disabled) {
                    tracing::info!(account, ?reason, "account does not register");
                }
                self.shared.registrations.set(account, "not registered");
                // Nobody answers on an inactive account: drain its socket.
                let (stop, stopped) = oneshot::channel::<()>();
                let socket = Arc::clone(socket);
                let task = tokio::spawn(async move {
                    tokio::select! {
                        _ = stopped => {}
                        () = drain(account, socket) => {}
                    }
                });
                running.insert(
                    account,
                    Running {
                        settings: None,
                        stop,
                        task,
                    },
                );
                return;
            }
        };
        tracing::info!(account, settings = ?settings, "starting registration");
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(
            AccountTask {
                settings: settings.clone(),
                socket: Arc::clone(socket),
                shared: Arc::clone(&self.shared),
                last_failure: String::new(),
            }
            .run(stopped),
        );
        running.insert(
            account,
            Running {
                settings: Some(settings),
                stop,
                task,
            },
        );
    }

    /// Stops every account, unregistering within [`SHUTDOWN_WAIT`] overall.
    pub async fn shutdown(&self) {
        let mut running = self.running.lock().await;
        let mut stops = tokio::task::JoinSet::new();
        for (account, task) in running.drain() {
            stops.spawn(stop_task(account, task));
        }
        while stops.join_next().await.is_some() {}
    }
}

async fn stop_task(account: u8, running: Running) {
    let _ = running.stop.send(());
    let mut task = running.task;
    if tokio::time::timeout(SHUTDOWN_WAIT + Duration::from_millis(500), &mut task)
        .await
        .is_err()
    {
        tracing::warn!(account, "account task did not stop in time");
        task.abort();
    }
}

async fn drain(account: u8, socket: Arc<UdpSocket>) {
    let mut buffer = vec![0u8; 65_536];
    loop {
        match socket.recv_from(&mut buffer).await {
            Ok((len, from)) => {
                tracing::debug!(account, %from, len, "SIP datagram dropped: account inactive");
            }
            Err(e) => {
                tracing::warn!(account, error = %e, "SIP socket error");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One account's registration loop.
struct AccountTask {
    settings: AccountSettings,
    socket: Arc<UdpSocket>,
    shared: Arc<Shared>,
    last_failure: String,
}

/// Why the registering loop ended.
enum Ended {
    Stopped,
}

impl AccountTask {
    async fn run(mut self, mut stopped: oneshot::Receiver<()>) {
        let account = self.settings.account;
        loop {
            self.shared.registrations.set(account, "registering");
            let target = tokio::select! {
                _ = &mut stopped => break,
                target = self.locate() => target,
            };
            let target = match target {
                Ok(target) => target,
                Err(reason) => {
                    tracing::warn!(account, server = %self.settings.server.host, %reason, "cannot locate the SIP server");
                    self.shared
                        .registrations
                        .set(account, format!("failed: {reason}"));
                    tokio::select! {
                        _ = &mut stopped => break,
                        () = tokio::time::sleep(self.settings.retry_wait) => continue,
                    }
                }
            };
            match self.register(target, &mut stopped).await {
                Ok(Ended::Stopped) => break,
                Err(reason) => {
                    tracing::warn!(account, %reason, "registration cannot start");
                    self.shared
                        .registrations
                        .set(account, format!("failed: {reason}"));
                    tokio::select! {
                        _ = &mut stopped => break,
                        () = tokio::time::sleep(self.settings.retry_wait) => {},
                    }
                }
            }
        }
        self.shared.registrations.set(account, "not registered");
        tracing::info!(account, "registration stopped");
    }

    /// Resolves the server (A/AAAA records; IP literals need no lookup) to its first target.
    async fn locate(&self) -> Result<SocketAddr, String> {
        let mut resolution = Resolution::new(
            self.settings.server.clone(),
            DnsMode::ARecord,
            TransportKind::Udp,
            rand::random(),
        );
        while let Some(query) = resolution.poll_query() {
            let answer = match query {
                Query::Address(host) => match tokio::net::lookup_host((host.as_str(), 0)).await {
                    Ok(addrs) => {
                        let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
                        if ips.is_empty() {
                            Answer::Nothing
                        } else {
                            Answer::Addresses(ips)
                        }
                    }
                    Err(e) => {
                        tracing::debug!(%host, error = %e, "address lookup failed");
                        Answer::Nothing
                    }
                },
                Query::Naptr(_) | Query::Srv(_) => Answer::Nothing,
            };
            resolution.handle_answer(answer, None);
        }
        resolution
            .targets()
            .iter()
            .find(|t| t.transport == TransportKind::Udp)
            .map(|t| t.addr)
            .ok_or_else(|| format!("cannot resolve {}", self.settings.server.host))
    }

    /// The address to put in Via and Contact for sending to `target`.
    async fn contact_address(&self, target: SocketAddr) -> Result<SocketAddr, String> {
        let local = self.socket.local_addr().map_err(|e| e.to_string())?;
        if !local.ip().is_unspecified() {
            return Ok(local);
        }
        let ip = if target.ip().is_loopback() {
            match target.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            }
        } else {
            // The OS picks the source address when a UDP socket is connected; nothing is sent.
            let any: SocketAddr = match target {
                SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
                SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
            };
            let probe = UdpSocket::bind(any).await.map_err(|e| e.to_string())?;
            probe.connect(target).await.map_err(|e| e.to_string())?;
            probe.local_addr().map_err(|e| e.to_string())?.ip()
        };
        Ok(SocketAddr::new(ip, local.port()))
    }

    fn config(&self, contact: SocketAddr) -> Result<RegistrationConfig, String> {
        let s = &self.settings;
        let host = server_host(&s.server.host)?;
        let mut registrar = SipUri::new(host.clone());
        if let Some(port) = s.server.port {
            registrar = registrar.with_port(port);
        }
        let aor = SipUri::new(host).with_user(&s.user_id);
        let profile = self.shared.identity.profile();
        Ok(RegistrationConfig::default()
            .with_registrar(Uri::from(registrar))
            .with_aor(aor)
            .with_contact(ip_host(contact.ip()), contact.port())
            .with_transport(Transport::Udp)
            .with_expires(s.expires)
            .with_reregister_before(s.reregister_before)
            .with_retry_wait(s.retry_wait)
            .with_unregister(s.unregister)
            .with_instance(settings::instance_id(&self.shared.identity.mac, s.account))
            .with_user_agent(profile.user_agent(env!("CARGO_PKG_VERSION")))
            .with_credentials(s.credentials.clone())
            .with_timers(s.timers))
    }

    /// Registers with `target` until stopped; then unregisters within [`SHUTDOWN_WAIT`].
    async fn register(
        &mut self,
        target: SocketAddr,
        stopped: &mut oneshot::Receiver<()>,
    ) -> Result<Ended, String> {
        let account = self.settings.account;
        let contact = self.contact_address(target).await?;
        let config = self.config(contact)?;
        let mut registration =
            Registration::new(config, rand::random()).map_err(|e| e.to_string())?;
        tracing::info!(account, %target, %contact, call_id = registration.call_id(), "registering");
        registration
            .start(Instant::now())
            .map_err(|e| e.to_string())?;
        let mut buffer = vec![0u8; 65_536];
        let limits = Limits::default();
        let mut stopping_until: Option<Instant> = None;
        loop {
            self.flush(&mut registration, target).await;
            if let Some(until) = stopping_until {
                let state = registration.state();
                if state != RegistrationState::Unregistering || Instant::now() >= until {
                    return Ok(Ended::Stopped);
                }
            }
            let mut wake = registration
                .poll_timeout()
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            if let Some(until) = stopping_until {
                wake = wake.min(until);
            }
            tokio::select! {
                _ = &mut *stopped, if stopping_until.is_none() => {
                    let now = Instant::now();
                    registration.stop(now);
                    stopping_until = Some(now + SHUTDOWN_WAIT);
                }
                received = self.socket.recv_from(&mut buffer) => match received {
                    Ok((len, from)) => {
                        match Message::parse_datagram(&buffer[..len], &limits) {
                            Ok(message) if message.status().is_some() => {
                                registration.handle_response(Instant::now(), &message);
                            }
                            Ok(_) => tracing::debug!(account, %from, "SIP request ignored: no dialogs yet"),
                            Err(e) => tracing::debug!(account, %from, error = %e, "unparsable SIP datagram"),
                        }
                    }
                    Err(e) => {
                        tracing::warn!(account, error = %e, "SIP socket error");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                () = tokio::time::sleep_until(tokio::time::Instant::from_std(wake)) => {
                    registration.handle_timeout(Instant::now());
                }
            }
        }
    }

    /// Sends what the registration has to send and reports its events.
    async fn flush(&mut self, registration: &mut Registration, target: SocketAddr) {
        let account = self.settings.account;
        while let Some(bytes) = registration.poll_transmit() {
            if let Err(e) = self.socket.send_to(&bytes, target).await {
                tracing::warn!(account, %target, error = %e, "cannot send REGISTER");
            }
        }
        while let Some(event) = registration.poll_event() {
            match &event {
                RegistrationEvent::Registering => tracing::info!(account, "registering"),
                RegistrationEvent::Registered { expires, contact } => {
                    tracing::info!(account, expires, %contact, "registered");
                }
                RegistrationEvent::Failed { reason, .. } => {
                    tracing::warn!(account, %reason, "registration failed");
                    self.last_failure.clone_from(reason);
                }
                RegistrationEvent::Unregistered => tracing::info!(account, "unregistered"),
                RegistrationEvent::ContactRewritten { from, to } => {
                    tracing::info!(account, %from, %to, "contact rewritten (NAT)");
                }
            }
        }
        let state = match registration.state() {
            RegistrationState::Registered => "registered".to_owned(),
            RegistrationState::Registering => "registering".to_owned(),
            RegistrationState::Failed => format!("failed: {}", self.last_failure),
            RegistrationState::Unregistering => "unregistering".to_owned(),
            RegistrationState::Idle => "not registered".to_owned(),
        };
        self.shared.registrations.set(account, state);
    }
}

fn ip_host(ip: IpAddr) -> Host {
    match ip {
        IpAddr::V4(v4) => Host::Ipv4(v4),
        IpAddr::V6(v6) => Host::Ipv6(v6),
    }
}

fn server_host(host: &str) -> Result<Host, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ip_host(ip));
    }
    Host::parse(host).map_err(|e| format!("bad SIP server {host:?}: {e}"))
}
