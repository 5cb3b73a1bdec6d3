//! One call's media, sans-IO: RTP and RTCP, SRTP, RED, RFC 4733 events, the jitter buffer,
//! concealment, time stretching and the codecs, tied together.
//!
//! A [`MediaSession`] is built from a [`SessionConfig`] (the negotiated SDP and the account's
//! media settings) and driven by its caller:
//!
//! 1. every audio tick ([`SessionConfig::frame`]): [`MediaSession::push_audio`] with the
//!    microphone's PCM and [`MediaSession::pull_audio`] for the speaker's;
//! 2. every datagram from the RTP socket: [`MediaSession::handle_packet`] (RTCP too when
//!    muxed), and from a separate RTCP socket: [`MediaSession::handle_rtcp`];
//! 3. at [`MediaSession::poll_timeout`]: [`MediaSession::handle_timeout`];
//! 4. after each of those: drain [`MediaSession::poll_transmit`] onto the sockets and
//!    [`MediaSession::poll_event`] to the call.
//!
//! A re-INVITE applies a new configuration with [`MediaSession::update`]; hanging up sends a
//! BYE with [`MediaSession::close`]. Nothing here reads a clock: SR NTP timestamps count from
//! an arbitrary origin at the session's start, which round-trip times need no more than.

mod config;
mod error;
mod output;
mod receive;
mod rtcp;
mod send;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;

pub use config::{
    ReceiveConfig, RedSend, RtpFilter, SendConfig, SessionConfig, SrtpKeys, TelephoneEventSend,
};
pub use error::SessionError;
pub use output::{MediaEvent, SessionStats, Transmit};
pub use send::encoder_loss_hint;

use self::receive::ReceivePath;
use self::send::SendPath;
use crate::rtcp::{IntervalConfig, RtcpScheduler};
use crate::rtp::{is_rtcp, RtpPacket, RtpSender};
use crate::srtp::SrtpContext;
use crate::telephone_event::DtmfEvent;

/// Shortest time between two [`MediaEvent::Rejected`] reports.
const REJECT_REPORT_INTERVAL: Duration = Duration::from_secs(1);
/// IP, UDP and RTP header bytes per packet, for the RTCP bandwidth share.
const PACKET_OVERHEAD_BITS: u32 = 40 * 8;

/// The media of one call: see the [module documentation](self) for how to drive it.
#[derive(Debug)]
pub struct MediaSession {
    config: SessionConfig,
    rng: StdRng,
    origin: Instant,
    closed: bool,
    rtp: RtpSender,
    send: Option<SendPath>,
    receive: ReceivePath,
    srtp_send: Option<SrtpContext>,
    srtp_receive: Option<SrtpContext>,
    rtp_destination: Option<SocketAddr>,
    rtcp_destination: Option<SocketAddr>,
    scheduler: RtcpScheduler,
    sent_since_report: bool,
    /// When the last RTP packet went out and the timestamp it carried.
    last_sent: Option<(Instant, u32)>,
    /// When RTP last arrived (or the timeout was last armed).
    last_received: Instant,
    timeout_reported: bool,
    round_trip: Option<Duration>,
    remote_fraction_lost: Option<u8>,
    remote_bye: bool,
    packets_sent: u64,
    bytes_sent: u64,
    rejected: u64,
    last_reject_report: Option<Instant>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<MediaEvent>,
    /// RTP keep-alive interval and when RTP last left (voice or keep-alive).
    keepalive: Option<Duration>,
    last_rtp_out: Instant,
}

impl MediaSession {
    /// A session for `config` starting at `now`; `seed` draws the SSRC, the first sequence
    /// number and timestamp, and the RTCP intervals.
    pub fn new(config: SessionConfig, seed: u64, now: Instant) -> Result<Self, SessionError> {
        check_tick(&config)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let send = build_send(&config)?;
        let (srtp_send, srtp_receive) = build_srtp(&config)?;
        let first_payload_type = config.send.as_ref().map_or(0, |send| send.payload_type);
        let rtp = RtpSender::random(&mut rng, first_payload_type);
        let scheduler = RtcpScheduler::new(now, interval_config(&config), &mut rng);
        Ok(Self {
            rtp_destination: config.remote_rtp,
            rtcp_destination: config.rtcp_destination(),
            receive: ReceivePath::new(config.receive.clone(), config.audio_rate),
            config,
            rng,
            origin: now,
            closed: false,
            rtp,
            send,
            srtp_send,
            srtp_receive,
            scheduler,
            sent_since_report: false,
            last_sent: None,
            last_received: now,
            timeout_reported: false,
            round_trip: None,
            remote_fraction_lost: None,
            remote_bye: false,
            packets_sent: 0,
            bytes_sent: 0,
            rejected: 0,
            last_reject_report: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            keepalive: None,
            last_rtp_out: now,
        })
    }

    /// Sends an RTP keep-alive (the account's "RTP keep-alive method": a header-only packet
    /// with RTP version 1, which receivers discard) whenever no RTP has left for `interval`,
    /// so that NAT bindings survive a hold; `None` turns it off.
    pub fn set_keepalive(&mut self, interval: Option<Duration>, now: Instant) {
        self.keepalive = interval.filter(|i| !i.is_zero());
        self.last_rtp_out = now;
    }

    fn keepalive_deadline(&self) -> Option<Instant> {
        self.rtp_destination?;
        Some(self.last_rtp_out + self.keepalive?)
    }

    fn send_keepalive(&mut self, now: Instant) {
        let Some(destination) = self.rtp_destination else {
            return;
        };
        let mut header = [0u8; 12];
        // Version 1, no padding, extension or CSRCs; the payload type of the voice stream.
        header[0] = 0x40;
        header[1] = self.config.send.as_ref().map_or(0, |s| s.payload_type) & 0x7f;
        header[8..12].copy_from_slice(&self.rtp.ssrc().to_be_bytes());
        self.transmits.push_back(Transmit {
            to: destination,
            bytes: header.to_vec(),
            rtcp: false,
        });
        self.last_rtp_out = now;
    }

    /// Applies a re-negotiated configuration (hold, resume, codec or address change). The
    /// SSRC and sequence numbers continue; when sending resumes after a pause, the timestamp
    /// jumps by the pause and the first packet carries the marker.
    pub fn update(&mut self, config: SessionConfig, now: Instant) -> Result<(), SessionError> {
        if self.closed {
            return Err(SessionError::Closed);
        }
        check_tick(&config)?;
        let keep_send = self.send.as_ref().is_some_and(|send| {
            config.audio_rate == self.config.audio_rate
                && config.send.as_ref() == Some(send.config())
        });
        if !keep_send {
            let was_sending = self.send.is_some();
            self.send = build_send(&config)?;
            if let Some(send) = &self.send {
                self.rtp.set_payload_type(send.config().payload_type);
                if !was_sending {
                    self.skip_pause(now, send.info().clock_rate);
                }
            }
        }
        if config.srtp != self.config.srtp {
            (self.srtp_send, self.srtp_receive) = build_srtp(&config)?;
        }
        self.receive
            .reconfigure(config.receive.clone(), config.audio_rate);
        if config.remote_rtp != self.config.remote_rtp || !config.symmetric_rtp {
            if self.rtp_destination.is_none() && config.remote_rtp.is_some() {
                // Audio heard again after a hold address starts a talkspurt.
                self.rtp.skip(0);
            }
            self.rtp_destination = config.remote_rtp;
        }
        if config.rtcp_destination() != self.config.rtcp_destination() || !config.symmetric_rtp {
            self.rtcp_destination = config.rtcp_destination();
        }
        self.last_received = now;
        self.timeout_reported = false;
        self.config = config;
        Ok(())
    }

    /// Lets the RTP clock run over a pause in sending, so timestamps keep pace with time.
    fn skip_pause(&mut self, now: Instant, clock_rate: u32) {
        if let Some((at, _)) = self.last_sent {
            let paused = now.saturating_duration_since(at);
            let ticks = paused.as_micros() * u128::from(clock_rate) / 1_000_000;
            self.rtp.skip(u32::try_from(ticks).unwrap_or(u32::MAX));
        }
    }

    /// Takes one datagram from the RTP socket (RTP, or RTCP when muxed, RFC 5761).
    pub fn handle_packet(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        if self.closed {
            return;
        }
        if self.config.rtcp_mux && is_rtcp(bytes) {
            self.handle_rtcp(now, from, bytes);
            return;
        }
        if !self.config.rtp_filter.accepts(self.config.remote_rtp, from) {
            self.rejected += 1;
            return;
        }
        let clear = match &mut self.srtp_receive {
            Some(srtp) => match srtp.unprotect_rtp(bytes) {
                Ok(clear) => clear,
                Err(error) => return self.reject(now, format!("SRTP: {error}")),
            },
            None => bytes.to_vec(),
        };
        let packet = match RtpPacket::parse(&clear) {
            Ok(packet) => packet,
            Err(error) => return self.reject(now, format!("RTP: {error}")),
        };
        if self.config.symmetric_rtp && self.rtp_destination != Some(from) {
            self.rtp_destination = Some(from);
            if self.config.rtcp_mux {
                self.rtcp_destination = Some(from);
            }
            self.events
                .push_back(MediaEvent::RemoteAddressChanged(from));
        }
        self.last_received = now;
        self.timeout_reported = false;
        self.receive.handle_rtp(now, packet, clear.len());
        self.collect_digits();
    }

    fn reject(&mut self, now: Instant, reason: String) {
        self.rejected += 1;
        let due = self
            .last_reject_report
            .is_none_or(|last| now.saturating_duration_since(last) >= REJECT_REPORT_INTERVAL);
        if due {
            self.last_reject_report = Some(now);
            self.events.push_back(MediaEvent::Rejected { reason });
        }
    }

    fn collect_digits(&mut self) {
        while let Some((digit, clock_rate)) = self.receive.poll_digit() {
            let micros = u64::from(digit.duration) * 1_000_000 / u64::from(clock_rate.max(1));
            self.events.push_back(MediaEvent::Digit {
                key: digit.event.to_char(),
                duration: Duration::from_micros(micros),
            });
        }
    }

    /// Takes one tick of microphone (or other source) audio at the audio rate; a packet goes
    /// out each ptime.
    pub fn push_audio(&mut self, now: Instant, pcm: &[i16]) {
        if self.closed {
            return;
        }
        let Some(send) = &mut self.send else {
            return;
        };
        let Ok(packets) = send.push(pcm, &mut self.rtp) else {
            return;
        };
        let Some(destination) = self.rtp_destination else {
            return;
        };
        for packet in packets {
            self.sent_since_report = true;
            self.packets_sent += 1;
            self.bytes_sent += packet.payload.len() as u64;
            self.last_sent = Some((now, packet.header.timestamp));
            self.last_rtp_out = now;
            let bytes = packet.to_bytes();
            let bytes = match &mut self.srtp_send {
                Some(srtp) => match srtp.protect_rtp(&bytes) {
                    Ok(protected) => protected,
                    Err(_) => continue,
                },
                None => bytes,
            };
            self.transmits.push_back(Transmit {
                to: destination,
                bytes,
                rtcp: false,
            });
        }
    }

    /// Fills `out` (one tick at the audio rate) with the peer's audio to play.
    pub fn pull_audio(&mut self, now: Instant, out: &mut [i16]) {
        if self.closed {
            out.fill(0);
            return;
        }
        self.receive.pull(now, out);
    }

    /// Sends an RFC 4733 press of `key` (`0`–`9`, `*`, `#`, `A`–`D`, `!` for flash) lasting
    /// `duration`; voice packets pause while it goes out.
    pub fn send_digit(
        &mut self,
        now: Instant,
        key: char,
        duration: Duration,
    ) -> Result<(), SessionError> {
        let _ = now;
        if self.closed {
            return Err(SessionError::Closed);
        }
        let event = DtmfEvent::from_char(key).ok_or(SessionError::NotAKey(key))?;
        let send = self.send.as_mut().ok_or(SessionError::NoTelephoneEvent)?;
        if send.press(event, duration) {
            Ok(())
        } else {
            Err(SessionError::NoTelephoneEvent)
        }
    }

    /// Runs what is due at `now`: RTCP reports, the RTP timeout, RFC 4733 event timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.receive.handle_timeout(now);
        self.collect_digits();
        if let Some(deadline) = self.rtp_timeout_deadline() {
            if now >= deadline {
                self.timeout_reported = true;
                self.events.push_back(MediaEvent::RtpTimeout);
            }
        }
        if self.scheduler.handle_timeout(now, &mut self.rng) {
            self.send_report(now, false);
        }
        if self.keepalive_deadline().is_some_and(|at| now >= at) {
            self.send_keepalive(now);
        }
    }

    fn rtp_timeout_deadline(&self) -> Option<Instant> {
        if self.timeout_reported {
            return None;
        }
        Some(self.last_received + self.config.effective_rtp_timeout()?)
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next run; `None` once closed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        [
            Some(self.scheduler.poll_timeout()),
            self.rtp_timeout_deadline(),
            self.keepalive_deadline(),
            self.receive.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the call.
    pub fn poll_event(&mut self) -> Option<MediaEvent> {
        self.events.pop_front()
    }

    /// Figures about the call's media so far.
    pub fn stats(&self) -> SessionStats {
        let (packets_received, bytes_received, dropped) = self.receive.counters();
        let received = self.receive.stats();
        SessionStats {
            packets_sent: self.packets_sent,
            bytes_sent: self.bytes_sent,
            packets_received,
            bytes_received,
            packets_rejected: self.rejected + dropped,
            loss_percent: received.map_or(0.0, |stats| stats.loss_fraction() * 100.0),
            jitter: received.map_or(Duration::ZERO, |stats| stats.jitter_duration()),
            remote_loss_percent: self
                .remote_fraction_lost
                .map(|fraction| f64::from(fraction) * 100.0 / 256.0),
            round_trip: self.round_trip,
            jitter_buffer: self.receive.jitter_stats(),
            mos: self.mos(),
            send_codec: self.send.as_ref().map(|send| send.info().encoding_name),
            receive_codec: self.receive.codec().map(|codec| codec.info().encoding_name),
            remote_bye: self.remote_bye,
        }
    }

    /// Sends RTCP BYE with a final report and an XR VoIP-metrics block; after this nothing is
    /// sent or received.
    pub fn close(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.send_report(now, true);
        self.closed = true;
    }
}

fn check_tick(config: &SessionConfig) -> Result<(), SessionError> {
    let tick_ok =
        config.frame == Duration::from_millis(10) || config.frame == Duration::from_millis(20);
    if !tick_ok || config.audio_rate == 0 || config.tick_samples() == 0 {
        return Err(SessionError::Tick {
            frame: config.frame,
            audio_rate: config.audio_rate,
        });
    }
    Ok(())
}

fn build_send(config: &SessionConfig) -> Result<Option<SendPath>, SessionError> {
    config
        .send
        .as_ref()
        .map(|send| SendPath::new(send, config.audio_rate))
        .transpose()
}

fn build_srtp(
    config: &SessionConfig,
) -> Result<(Option<SrtpContext>, Option<SrtpContext>), SessionError> {
    match &config.srtp {
        Some(keys) => Ok((
            Some(SrtpContext::new(keys.profile, &keys.local)?),
            Some(SrtpContext::new(keys.profile, &keys.remote)?),
        )),
        None => Ok((None, None)),
    }
}

/// The RTCP interval settings for the call's bandwidth (codec rate plus headers).
fn interval_config(config: &SessionConfig) -> IntervalConfig {
    let defaults = IntervalConfig::default();
    let Some(send) = &config.send else {
        return defaults;
    };
    let packets_per_second = (1000 / send.ptime.as_millis().max(1)) as u32;
    let bandwidth = send.codec.info().bitrate + packets_per_second * PACKET_OVERHEAD_BITS;
    defaults.session_bandwidth(bandwidth)
}
