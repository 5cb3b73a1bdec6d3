//! Why a transport could not start or a message could not be sent.

use std::io;
use std::net::SocketAddr;

/// A transport failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The peer refused the TCP connection.
    #[error("connection to {addr} refused")]
    ConnectRefused {
        /// The peer.
        addr: SocketAddr,
    },
    /// The TCP connection or TLS handshake did not complete in time.
    #[error("connection to {addr} timed out")]
    ConnectTimeout {
        /// The peer.
        addr: SocketAddr,
    },
    /// The TLS handshake failed.
    #[error("TLS handshake with {addr} failed: {reason}")]
    TlsHandshake {
        /// The peer.
        addr: SocketAddr,
        /// Why, e.g. "certificate not trusted".
        reason: String,
    },
    /// A certificate or key setting could not be used.
    #[error("{setting}: {reason}")]
    BadPem {
        /// Which setting, e.g. "client certificate (P280)".
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Listening for TLS was asked for without a server certificate.
    #[error("listening for TLS needs a server certificate")]
    NoServerCertificate,
    /// The account already has as many connections as allowed.
    #[error("too many connections (at most {limit})")]
    TooManyConnections {
        /// The limit.
        limit: usize,
    },
    /// The transports were shut down.
    #[error("the transports are shut down")]
    ShutDown,
    /// A socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, e.g. "send to 192.0.2.1:5060".
        context: String,
        /// The error.
        #[source]
        source: io::Error,
    },
}

impl TransportError {
    /// An IO error with what was being done.
    pub(super) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
