//! The media worker: one real-time OS thread that runs the media of many calls on a fixed
//! 10 or 20 ms tick, off the async executor.
//!
//! Each call is a [`CallMedia`] (the sans-IO media of one call) with its bound RTP/RTCP
//! sockets ([`ports`]), an audio source and an audio sink ([`io`]). The async side talks to
//! the worker through a [`MediaWorkerHandle`] (commands over a queue) and reads
//! [`WorkerEvent`]s from a tokio channel.
//!
//! On every tick, for every call, in this order:
//! 1. read the RTP and RTCP sockets until they are empty and hand each datagram over
//!    (`handle_packet` / `handle_rtcp`; with rtcp-mux, RTCP is told apart by its packet type);
//! 2. `handle_timeout` when `poll_timeout` is due;
//! 3. one frame from the source into `push_audio`, one frame from `pull_audio` into the sink;
//! 4. send everything `poll_transmit` hands out and forward every `poll_event`.
//!
//! Audio comes from files, tones, silence or (with the `sound-card` feature) the sound card
//! through the `device` module, and goes to files, nowhere or the sound card.

mod call;
mod config;
#[cfg(feature = "sound-card")]
pub mod device;
mod handle;
pub mod io;
mod metrics;
pub mod ports;
mod recording;
mod session;
mod worker;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::time::Instant;

pub use config::{TickInterval, WorkerConfig};
pub use handle::{CallId, CallSpec, MediaWorkerHandle, WorkerError};
pub use io::{MediaIoError, MediaSink, MediaSource, WavFileSink};
pub use metrics::WorkerMetrics;
pub use ports::{MediaSockets, PortError, RtpPortAllocator, RtpPortSettings};
pub use worker::{MediaWorker, WorkerEvent};

/// A datagram the media of a call wants sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaTransmit {
    /// Where to send it.
    pub to: SocketAddr,
    /// The datagram.
    pub bytes: Vec<u8>,
    /// Whether it is RTCP (sent from the RTCP socket unless rtcp-mux is in use).
    pub rtcp: bool,
}

/// What the phone asks of a call's media while the call runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MediaControl {
    /// Send a DTMF digit (RFC 4733) for this long.
    SendDigit {
        /// `0`–`9`, `*`, `#`, `A`–`D`.
        key: char,
        /// How long the key is held.
        duration: std::time::Duration,
    },
    /// The media was renegotiated (hold, resume, another codec): apply the new configuration.
    Update(Box<handset_media::session::SessionConfig>),
}

impl std::fmt::Display for MediaControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SendDigit { key, .. } => write!(f, "send digit {key}"),
            Self::Update(_) => f.write_str("update its configuration"),
        }
    }
}

/// The sans-IO media of one call, as the worker drives it.
///
/// The worker calls, per tick: `handle_packet`/`handle_rtcp` for what arrived,
/// `handle_timeout` when `poll_timeout` is due, `push_audio` then `pull_audio` with one frame
/// each, then drains `poll_transmit` and `poll_event`. `close` is called once, on removal,
/// and is followed by a last drain of `poll_transmit` and `poll_event`.
///
/// Events are an associated type so that the worker forwards them typed; a worker serves
/// calls of one event type (`Box<dyn CallMedia<Event = E>>`).
pub trait CallMedia: Send {
    /// What the media reports to the phone (DTMF received, RTP timeout, …).
    type Event: Send + 'static;

    /// An RTP datagram (or, with rtcp-mux, an unrecognised one) arrived from `from`.
    fn handle_packet(&mut self, now: Instant, from: SocketAddr, packet: &[u8]);
    /// An RTCP datagram arrived from `from`.
    fn handle_rtcp(&mut self, now: Instant, from: SocketAddr, packet: &[u8]);
    /// The next frame of local audio, at the call's rate, to encode and send.
    fn push_audio(&mut self, now: Instant, frame: &[i16]);
    /// Fills `frame` with the next frame of received audio, at the call's rate.
    fn pull_audio(&mut self, now: Instant, frame: &mut [i16]);
    /// The deadline returned by `poll_timeout` has passed.
    fn handle_timeout(&mut self, now: Instant);
    /// When `handle_timeout` is next due.
    fn poll_timeout(&mut self) -> Option<Instant>;
    /// The next datagram to send.
    fn poll_transmit(&mut self) -> Option<MediaTransmit>;
    /// The next event.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// A request from the phone for this call's media (send a digit, renegotiated media).
    /// Media that cannot do it says why.
    fn handle_control(&mut self, now: Instant, control: MediaControl) -> Result<(), String> {
        let _ = now;
        Err(format!("this call's media cannot {control}"))
    }
    /// The call ends: send what must be sent on leaving (an RTCP BYE).
    fn close(&mut self, now: Instant);
}
