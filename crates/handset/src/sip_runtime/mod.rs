//! The SIP runtime: one tokio task per account that owns the account's transports and drives
//! the sans-IO [`handset_sip::account::Account`] with real time, DNS and sockets.
//!
//! The tasks publish their state on a [`StatusBoard`] that `/api/v1/status` reads. A
//! configuration change to an account restarts its task; on shutdown every task removes its
//! binding (per "Unregister On Reboot") within a bounded wait.

pub mod dns;
pub mod settings;
mod task;
pub mod transport;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{oneshot, Mutex as AsyncMutex};
use tokio::task::JoinHandle;

use crate::daemon::Shared;
use dns::DnsResolver;
use settings::{AccountSettings, Device, Inactive};

/// How long shutdown waits for the unregistrations.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// One account's state as the status page shows it.
#[derive(Debug, Clone, Default)]
struct AccountStatus {
    registration: String,
    server: String,
    voicemail: String,
}

/// The registration state of each account, as `/api/v1/status` reports it.
#[derive(Debug, Default)]
pub struct StatusBoard {
    states: Mutex<BTreeMap<u8, AccountStatus>>,
}

impl StatusBoard {
    /// The account's registration: `registered`, `registering`, `failed: reason`,
    /// `not registered`, ….
    pub fn get(&self, account: u8) -> String {
        self.states
            .lock()
            .ok()
            .and_then(|s| s.get(&account).map(|a| a.registration.clone()))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "not registered".to_owned())
    }

    /// The server the account talks to (`udp 192.0.2.1:5060`), empty when none.
    pub fn server(&self, account: u8) -> String {
        self.states
            .lock()
            .ok()
            .and_then(|s| s.get(&account).map(|a| a.server.clone()))
            .unwrap_or_default()
    }

    /// Voicemail waiting (`2 new, 8 old`, `none`), empty when unknown.
    pub fn voicemail(&self, account: u8) -> String {
        self.states
            .lock()
            .ok()
            .and_then(|s| s.get(&account).map(|a| a.voicemail.clone()))
            .unwrap_or_default()
    }

    fn set_voicemail(&self, account: u8, text: impl Into<String>) {
        if let Ok(mut states) = self.states.lock() {
            states.entry(account).or_default().voicemail = text.into();
        }
    }

    fn set(&self, account: u8, state: impl Into<String>) {
        if let Ok(mut states) = self.states.lock() {
            states.entry(account).or_default().registration = state.into();
        }
    }

    fn set_server(&self, account: u8, server: impl Into<String>) {
        if let Ok(mut states) = self.states.lock() {
            states.entry(account).or_default().server = server.into();
        }
    }
}

/// A running account task.
#[derive(Debug)]
struct Running {
    /// The settings it runs with (`None`: the account is inactive).
    settings: Option<AccountSettings>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// The accounts' tasks and sockets.
#[derive(Debug)]
pub struct SipRuntime {
    shared: Arc<Shared>,
    /// Each account's bound UDP socket; every task start works on a duplicate of it.
    sockets: HashMap<u8, std::net::UdpSocket>,
    dns: Arc<DnsResolver>,
    running: AsyncMutex<HashMap<u8, Running>>,
}

impl SipRuntime {
    /// A runtime over the accounts' bound sockets; nothing runs until [`Self::start_all`].
    pub fn new(
        shared: Arc<Shared>,
        sockets: Vec<(u8, std::net::UdpSocket)>,
        dns: DnsResolver,
    ) -> Arc<Self> {
        Arc::new(Self {
            shared,
            sockets: sockets.into_iter().collect(),
            dns: Arc::new(dns),
            running: AsyncMutex::new(HashMap::new()),
        })
    }

    /// Starts every account, after the "Delay Registration" time.
    pub async fn start_all(&self) {
        let mut accounts: Vec<u8> = self.sockets.keys().copied().collect();
        accounts.sort_unstable();
        let delay = self
            .shared
            .config
            .lock()
            .ok()
            .and_then(|store| {
                store
                    .get_by_name("sip.delayRegistration")
                    .ok()?
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(Duration::ZERO, |s| Duration::from_secs(s.min(90)));
        for account in accounts {
            self.start(account, delay).await;
        }
    }

    /// Restarts account `account` with its current settings, unless they are unchanged; no registration delay.
    pub async fn restart(&self, account: u8) {
        self.start(account, Duration::ZERO).await;
    }

    /// Stops account `account`'s task (unregistering within [`SHUTDOWN_WAIT`]) and starts a new
    /// one with the current settings, unless its settings are unchanged; the new one registers
    /// after `delay`.
    async fn start(&self, account: u8, delay: Duration) {
        let Some(socket) = self.sockets.get(&account) else {
            return;
        };
        let read = match self.shared.config.lock() {
            Ok(store) => {
                let profile = self.shared.identity.profile();
                let user_agent = profile.user_agent(env!("CARGO_PKG_VERSION"));
                let device = Device {
                    mac: &self.shared.identity.mac,
                    user_agent: &user_agent,
                };
                settings::read(&store, account, &device)
            }
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
        let udp = match socket
            .try_clone()
            .and_then(|s| tokio::net::UdpSocket::from_std(s))
        {
            Ok(udp) => udp,
            Err(e) => {
                tracing::error!(account, error = %e, "cannot use the account's SIP socket");
                return;
            }
        };
        let mut settings = match read {
            Ok(settings) => settings,
            Err(reason) => {
                if !matches!(reason, Inactive::Disabled) {
                    tracing::info!(account, ?reason, "account inactive");
                }
                self.shared.registrations.set(account, "not registered");
                self.shared.registrations.set_server(account, "");
                let (stop, stopped) = oneshot::channel::<()>();
                let task = tokio::spawn(task::drain(account, udp, stopped));
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
        tracing::info!(account, settings = ?settings, "starting account");
        let recorded = settings.clone();
        settings.transport.tls.server_certificate = self.shared.dir.device_certificate_pem();
        settings.config.start_delay = delay;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(
            task::AccountTask::new(settings, Arc::clone(&self.shared), Arc::clone(&self.dns))
                .run(udp, stopped),
        );
        running.insert(
            account,
            Running {
                settings: Some(recorded),
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
