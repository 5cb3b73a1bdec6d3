//! `handset run`: the phone daemon.
//!
//! Start-up order: set up the data directory (first start creates identity, passwords and the
//! device certificate), take the daemon lock, load the configuration, bind the web/API and SIP
//! sockets, then publish `run/endpoints.json`. On SIGINT/SIGTERM the file is removed again.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use handset_config::ConfigStore;
use tokio::net::TcpListener;

use crate::api;
use crate::datadir::{DataDir, Identity};
use crate::endpoints::{Endpoints, SipEndpoint};
use crate::phone_runtime::control::PhoneHandle;
use crate::phone_runtime::link::{PhoneInput, PhoneLink};
use crate::phone_runtime::media::AudioFiles;
use crate::phone_runtime::task::PhoneTask;
use crate::sip_runtime::dns::{configured_servers, DnsResolver};
use crate::sip_runtime::{SipRuntime, StatusBoard, SHUTDOWN_WAIT};

/// How far past the requested SIP port to look for a free one.
const SIP_PORT_SEARCH: u16 = 100;

/// How many control commands may wait for the phone task.
const PHONE_COMMAND_QUEUE: usize = 64;

/// How long a failed DNS lookup is answered from memory.
const DNS_FAILURE_CACHE: std::time::Duration = std::time::Duration::from_secs(30);

/// `handset run` options.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The phone's data directory.
    pub data_dir: DataDir,
    /// Web UI / API listening address.
    pub http: SocketAddr,
    /// SIP port for account 1 (`None`: 5060 or the next free one; 0: any free port).
    pub sip_port: Option<u16>,
    /// Device MAC for a new data directory.
    pub mac: Option<String>,
    /// Model profile id.
    pub model: Option<String>,
    /// DNS servers given on the command line (empty: configured or system ones).
    pub dns: Vec<SocketAddr>,
    /// Audio files for calls instead of a sound card (`--audio-in`, `--audio-out`).
    pub audio: AudioFiles,
}

/// State shared by the daemon's tasks.
#[derive(Debug)]
pub struct Shared {
    /// The data directory.
    pub dir: DataDir,
    /// Who the phone is.
    pub identity: Identity,
    /// The current configuration.
    pub config: Mutex<ConfigStore>,
    /// When the daemon started.
    pub started: Instant,
    /// Secret that client commands present.
    pub token: String,
    /// The published endpoints.
    pub endpoints: Endpoints,
    /// Each account's registration state.
    pub registrations: StatusBoard,
    /// Commands to the phone task (calls).
    pub phone: PhoneHandle,
    /// Between the account tasks and the phone task.
    pub phone_link: PhoneLink,
}

/// Runs the daemon until SIGINT or SIGTERM.
pub async fn run(options: RunOptions) -> Result<()> {
    let dir = options.data_dir.clone();
    let (identity, new_passwords) =
        dir.initialize(options.mac.as_deref(), options.model.as_deref())?;
    let profile = identity.profile();
    if let Some(passwords) = new_passwords {
        println!(
            "handset: new phone in {} (device {}, model {})",
            dir.root().display(),
            identity.mac_colons(),
            profile.name
        );
        println!("  admin password: {}", passwords.admin);
        println!("  user password:  {}", passwords.user);
        println!("  (shown only now; keep them)");
    }
    std::fs::create_dir_all(dir.run_dir())?;
    let daemon_lock = take_daemon_lock(&dir)?;
    let store = dir.load_config(&identity)?;

    let http = TcpListener::bind(options.http).await.with_context(|| {
        format!(
            "cannot listen for the web UI on {} (choose another with --http)",
            options.http
        )
    })?;
    let http_addr = http.local_addr()?;
    let sip = bind_sip(options.sip_port, &store, profile.accounts)?;
    let dns_servers = if options.dns.is_empty() {
        configured_servers(&store)
    } else {
        options.dns.clone()
    };
    let dns = DnsResolver::new(&dns_servers, DNS_FAILURE_CACHE)
        .context("cannot set up DNS resolution")?;

    let token = handset_config::password::generate(32);
    handset_config::persist::write_atomic(&dir.token_path(), token.as_bytes())?;
    let endpoints = Endpoints {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        http: http_addr.to_string(),
        api: format!("http://{http_addr}/api/v1"),
        sip: sip
            .iter()
            .map(|(account, socket)| SipEndpoint {
                account: *account,
                transport: "udp".to_owned(),
                address: socket
                    .local_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
            })
            .collect(),
    };
    let (phone_commands, phone_inbox) = tokio::sync::mpsc::channel(PHONE_COMMAND_QUEUE);
    let (phone_link, phone_inputs) = PhoneLink::new();
    let shared = Arc::new(Shared {
        dir: dir.clone(),
        identity,
        config: Mutex::new(store),
        started: Instant::now(),
        token,
        endpoints: endpoints.clone(),
        registrations: StatusBoard::default(),
        phone: PhoneHandle::new(phone_commands),
        phone_link,
    });
    let (stop_phone, phone_stopped) = tokio::sync::oneshot::channel();
    let phone_task = PhoneTask::new(Arc::clone(&shared), options.audio.clone())
        .context("cannot start the phone")?;
    let phone_task = tokio::spawn(phone_task.run(phone_inputs, phone_inbox, phone_stopped));
    let runtime = SipRuntime::new(Arc::clone(&shared), sip, dns);
    watch_config(&shared, &runtime);
    runtime.start_all().await;
    let server = axum::serve(http, api::router(Arc::clone(&shared)))
        .with_graceful_shutdown(shutdown_signal()?);

    let endpoints_json = serde_json::to_string_pretty(&endpoints)? + "\n";
    handset_config::persist::write_atomic(&dir.endpoints_path(), endpoints_json.as_bytes())?;
    println!(
        "handset ready: web http://{http_addr}  SIP {}",
        endpoints
            .sip
            .iter()
            .map(|s| format!("account {} udp {}", s.account, s.address))
            .collect::<Vec<_>>()
            .join(", ")
    );
    tracing::info!(web = %http_addr, model = profile.id, mac = %shared.identity.mac, "ready");

    let result = server.await.context("web server failed");
    // Calls end first (BYE goes out through the accounts), then the accounts unregister.
    let _ = stop_phone.send(());
    if tokio::time::timeout(SHUTDOWN_WAIT, phone_task)
        .await
        .is_err()
    {
        tracing::warn!("the phone did not stop in time");
    }
    runtime.shutdown().await;
    let _ = std::fs::remove_file(dir.endpoints_path());
    let _ = std::fs::remove_file(dir.token_path());
    drop(daemon_lock);
    tracing::info!("stopped");
    result
}

fn take_daemon_lock(dir: &DataDir) -> Result<std::fs::File> {
    let path = dir.run_dir().join("daemon.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("{}: cannot open", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another handset is already running on {}",
            dir.root().display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("{}: cannot lock", path.display()))
        }
    }
}

/// Binds one UDP socket per account, account N at `base + 2·(N-1)` like the vendor's defaults,
/// moving up to the next free ports when the preferred ones are taken.
/// Binds each account's UDP SIP socket: `--sip-port N` puts account k on N + 2(k-1) (0: any
/// free port); otherwise an account's "Local SIP Port" when it was set, else the first free
/// port from 5060 + 2(k-1).
/// Whether TCP `port` and `port + 1` (the account's TCP and TLS listeners) can be bound now.
fn stream_ports_free(port: u16) -> bool {
    let free = |p: u16| std::net::TcpListener::bind((Ipv4Addr::UNSPECIFIED, p)).is_ok();
    port < u16::MAX && free(port) && free(port + 1)
}

/// A UDP socket on a free port whose TCP and TLS listener ports are free as well, so that a
/// transport that listens later finds them open.
fn any_sip_port() -> Result<std::net::UdpSocket> {
    for _ in 0..SIP_PORT_SEARCH {
        let socket = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
        if stream_ports_free(socket.local_addr()?.port()) {
            return Ok(socket);
        }
    }
    bail!("no free SIP port with its TCP and TLS ports free (choose one with --sip-port)")
}

fn bind_sip(
    requested: Option<u16>,
    store: &ConfigStore,
    accounts: u8,
) -> Result<Vec<(u8, std::net::UdpSocket)>> {
    let mut sockets: Vec<(u8, std::net::UdpSocket)> = Vec::new();
    let mut next = requested.unwrap_or(5060);
    for account in 1..=accounts {
        let configured = store
            .resolve(&format!("account.{account}.sip.localPort"))
            .ok()
            .filter(|key| store.is_changed(*key))
            .and_then(|key| store.get(key).trim().parse::<u16>().ok());
        let (first, search) = match (requested, configured) {
            (Some(_), _) => (next, 0),
            (None, Some(port)) => (port, 0),
            (None, None) => (next, SIP_PORT_SEARCH),
        };
        let socket = if first == 0 {
            any_sip_port()?
        } else {
            let taken = |port: u16| {
                sockets.iter().any(|(_, s)| {
                    s.local_addr()
                        .is_ok_and(|a| a.port() == port || a.port() + 1 == port)
                })
            };
            let mut bound = None;
            for port in first..=first.saturating_add(search) {
                if taken(port) {
                    continue;
                }
                // A searched port must leave TCP (same port) and TLS (port + 1) free too.
                if search > 0 && !stream_ports_free(port) {
                    continue;
                }
                if let Ok(socket) = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)) {
                    bound = Some(socket);
                    break;
                }
            }
            match bound {
                Some(socket) => socket,
                None => bail!(
                    "account {account}: no free UDP port for SIP at {first} (choose one with --sip-port or \"Local SIP Port\")"
                ),
            }
        };
        socket.set_nonblocking(true)?;
        let port = socket.local_addr()?.port();
        if next != 0 {
            next = port.saturating_add(2);
        }
        sockets.push((account, socket));
    }
    Ok(sockets)
}

fn watch_config(shared: &Arc<Shared>, runtime: &Arc<SipRuntime>) {
    let receiver = match shared.config.lock() {
        Ok(mut store) => store.subscribe(),
        Err(_) => return,
    };
    let (restart, mut restarts) = tokio::sync::mpsc::unbounded_channel::<u8>();
    let runtime = Arc::clone(runtime);
    let phone = Arc::clone(shared);
    tokio::spawn(async move {
        while let Some(account) = restarts.recv().await {
            runtime.restart(account).await;
        }
    });
    std::thread::spawn(move || {
        for set in receiver {
            let mut accounts = std::collections::BTreeSet::new();
            for change in &set.changes {
                tracing::info!(%change, "setting applied");
                if change.key.account != 0 {
                    accounts.insert(change.key.account);
                }
            }
            for account in accounts {
                let _ = restart.send(account);
            }
            phone.phone_link.report(PhoneInput::Reload);
            if set.restart_required() {
                tracing::warn!("some applied settings take effect after a restart");
            }
        }
    });
}

/// Listens for SIGINT and SIGTERM from now on. Registered before `endpoints.json` is written,
/// so a client that saw the file can always stop the daemon cleanly.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down");
    })
}
