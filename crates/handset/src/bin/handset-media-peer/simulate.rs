//! A call between two media sessions in simulated time, over a link that drops RTP packets at
//! random and delays each by a random amount. The same sessions the network benchmark runs,
//! without sockets, namespaces or a clock: a run is repeatable from its seed and takes a
//! fraction of the audio's duration.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::Context;
use handset_media::session::{MediaSession, SessionConfig, SessionStats};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The simulation's time step.
const STEP: Duration = Duration::from_millis(1);
/// The receiver's audio ticks lag the sender's by this much, as two unrelated clocks would.
const RECEIVER_PHASE: Duration = Duration::from_millis(7);
/// The one-way delay every packet has before jitter is added.
const BASE_DELAY: Duration = Duration::from_millis(2);

/// What the link between the two sessions does to RTP packets (RTCP passes unharmed, as the
/// network benchmark only drops packets to the RTP port).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    /// Probability that an RTP packet is dropped (0.0–1.0).
    pub(crate) loss: f64,
    /// The largest extra delay a packet gets, drawn uniformly from zero to this.
    pub(crate) jitter: Duration,
    /// Seed of the random loss and delay.
    pub(crate) seed: u64,
}

/// The two sessions' ends: what the receiver played out, and its final figures.
pub(crate) struct Outcome {
    /// The receiver's audio, one sample per sample of the input plus the tail.
    pub(crate) received: Vec<i16>,
    /// The receiver's figures after it closed.
    pub(crate) stats: SessionStats,
}

/// A packet on its way, ordered by arrival time and then by sending order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    arrival: Duration,
    order: u64,
    to_receiver: bool,
    rtcp: bool,
    bytes: Vec<u8>,
}

/// Sends `audio` (at `rate` Hz, in frames of `frame`) from a session built from
/// `sender_config` to one built from `receiver_config`, followed by `tail` of silence.
pub(crate) fn run(
    sender_config: SessionConfig,
    receiver_config: SessionConfig,
    rate: u32,
    frame: Duration,
    audio: &[i16],
    tail: Duration,
    link: Link,
) -> anyhow::Result<Outcome> {
    let start = origin();
    let sender_address = receiver_config
        .remote_rtp
        .context("the receiver needs the sender's address")?;
    let receiver_address = sender_config
        .remote_rtp
        .context("the sender needs the receiver's address")?;
    let mut sender = MediaSession::new(sender_config, link.seed ^ 0x5e4d, start)
        .context("setting up the sending session")?;
    let mut receiver = MediaSession::new(receiver_config, link.seed ^ 0x4ec5, start)
        .context("setting up the receiving session")?;
    let mut random = StdRng::seed_from_u64(link.seed);
    let frame_samples = usize::try_from(u128::from(rate) * frame.as_nanos() / 1_000_000_000)
        .context("frame size")?
        .max(1);
    let total = audio.len() + duration_samples(tail, rate);
    let mut received = Vec::with_capacity(total + frame_samples);
    let mut sent = 0usize;
    let mut in_flight: BinaryHeap<Reverse<InFlight>> = BinaryHeap::new();
    let mut order = 0u64;
    let mut elapsed = Duration::ZERO;
    let mut next_send = Duration::ZERO;
    let mut next_play = RECEIVER_PHASE;
    let mut input = vec![0i16; frame_samples];
    let mut output = vec![0i16; frame_samples];

    while received.len() < total {
        let now = start + elapsed;
        while in_flight
            .peek()
            .is_some_and(|Reverse(packet)| packet.arrival <= elapsed)
        {
            let Some(Reverse(packet)) = in_flight.pop() else {
                break;
            };
            let (session, from) = if packet.to_receiver {
                (&mut receiver, sender_address)
            } else {
                (&mut sender, receiver_address)
            };
            if packet.rtcp {
                session.handle_rtcp(now, from, &packet.bytes);
            } else {
                session.handle_packet(now, from, &packet.bytes);
            }
        }
        if elapsed >= next_send {
            input.fill(0);
            if sent < audio.len() {
                let count = frame_samples.min(audio.len() - sent);
                input[..count].copy_from_slice(&audio[sent..sent + count]);
                sent += count;
            }
            sender.push_audio(now, &input);
            next_send += frame;
        }
        if elapsed >= next_play {
            receiver.pull_audio(now, &mut output);
            received.extend_from_slice(&output);
            next_play += frame;
        }
        for (session, to_receiver) in [(&mut sender, true), (&mut receiver, false)] {
            if session.poll_timeout().is_some_and(|at| at <= now) {
                session.handle_timeout(now);
            }
            while let Some(transmit) = session.poll_transmit() {
                let dropped = to_receiver && !transmit.rtcp && random.gen_bool(link.loss);
                let delay = BASE_DELAY + link.jitter.mul_f64(random.gen_range(0.0..=1.0));
                if !dropped {
                    order += 1;
                    in_flight.push(Reverse(InFlight {
                        arrival: elapsed + delay,
                        order,
                        to_receiver,
                        rtcp: transmit.rtcp,
                        bytes: transmit.bytes,
                    }));
                }
            }
        }
        elapsed += STEP;
    }
    receiver.close(start + elapsed);
    received.truncate(total);
    Ok(Outcome {
        received,
        stats: receiver.stats(),
    })
}

fn duration_samples(duration: Duration, rate: u32) -> usize {
    usize::try_from(u128::from(rate) * duration.as_nanos() / 1_000_000_000).unwrap_or(0)
}

/// The simulated clock's origin: any instant will do, as only differences matter.
fn origin() -> Instant {
    Instant::now()
}

/// The address the simulated sender pretends to have.
pub(crate) const SENDER: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 77, 0, 1)), 40000);
/// The address the simulated receiver pretends to have.
pub(crate) const RECEIVER: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 77, 0, 2)), 40000);
