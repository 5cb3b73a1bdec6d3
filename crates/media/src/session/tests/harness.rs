//! Two sessions back to back through a seeded lossy network, in simulated time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use handset_codec::{CodecConfig, CodecId};

use crate::session::{MediaEvent, MediaSession, SessionConfig, Transmit};

/// An arbitrary origin for simulated time; nothing waits on it.
#[allow(clippy::disallowed_methods)]
pub(super) fn origin() -> Instant {
    Instant::now()
}

pub(super) const A: &str = "127.0.0.1:40000";
pub(super) const B: &str = "127.0.0.2:50000";

pub(super) fn address(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

/// SplitMix64, for loss decisions.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One direction of the network.
pub(super) struct Link {
    /// Probability that an RTP packet is lost (RTCP always arrives).
    pub(super) loss: f64,
    pub(super) delay: Duration,
    /// Extra delay drawn uniformly from 0 to this.
    pub(super) jitter: Duration,
    rng: Rng,
}

impl Link {
    pub(super) fn new(seed: u64) -> Self {
        Self {
            loss: 0.0,
            delay: Duration::from_millis(40),
            jitter: Duration::ZERO,
            rng: Rng::new(seed),
        }
    }

    /// When a datagram sent at `now` arrives, or `None` when it is lost.
    fn carry(&mut self, now: Instant, transmit: &Transmit) -> Option<Instant> {
        let lost = self.rng.unit() < self.loss;
        if lost && !transmit.rtcp {
            return None;
        }
        let extra = self.jitter.mul_f64(self.rng.unit());
        Some(now + self.delay + extra)
    }
}

/// A datagram on its way.
struct InFlight {
    arrival: Instant,
    to_b: bool,
    from: SocketAddr,
    transmit: Transmit,
}

/// Two sessions wired to each other.
pub(super) struct Pair {
    pub(super) a: MediaSession,
    pub(super) b: MediaSession,
    pub(super) a_to_b: Link,
    pub(super) b_to_a: Link,
    pub(super) now: Instant,
    pub(super) tick: Duration,
    /// Where A's packets appear to come from (a NAT may change it).
    pub(super) a_source: SocketAddr,
    in_flight: Vec<InFlight>,
    next_tick: Instant,
    /// Audio each side played, at its audio rate.
    pub(super) a_heard: Vec<i16>,
    pub(super) b_heard: Vec<i16>,
    pub(super) a_events: Vec<MediaEvent>,
    pub(super) b_events: Vec<MediaEvent>,
    /// Every datagram A sent that was not lost.
    pub(super) to_b_log: Vec<Transmit>,
    /// Every datagram B sent that was not lost.
    pub(super) to_a_log: Vec<Transmit>,
}

impl Pair {
    pub(super) fn new(a: SessionConfig, b: SessionConfig) -> Self {
        let now = origin();
        let tick = a.frame;
        Self {
            a: MediaSession::new(a, 1, now).unwrap(),
            b: MediaSession::new(b, 2, now).unwrap(),
            a_to_b: Link::new(11),
            b_to_a: Link::new(12),
            now,
            tick,
            a_source: address(A),
            in_flight: Vec::new(),
            next_tick: now,
            a_heard: Vec::new(),
            b_heard: Vec::new(),
            a_events: Vec::new(),
            b_events: Vec::new(),
            to_b_log: Vec::new(),
            to_a_log: Vec::new(),
        }
    }

    /// Runs for `duration`; `signal(is_a, offset)` gives one tick of what A (or B) says.
    pub(super) fn run(
        &mut self,
        duration: Duration,
        signal: &mut dyn FnMut(bool, usize) -> Vec<i16>,
    ) {
        let end = self.now + duration;
        while self.now < end {
            self.advance(signal);
        }
    }

    fn advance(&mut self, signal: &mut dyn FnMut(bool, usize) -> Vec<i16>) {
        let arrival = self.in_flight.iter().map(|flight| flight.arrival).min();
        let timers = [self.a.poll_timeout(), self.b.poll_timeout()];
        let next = [Some(self.next_tick), arrival, timers[0], timers[1]]
            .into_iter()
            .flatten()
            .min()
            .unwrap();
        self.now = next.max(self.now);
        let now = self.now;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.in_flight)
            .into_iter()
            .partition(|flight| flight.arrival <= now);
        self.in_flight = later;
        for flight in due {
            let target = if flight.to_b {
                &mut self.b
            } else {
                &mut self.a
            };
            if flight.transmit.rtcp && !is_muxed(&flight) {
                target.handle_rtcp(now, flight.from, &flight.transmit.bytes);
            } else {
                target.handle_packet(now, flight.from, &flight.transmit.bytes);
            }
        }
        if self.a.poll_timeout().is_some_and(|at| at <= now) {
            self.a.handle_timeout(now);
        }
        if self.b.poll_timeout().is_some_and(|at| at <= now) {
            self.b.handle_timeout(now);
        }
        if now >= self.next_tick {
            let a_pcm = signal(true, self.a_heard.len());
            let b_pcm = signal(false, self.b_heard.len());
            self.a.push_audio(now, &a_pcm);
            self.b.push_audio(now, &b_pcm);
            let mut out = vec![0; a_pcm.len()];
            self.a.pull_audio(now, &mut out);
            self.a_heard.extend_from_slice(&out);
            let mut out = vec![0; b_pcm.len()];
            self.b.pull_audio(now, &mut out);
            self.b_heard.extend_from_slice(&out);
            self.next_tick += self.tick;
        }
        self.collect(now);
    }

    fn collect(&mut self, now: Instant) {
        while let Some(transmit) = self.a.poll_transmit() {
            if let Some(arrival) = self.a_to_b.carry(now, &transmit) {
                self.to_b_log.push(transmit.clone());
                let from = rtcp_source(self.a_source, &transmit);
                self.in_flight.push(InFlight {
                    arrival,
                    to_b: true,
                    from,
                    transmit,
                });
            }
        }
        while let Some(transmit) = self.b.poll_transmit() {
            if let Some(arrival) = self.b_to_a.carry(now, &transmit) {
                self.to_a_log.push(transmit.clone());
                self.in_flight.push(InFlight {
                    arrival,
                    to_b: false,
                    from: rtcp_source(address(B), &transmit),
                    transmit,
                });
            }
        }
        while let Some(event) = self.a.poll_event() {
            self.a_events.push(event);
        }
        while let Some(event) = self.b.poll_event() {
            self.b_events.push(event);
        }
    }
}

/// Where a datagram comes from: the RTP address, or the port above it for RTCP not muxed.
fn rtcp_source(rtp: SocketAddr, transmit: &Transmit) -> SocketAddr {
    let muxed = [address(A).port(), address(B).port()].contains(&transmit.to.port());
    if transmit.rtcp && !muxed {
        SocketAddr::new(rtp.ip(), rtp.port() + 1)
    } else {
        rtp
    }
}

fn is_muxed(flight: &InFlight) -> bool {
    // A muxed RTCP datagram goes to the RTP port of the peer.
    [address(A).port(), address(B).port()].contains(&flight.transmit.to.port())
}

/// A session config sending and receiving `codec` with payload type `payload_type` to `remote`.
pub(super) fn config(
    codec: CodecId,
    payload_type: u8,
    remote: &str,
    audio_rate: u32,
) -> SessionConfig {
    let mut config = SessionConfig::one_codec(
        CodecConfig::new(codec),
        payload_type,
        audio_rate,
        Some(address(remote)),
    );
    config.rtcp_mux = true;
    config.cname = format!("user@{remote}");
    config
}

/// Speech-like test audio: harmonics of 200 Hz (to 3 kHz) under a 3 Hz syllable envelope,
/// with a slowly gliding pitch so that no stretch of it repeats exactly.
pub(super) fn voice(rate: u32, start: usize, count: usize, seed: f64) -> Vec<i16> {
    (start..start + count)
        .map(|n| {
            let t = n as f64 / f64::from(rate);
            let envelope = 0.55 + 0.45 * (2.0 * std::f64::consts::PI * 3.0 * t + seed).sin();
            // The phase of a pitch of 200 ± 20 Hz gliding at 0.7 Hz.
            let glide = 20.0 / (2.0 * std::f64::consts::PI * 0.7);
            let phase = 2.0
                * std::f64::consts::PI
                * (200.0 * t - glide * (2.0 * std::f64::consts::PI * 0.7 * t + seed).cos());
            let value: f64 = (1..=15).map(|k| (k as f64 * phase).sin() / k as f64).sum();
            (value * envelope * 5000.0) as i16
        })
        .collect()
}

/// Voiced speech-like audio: a glottal pulse train whose pitch wanders quickly (130–230 Hz)
/// through two moving formant resonators, under a syllable envelope that never falls silent.
pub(super) fn speech(rate: u32, count: usize) -> Vec<i16> {
    let rate_f = f64::from(rate);
    let tau = 2.0 * std::f64::consts::PI;
    let mut phase = 0.0f64;
    let mut resonators = [[0.0f64; 2]; 2];
    let raw: Vec<f64> = (0..count)
        .map(|n| {
            let t = n as f64 / rate_f;
            phase += (180.0 + 50.0 * (tau * 3.1 * t).sin()) / rate_f;
            let mut value = if phase >= 1.0 {
                phase -= 1.0;
                1.0
            } else {
                0.0
            };
            let formants = [
                700.0 + 300.0 * (tau * 2.2 * t).sin(),
                1800.0 + 500.0 * (tau * 1.3 * t).cos(),
            ];
            for (state, formant) in resonators.iter_mut().zip(formants) {
                let radius = 0.98f64;
                let theta = tau * formant / rate_f;
                let y = value + 2.0 * radius * theta.cos() * state[0] - radius * radius * state[1];
                *state = [y, state[0]];
                value = y;
            }
            value * (0.6 + 0.4 * (tau * 4.0 * t).sin())
        })
        .collect();
    let peak = raw.iter().fold(1e-9f64, |peak, x| peak.max(x.abs()));
    raw.iter().map(|x| (x / peak * 16_000.0) as i16).collect()
}

/// Signal-to-noise ratio of `heard` against `sent` in dB, averaged over 100 ms segments from
/// `from` seconds on, each aligned by cross-correlation within `max_lag` samples either way
/// (time stretching moves the alignment during a call).
pub(super) fn segmental_snr(
    sent: &[i16],
    heard: &[i16],
    rate: u32,
    from: f64,
    max_lag: usize,
) -> f64 {
    let segment = rate as usize / 10;
    let slack = (rate as usize * 30 / 1000) as i64;
    let mut start = (from * f64::from(rate)) as usize;
    let mut lags = (-(max_lag as i64), max_lag as i64);
    let mut scores = Vec::new();
    while start + segment <= heard.len() {
        let target = &heard[start..start + segment];
        let mut best = (f64::MIN, 0);
        for lag in lags.0..=lags.1 {
            let Some(begin) = usize::try_from(start as i64 - lag).ok() else {
                continue;
            };
            let Some(reference) = sent.get(begin..begin + segment) else {
                continue;
            };
            let snr = snr(reference, target);
            if snr > best.0 {
                best = (snr, lag);
            }
        }
        scores.push(best.0.clamp(-10.0, 40.0));
        lags = (best.1 - slack, best.1 + slack);
        start += segment;
    }
    scores.iter().sum::<f64>() / scores.len().max(1) as f64
}

fn snr(reference: &[i16], heard: &[i16]) -> f64 {
    let signal: f64 = reference.iter().map(|&x| f64::from(x).powi(2)).sum();
    let noise: f64 = reference
        .iter()
        .zip(heard)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    10.0 * (signal.max(1.0) / noise.max(1.0)).log10()
}

/// Root mean square of a block.
pub(super) fn rms(samples: &[i16]) -> f64 {
    let energy: f64 = samples.iter().map(|&x| f64::from(x).powi(2)).sum();
    (energy / samples.len().max(1) as f64).sqrt()
}
