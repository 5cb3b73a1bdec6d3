//! TCP and TLS connections: the per-account connection table, connecting, accepting and the
//! reader task that frames each stream.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use handset_sip::locate::TransportKind;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Mutex as AsyncMutex;
use tokio::task::AbortHandle;
use tokio::time::Instant;
use tokio_rustls::{TlsAcceptor, TlsConnector};

use super::error::TransportError;
use super::framing::{Frame, Framer};
use super::{Destination, Inbound, Inner};

/// How long a TCP connect may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection with no traffic either way for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Most open connections per account; further inbound ones are refused.
pub const MAX_CONNECTIONS: usize = 128;
/// How long a message may take to leave (a peer that stops reading blocks the writer).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the writer may take to flush when a connection is closed.
const CLOSE_WAIT: Duration = Duration::from_secs(1);
/// The keep-alive "pong" (RFC 5626 §4.4.1).
const PONG: &[u8] = b"\r\n";

/// Connections are keyed by the peer's address and the transport.
pub(super) type ConnectionKey = (SocketAddr, TransportKind);

type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// One open TCP or TLS connection.
pub(super) struct Connection {
    id: u64,
    /// Our end of the connection.
    pub(super) local: SocketAddr,
    writer: AsyncMutex<Writer>,
    last_active: Mutex<Instant>,
    reader: Mutex<Option<AbortHandle>>,
}

impl Connection {
    /// Tells this connection from a later one to the same peer.
    pub(super) fn id(&self) -> u64 {
        self.id
    }

    /// Writes one whole message.
    /// Writes one whole message, within [`WRITE_TIMEOUT`].
    pub(super) async fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.touch();
        let write = async {
            let mut writer = self.writer.lock().await;
            writer.write_all(bytes).await?;
            writer.flush().await
        };
        tokio::time::timeout(WRITE_TIMEOUT, write)
            .await
            .unwrap_or_else(|_| {
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the peer does not read",
                ))
            })
    }

    fn touch(&self) {
        if let Ok(mut last) = self.last_active.lock() {
            *last = Instant::now();
        }
    }

    fn idle_deadline(&self) -> Instant {
        let last = self
            .last_active
            .lock()
            .map(|l| *l)
            .unwrap_or_else(|_| Instant::now());
        last + IDLE_TIMEOUT
    }

    /// Stops the reader task (which drops the read half).
    pub(super) fn abort(&self) {
        if let Some(reader) = self.reader.lock().ok().and_then(|mut r| r.take()) {
            reader.abort();
        }
    }
}

/// The open connections of one account.
#[derive(Default)]
pub(super) struct ConnectionTable {
    map: Mutex<HashMap<ConnectionKey, Arc<Connection>>>,
    next_id: AtomicU64,
    handshaking: AtomicUsize,
}

impl ConnectionTable {
    /// The open connection to `key`, if any.
    pub(super) fn get(&self, key: &ConnectionKey) -> Option<Arc<Connection>> {
        self.map.lock().ok()?.get(key).cloned()
    }

    /// Open connections plus accepted ones still in their TLS handshake.
    fn len(&self) -> usize {
        let open = self.map.lock().map(|m| m.len()).unwrap_or(MAX_CONNECTIONS);
        open + self.handshaking.load(Ordering::Relaxed)
    }

    /// Removes the connection if it is still the one with this id.
    pub(super) fn remove(&self, key: &ConnectionKey, id: u64) -> Option<Arc<Connection>> {
        let mut map = self.map.lock().ok()?;
        if map.get(key).is_some_and(|c| c.id == id) {
            map.remove(key)
        } else {
            None
        }
    }

    /// Removes and stops every connection.
    pub(super) fn close_all(&self) {
        let drained: Vec<_> = match self.map.lock() {
            Ok(mut map) => map.drain().map(|(_, c)| c).collect(),
            Err(_) => Vec::new(),
        };
        for connection in drained {
            connection.abort();
        }
    }
}

/// Which side opened a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Outbound,
    Inbound,
}

/// Connects to `to` (TCP, then TLS for `Tls`) and registers the connection; when another
/// connection to the same peer appeared meanwhile, that one is used instead.
pub(super) async fn connect(
    inner: &Arc<Inner>,
    to: &Destination,
) -> Result<Arc<Connection>, TransportError> {
    let addr = to.addr;
    if inner.connections.len() >= MAX_CONNECTIONS {
        return Err(TransportError::TooManyConnections {
            limit: MAX_CONNECTIONS,
        });
    }
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| TransportError::io("create a TCP socket", e))?;
    let bind_ip = inner.udp_addr.ip();
    if !bind_ip.is_unspecified() && bind_ip.is_ipv4() == addr.is_ipv4() {
        socket
            .bind(SocketAddr::new(bind_ip, 0))
            .map_err(|e| TransportError::io(format!("bind a TCP socket to {bind_ip}"), e))?;
    }
    inner.configure_stream(&socket2::SockRef::from(&socket), addr.is_ipv6());
    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(addr)).await {
        Err(_) => return Err(TransportError::ConnectTimeout { addr }),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(TransportError::ConnectRefused { addr })
        }
        Ok(Err(e)) => return Err(TransportError::io(format!("connect to {addr}"), e)),
        Ok(Ok(stream)) => stream,
    };
    let _ = stream.set_nodelay(true);
    let local = stream
        .local_addr()
        .map_err(|e| TransportError::io("read the local address", e))?;
    let key = (addr, to.kind);
    match to.kind {
        TransportKind::Tls => {
            let (config, server_name) = inner
                .tls()?
                .client_for(to.server_name.as_deref(), addr)
                .map_err(|reason| TransportError::TlsHandshake { addr, reason })?;
            let handshake = TlsConnector::from(config).connect(server_name.clone(), stream);
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                Err(_) => return Err(TransportError::ConnectTimeout { addr }),
                Ok(Err(e)) => {
                    return Err(TransportError::TlsHandshake {
                        addr,
                        reason: super::tls::handshake_failure(&e, &server_name),
                    })
                }
                Ok(Ok(tls)) => tls,
            };
            register(inner, key, local, tls, Origin::Outbound)
        }
        TransportKind::Tcp | TransportKind::Udp => {
            register(inner, key, local, stream, Origin::Outbound)
        }
    }
}

/// Accepts connections on a listener until the task is stopped.
pub(super) async fn accept_loop(inner: Arc<Inner>, listener: TcpListener, kind: TransportKind) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::debug!(?kind, error = %e, "accept failed");
                // Out of descriptors and similar: let the condition pass.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if inner.connections.len() >= MAX_CONNECTIONS {
            tracing::debug!(%peer, ?kind, "connection refused: too many connections");
            continue;
        }
        let Ok(local) = stream.local_addr() else {
            continue;
        };
        inner.configure_stream(&socket2::SockRef::from(&stream), local.is_ipv6());
        let _ = stream.set_nodelay(true);
        let key = (peer, kind);
        match kind {
            TransportKind::Tls => {
                inner
                    .connections
                    .handshaking
                    .fetch_add(1, Ordering::Relaxed);
                tokio::spawn(accept_tls(Arc::clone(&inner), key, local, stream));
            }
            TransportKind::Tcp | TransportKind::Udp => {
                let _ = register(&inner, key, local, stream, Origin::Inbound);
            }
        }
    }
}

async fn accept_tls(inner: Arc<Inner>, key: ConnectionKey, local: SocketAddr, stream: TcpStream) {
    let Some(server) = inner.tls.as_ref().ok().and_then(|t| t.server.clone()) else {
        return;
    };
    let handshake = TlsAcceptor::from(server).accept(stream);
    let outcome = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await;
    inner
        .connections
        .handshaking
        .fetch_sub(1, Ordering::Relaxed);
    match outcome {
        Ok(Ok(tls)) => {
            let _ = register(&inner, key, local, tls, Origin::Inbound);
        }
        Ok(Err(e)) => tracing::debug!(peer = %key.0, error = %e, "TLS accept failed"),
        Err(_) => tracing::debug!(peer = %key.0, "TLS accept timed out"),
    }
}

/// Adds a connection to the table and starts its reader.
fn register<S>(
    inner: &Arc<Inner>,
    key: ConnectionKey,
    local: SocketAddr,
    stream: S,
    origin: Origin,
) -> Result<Arc<Connection>, TransportError>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (read_half, write_half) = tokio::io::split(stream);
    let connection = Arc::new(Connection {
        id: inner.connections.next_id.fetch_add(1, Ordering::Relaxed),
        local,
        writer: AsyncMutex::new(Box::new(write_half)),
        last_active: Mutex::new(Instant::now()),
        reader: Mutex::new(None),
    });
    {
        let mut map = inner
            .connections
            .map
            .lock()
            .map_err(|_| TransportError::ShutDown)?;
        if inner.is_shut_down() {
            return Err(TransportError::ShutDown);
        }
        if let Some(existing) = map.get(&key) {
            if origin == Origin::Outbound {
                // Another send connected first: use its connection, drop ours.
                return Ok(Arc::clone(existing));
            }
            existing.abort();
        }
        if map.len() >= MAX_CONNECTIONS && !map.contains_key(&key) {
            return Err(TransportError::TooManyConnections {
                limit: MAX_CONNECTIONS,
            });
        }
        map.insert(key, Arc::clone(&connection));
    }
    let task = tokio::spawn(read_loop(
        Arc::clone(inner),
        Arc::clone(&connection),
        key,
        read_half,
    ));
    if let Ok(mut reader) = connection.reader.lock() {
        *reader = Some(task.abort_handle());
    }
    Ok(connection)
}

/// Reads the stream, delivering each message, answering pings, until the peer closes, an
/// error, a framing error or the idle timeout; then removes the connection and reports it.
async fn read_loop<R: AsyncRead + Unpin>(
    inner: Arc<Inner>,
    connection: Arc<Connection>,
    key: ConnectionKey,
    mut reader: R,
) {
    let (peer, kind) = key;
    let mut framer = Framer::default();
    let mut chunk = vec![0u8; 16 * 1024];
    let reason = 'read: loop {
        let deadline = connection.idle_deadline();
        let read = tokio::select! {
            read = reader.read(&mut chunk) => read,
            () = tokio::time::sleep_until(deadline) => {
                if connection.idle_deadline() <= Instant::now() {
                    break 'read "idle".to_owned();
                }
                continue;
            }
        };
        let n = match read {
            Ok(0) => break "closed by the peer".to_owned(),
            Ok(n) => n,
            Err(e) => break e.to_string(),
        };
        connection.touch();
        framer.push(&chunk[..n]);
        loop {
            match framer.next_frame() {
                Ok(None) => break,
                Ok(Some(Frame::Ping)) => {
                    if let Err(e) = connection.write(PONG).await {
                        break 'read e.to_string();
                    }
                }
                Ok(Some(Frame::Message(bytes))) => {
                    let message = Inbound::Message {
                        bytes,
                        from: peer,
                        kind,
                        local: connection.local,
                    };
                    if inner.inbound.send(message).await.is_err() {
                        break 'read "nobody receives".to_owned();
                    }
                }
                Err(e) => break 'read format!("framing error: {e}"),
            }
        }
    };
    tracing::debug!(%peer, ?kind, %reason, "connection closed");
    inner.connections.remove(&key, connection.id);
    {
        let mut writer = connection.writer.lock().await;
        let _ = tokio::time::timeout(CLOSE_WAIT, writer.shutdown()).await;
    }
    if !inner.is_shut_down() {
        let _ = inner.inbound.send(Inbound::Closed { peer, kind }).await;
    }
}
