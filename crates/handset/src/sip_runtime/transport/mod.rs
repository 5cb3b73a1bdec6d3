//! The per-account SIP transports: the account's UDP socket, TCP and TLS connections (ours
//! and the peer's), and TCP/TLS listeners.
//!
//! [`Transports::start`] takes the bound UDP socket and returns the receiver of everything
//! that arrives ([`Inbound`]); [`Transports::send`] sends one whole message, reusing an open
//! connection to the peer when there is one. Streams are framed with
//! [`handset_sip::Message::parse_stream`]; a peer that breaks the framing loses its
//! connection, never the account.

mod error;
mod framing;
pub(crate) mod qos;
mod settings;
mod stream;
mod tls;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tls_tests;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use handset_sip::locate::TransportKind;
use socket2::SockRef;
use tokio::net::{TcpListener, TcpSocket, UdpSocket};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

pub use error::TransportError;
pub use settings::{
    ClientCertificate, TlsSettings, TlsVersion, TransportSettings, DEFAULT_SIP_DSCP,
};
pub use stream::{
    CONNECT_TIMEOUT, HANDSHAKE_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS, WRITE_TIMEOUT,
};

use stream::{Connection, ConnectionTable};
use tls::TlsConfigs;

/// How many inbound events may wait for the account task before readers pause.
const INBOUND_QUEUE: usize = 256;
/// Largest UDP datagram.
const MAX_DATAGRAM: usize = 65_535;
/// Pending connections a listener queues.
const LISTEN_BACKLOG: u32 = 128;

/// Where to send: the address, the transport, and for TLS the server name to check the
/// certificate against (and to send as SNI); `None` = IP literal, hostname check skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The peer's address.
    pub addr: SocketAddr,
    /// The transport.
    pub kind: TransportKind,
    /// The TLS server name (SNI and certificate check).
    pub server_name: Option<String>,
}

/// What arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// One whole SIP message (for streams: exactly one framed message; for UDP: the datagram).
    Message {
        /// The message bytes.
        bytes: Vec<u8>,
        /// The peer it came from.
        from: SocketAddr,
        /// The transport it came over.
        kind: TransportKind,
        /// Our address it arrived at.
        local: SocketAddr,
    },
    /// A stream connection to `peer` closed or failed (so the account can fail over /
    /// re-register).
    Closed {
        /// The peer.
        peer: SocketAddr,
        /// TCP or TLS.
        kind: TransportKind,
    },
}

/// State shared by the account's transports and their tasks.
struct Inner {
    udp: UdpSocket,
    udp_addr: SocketAddr,
    dscp: u8,
    tcp_keepalive: bool,
    /// The TLS configuration, or why the settings cannot make one (reported on TLS sends).
    tls: Result<TlsConfigs, (&'static str, String)>,
    connections: ConnectionTable,
    inbound: mpsc::Sender<Inbound>,
    shut_down: AtomicBool,
}

impl Inner {
    fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }

    fn tls(&self) -> Result<&TlsConfigs, TransportError> {
        self.tls
            .as_ref()
            .map_err(|(setting, reason)| TransportError::BadPem {
                setting,
                reason: reason.clone(),
            })
    }

    /// DSCP and keep-alive on a TCP socket; failures only cost the marking, so they are
    /// logged.
    fn configure_stream(&self, socket: &SockRef<'_>, ipv6: bool) {
        if let Err(e) = qos::set_dscp(socket, ipv6, self.dscp) {
            tracing::debug!(error = %e, "cannot set DSCP on a TCP socket");
        }
        if self.tcp_keepalive {
            if let Err(e) = qos::set_keepalive(socket) {
                tracing::debug!(error = %e, "cannot enable TCP keep-alive");
            }
        }
    }

    /// Forgets a connection that failed on write and tells the account.
    fn drop_connection(&self, key: stream::ConnectionKey, connection: &Connection) {
        if let Some(removed) = self.connections.remove(&key, connection.id()) {
            removed.abort();
            let _ = self.inbound.try_send(Inbound::Closed {
                peer: key.0,
                kind: key.1,
            });
        }
    }
}

/// One account's transports. Shared through `Arc`; stops its tasks on drop.
pub struct Transports {
    inner: Arc<Inner>,
    tcp_addr: Option<SocketAddr>,
    tls_addr: Option<SocketAddr>,
    tasks: Vec<AbortHandle>,
}

impl std::fmt::Debug for Transports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transports")
            .field("udp", &self.inner.udp_addr)
            .field("tcp", &self.tcp_addr)
            .field("tls", &self.tls_addr)
            .finish()
    }
}

impl Transports {
    /// Starts the transports around an already bound UDP socket (the daemon binds it);
    /// binds TCP/TLS listeners on the same IP when asked; spawns the reader tasks.
    pub async fn start(
        udp: UdpSocket,
        settings: TransportSettings,
    ) -> Result<(Arc<Self>, mpsc::Receiver<Inbound>), TransportError> {
        let udp_addr = udp
            .local_addr()
            .map_err(|e| TransportError::io("read the UDP socket's address", e))?;
        qos::set_dscp(&SockRef::from(&udp), udp_addr.is_ipv6(), settings.dscp)
            .map_err(|e| TransportError::io("set DSCP on the UDP socket", e))?;
        let tls = match TlsConfigs::new(&settings.tls) {
            Ok(configs) => Ok(configs),
            Err(TransportError::BadPem { setting, reason }) => Err((setting, reason)),
            Err(other) => return Err(other),
        };
        let tcp_listener = if settings.listen_tcp {
            Some(listen(udp_addr, settings.dscp)?)
        } else {
            None
        };
        let tls_listener = if settings.listen_tls {
            let configs = tls
                .as_ref()
                .map_err(|(setting, reason)| TransportError::BadPem {
                    setting,
                    reason: reason.clone(),
                })?;
            if configs.server.is_none() {
                return Err(TransportError::NoServerCertificate);
            }
            let port = udp_addr.port().checked_add(1).ok_or_else(|| {
                TransportError::io(
                    "choose the TLS port",
                    std::io::Error::other("the UDP port is the last one"),
                )
            })?;
            Some(listen(SocketAddr::new(udp_addr.ip(), port), settings.dscp)?)
        } else {
            None
        };
        let local_of = |listener: &Option<TcpListener>| -> Result<_, TransportError> {
            listener
                .as_ref()
                .map(|l| l.local_addr())
                .transpose()
                .map_err(|e| TransportError::io("read a listener's address", e))
        };
        let tcp_addr = local_of(&tcp_listener)?;
        let tls_addr = local_of(&tls_listener)?;

        let (sender, receiver) = mpsc::channel(INBOUND_QUEUE);
        let inner = Arc::new(Inner {
            udp,
            udp_addr,
            dscp: settings.dscp,
            tcp_keepalive: settings.tcp_keepalive,
            tls,
            connections: ConnectionTable::default(),
            inbound: sender,
            shut_down: AtomicBool::new(false),
        });
        let mut tasks = vec![tokio::spawn(udp_loop(Arc::clone(&inner))).abort_handle()];
        for (listener, kind) in [
            (tcp_listener, TransportKind::Tcp),
            (tls_listener, TransportKind::Tls),
        ] {
            if let Some(listener) = listener {
                let task = stream::accept_loop(Arc::clone(&inner), listener, kind);
                tasks.push(tokio::spawn(task).abort_handle());
            }
        }
        let transports = Arc::new(Self {
            inner,
            tcp_addr,
            tls_addr,
            tasks,
        });
        Ok((transports, receiver))
    }

    /// Sends one whole message. TCP/TLS: reuses an open connection to `addr` (one we opened or
    /// one the peer opened to us), else connects (within [`CONNECT_TIMEOUT`]).
    /// Returns the local address the message left from (for TLS/TCP the ephemeral port).
    pub async fn send(&self, to: &Destination, bytes: &[u8]) -> Result<SocketAddr, TransportError> {
        if self.inner.is_shut_down() {
            return Err(TransportError::ShutDown);
        }
        if to.kind == TransportKind::Udp {
            self.inner
                .udp
                .send_to(bytes, to.addr)
                .await
                .map_err(|e| TransportError::io(format!("send to {}", to.addr), e))?;
            return Ok(self.inner.udp_addr);
        }
        let key = (to.addr, to.kind);
        if let Some(open) = self.inner.connections.get(&key) {
            match open.write(bytes).await {
                Ok(()) => return Ok(open.local),
                Err(e) => {
                    // A stale connection: forget it and try a fresh one once.
                    tracing::debug!(peer = %to.addr, error = %e, "write failed; reconnecting");
                    self.inner.drop_connection(key, &open);
                }
            }
        }
        if to.kind == TransportKind::Tls {
            self.inner.tls()?;
        }
        let connection = stream::connect(&self.inner, to).await?;
        match connection.write(bytes).await {
            Ok(()) => Ok(connection.local),
            Err(e) => {
                self.inner.drop_connection(key, &connection);
                Err(TransportError::io(format!("send to {}", to.addr), e))
            }
        }
    }

    /// The listening address per transport (UDP socket's address; TCP/TLS listener if any).
    pub fn local_addr(&self, kind: TransportKind) -> Option<SocketAddr> {
        match kind {
            TransportKind::Udp => Some(self.inner.udp_addr),
            TransportKind::Tcp => self.tcp_addr,
            TransportKind::Tls => self.tls_addr,
        }
    }

    /// Closes every connection and listener and stops the tasks (also on Drop).
    pub fn shutdown(&self) {
        self.inner.shut_down.store(true, Ordering::Release);
        for task in &self.tasks {
            task.abort();
        }
        self.inner.connections.close_all();
    }
}

impl Drop for Transports {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A TCP listener on `addr` with the SIP DSCP.
fn listen(addr: SocketAddr, dscp: u8) -> Result<TcpListener, TransportError> {
    let context = || format!("listen on {addr}");
    let socket = match addr.ip() {
        IpAddr::V4(_) => TcpSocket::new_v4(),
        IpAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|e| TransportError::io(context(), e))?;
    socket
        .set_reuseaddr(true)
        .map_err(|e| TransportError::io(context(), e))?;
    qos::set_dscp(&SockRef::from(&socket), addr.is_ipv6(), dscp)
        .map_err(|e| TransportError::io(context(), e))?;
    socket
        .bind(addr)
        .map_err(|e| TransportError::io(context(), e))?;
    socket
        .listen(LISTEN_BACKLOG)
        .map_err(|e| TransportError::io(context(), e))
}

/// Delivers every datagram but bare CR/LF keep-alives.
async fn udp_loop(inner: Arc<Inner>) {
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    loop {
        let (n, from) = match inner.udp.recv_from(&mut buffer).await {
            Ok(received) => received,
            Err(e) => {
                // ICMP errors surface here on some systems; the socket stays usable.
                tracing::debug!(error = %e, "UDP receive failed");
                continue;
            }
        };
        let datagram = &buffer[..n];
        if handset_sip::Message::keep_alive_len(datagram) == n {
            continue;
        }
        let message = Inbound::Message {
            bytes: datagram.to_vec(),
            from,
            kind: TransportKind::Udp,
            local: inner.udp_addr,
        };
        if inner.inbound.send(message).await.is_err() {
            return;
        }
    }
}
