//! What a session gives back besides audio: datagrams, events and figures.

use std::net::SocketAddr;
use std::time::Duration;

use crate::jitter::JitterStats;

/// Something the call should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaEvent {
    /// An RFC 4733 digit was received.
    Digit {
        /// The key: `0`–`9`, `*`, `#`, `A`–`D`, or `!` for flash.
        key: char,
        /// How long it was held.
        duration: Duration,
    },
    /// No RTP arrived for the configured RTP timeout.
    RtpTimeout,
    /// Symmetric RTP learned (or changed) where to send: the peer's RTP source address.
    RemoteAddressChanged(SocketAddr),
    /// Packets are being dropped (SRTP authentication failure and the like); rate-limited.
    Rejected {
        /// What was wrong.
        reason: String,
    },
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub to: SocketAddr,
    /// The packet.
    pub bytes: Vec<u8>,
    /// RTCP (send from the RTCP socket unless muxed) rather than RTP.
    pub rtcp: bool,
}

/// Figures about the call's media so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionStats {
    /// RTP packets sent.
    pub packets_sent: u64,
    /// RTP payload bytes sent.
    pub bytes_sent: u64,
    /// RTP packets received and accepted.
    pub packets_received: u64,
    /// RTP bytes received and accepted.
    pub bytes_received: u64,
    /// Packets dropped: filtered, unauthenticated, malformed or of an unknown payload type.
    pub packets_rejected: u64,
    /// Received packets lost, in percent.
    pub loss_percent: f64,
    /// Interarrival jitter of the received stream.
    pub jitter: Duration,
    /// Loss the peer reports about our stream in its last report block, in percent.
    pub remote_loss_percent: Option<f64>,
    /// The last round-trip time measured from RTCP.
    pub round_trip: Option<Duration>,
    /// The jitter buffer's figures.
    pub jitter_buffer: JitterStats,
    /// E-model MOS estimate of the received audio (1.0–4.5), once audio arrived.
    pub mos: Option<f64>,
    /// Encoding name of the codec sent.
    pub send_codec: Option<&'static str>,
    /// Encoding name of the codec being received.
    pub receive_codec: Option<&'static str>,
    /// Whether the peer said goodbye (RTCP BYE).
    pub remote_bye: bool,
}
