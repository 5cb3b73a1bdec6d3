//! Simulated-time tests: a seeded network model (loss, jitter, spikes, skew, duplicates)
//! feeding the buffer, and a playback loop popping once per 20 ms tick.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::*;

const FRAME_MS: u64 = 20;

/// An arbitrary origin for simulated time; nothing waits on it.
#[allow(clippy::disallowed_methods)]
fn origin() -> Instant {
    Instant::now()
}
const FRAME_TICKS: u32 = 160;

/// SplitMix64: small, seeded, good enough for a network model.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Clone, Copy)]
enum Loss {
    None,
    Uniform(f64),
    /// Gilbert–Elliott: P(good→bad), P(bad→good), loss in the bad state.
    Bursty {
        enter_bad: f64,
        leave_bad: f64,
        bad_loss: f64,
    },
}

/// The network between sender and buffer.
struct Network {
    seed: u64,
    loss: Loss,
    jitter_ms: f64,
    /// (from ms, until ms, extra delay ms) by send time.
    spikes: Vec<(f64, f64, f64)>,
    duplicate: f64,
    /// Sender clock rate against ours minus one (0.01: sender 1 % fast).
    skew: f64,
    red_depth: u32,
}

impl Network {
    fn new(seed: u64) -> Self {
        Self {
            seed,
            loss: Loss::None,
            jitter_ms: 0.0,
            spikes: Vec::new(),
            duplicate: 0.0,
            skew: 0.0,
            red_depth: 0,
        }
    }

    /// Arrival times (ms, our clock) of each frame's packet copies, in arrival order.
    fn schedule(&self, frames: u32) -> Vec<(f64, u32)> {
        let mut rng = Rng(self.seed);
        let mut bad = false;
        let mut arrivals = Vec::new();
        for n in 0..frames {
            let lost = match self.loss {
                Loss::None => false,
                Loss::Uniform(p) => rng.unit() < p,
                Loss::Bursty {
                    enter_bad,
                    leave_bad,
                    bad_loss,
                } => {
                    bad = if bad {
                        rng.unit() >= leave_bad
                    } else {
                        rng.unit() < enter_bad
                    };
                    bad && rng.unit() < bad_loss
                }
            };
            let jitter = rng.unit() * self.jitter_ms;
            let copies = if rng.unit() < self.duplicate { 2 } else { 1 };
            if lost {
                continue;
            }
            let sent = f64::from(n) * FRAME_MS as f64 / (1.0 + self.skew);
            let spike: f64 = self
                .spikes
                .iter()
                .filter(|(from, until, _)| (*from..*until).contains(&sent))
                .map(|(_, _, extra)| extra)
                .sum();
            for copy in 0..copies {
                arrivals.push((sent + 30.0 + jitter + spike + f64::from(copy) * 3.0, n));
            }
        }
        arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
        arrivals
    }

    fn packet(&self, n: u32) -> Packet<u32> {
        let sequence = (n.wrapping_add(65_000) & 0xFFFF) as u16;
        let timestamp = n.wrapping_mul(FRAME_TICKS).wrapping_add(u32::MAX - 40_000);
        let mut packet = Packet::new(sequence, timestamp, n).with_marker(n == 0);
        for back in 1..=self.red_depth.min(n) {
            packet = packet.with_redundant(timestamp.wrapping_sub(back * FRAME_TICKS), n - back);
        }
        packet
    }
}

/// What the playback saw.
#[derive(Default)]
struct Run {
    played: Vec<u32>,
    concealed: u32,
    /// (time ms, current delay ms, target ms) at every pop after start.
    delays: Vec<(u64, f64, f64)>,
    stats: JitterStats,
    delivered: BTreeSet<u32>,
}

fn simulate(config: JitterConfig, network: &Network, frames: u32) -> Run {
    let mut buffer = JitterBuffer::new(config);
    let start = origin();
    let arrivals = network.schedule(frames);
    let mut next = 0;
    let mut run = Run::default();
    let mut owed_frames = 0;
    let ticks = (f64::from(frames) * (1.0 + network.skew.abs())) as u64 + 100;
    for tick in 0..ticks {
        let now_ms = tick * FRAME_MS;
        while next < arrivals.len() && arrivals[next].0 <= now_ms as f64 {
            let (at, n) = arrivals[next];
            let at = start + Duration::from_secs_f64(at / 1000.0);
            if buffer.push(at, network.packet(n)) != Arrival::Late {
                run.delivered.insert(n);
            }
            next += 1;
        }
        if owed_frames > 0 {
            owed_frames -= 1;
            continue;
        }
        let playout = buffer.pop(start + Duration::from_millis(now_ms));
        owed_frames = playout.frames() - 1;
        match playout {
            Playout::Play(n) | Playout::PlayRedundant(n) | Playout::Expand(n) => run.played.push(n),
            Playout::Accelerate { first, second } => run.played.extend([first, second]),
            Playout::Fec { .. } | Playout::Conceal => run.concealed += 1,
            Playout::Silence => {}
        }
        if !run.played.is_empty() && tick + 200 < u64::from(frames) {
            let stats = buffer.stats();
            run.delays.push((
                now_ms,
                stats.current_delay.as_secs_f64() * 1000.0,
                stats.nominal_delay.as_secs_f64() * 1000.0,
            ));
        }
    }
    run.stats = buffer.stats();
    run
}

fn adaptive() -> JitterConfig {
    JitterConfig::new(8000)
        .length(Duration::from_millis(800))
        .frame_duration(Duration::from_millis(FRAME_MS))
}

fn assert_in_order(run: &Run) {
    assert!(
        run.played.windows(2).all(|w| w[0] < w[1]),
        "frames out of order or repeated"
    );
}

fn max_delay_between(run: &Run, from_ms: u64, until_ms: u64) -> f64 {
    run.delays
        .iter()
        .filter(|(t, ..)| (from_ms..until_ms).contains(t))
        .map(|&(_, delay, _)| delay)
        .fold(0.0, f64::max)
}

fn target_at(run: &Run, at_ms: u64) -> f64 {
    run.delays
        .iter()
        .find(|(t, ..)| *t >= at_ms)
        .map(|&(.., target)| target)
        .expect("simulation reached that time")
}

#[test]
fn bursty_loss_and_jitter_never_grow_the_buffer_without_bound() {
    let mut network = Network::new(7);
    network.loss = Loss::Bursty {
        enter_bad: 0.05,
        leave_bad: 0.3,
        bad_loss: 0.8,
    };
    network.jitter_ms = 80.0;
    network.duplicate = 0.02;
    let run = simulate(adaptive(), &network, 6000);
    assert_in_order(&run);
    assert!(max_delay_between(&run, 0, u64::MAX) <= 820.0);
    assert!(max_delay_between(&run, 10_000, u64::MAX) < 300.0);
    assert!(run.stats.duplicates > 0);
    // Every delivered frame is played but for the few that came after their time.
    let missing = run.delivered.len() - run.played.len();
    assert!(
        missing as u64 <= run.stats.late,
        "{missing} frames vanished"
    );
}

#[test]
fn adapts_up_to_a_delay_spike_and_back_down() {
    let mut network = Network::new(11);
    network.jitter_ms = 20.0;
    network.spikes = vec![(20_000.0, 24_000.0, 250.0)];
    let run = simulate(adaptive(), &network, 4000);
    assert_in_order(&run);
    let before = target_at(&run, 19_000);
    assert!(before < 80.0, "target before the spike {before}");
    let during = target_at(&run, 21_000);
    assert!(during >= 250.0, "target during the spike {during}");
    let delay_during = max_delay_between(&run, 22_000, 24_000);
    assert!(
        delay_during >= 250.0,
        "delay during the spike {delay_during}"
    );
    let after = max_delay_between(&run, 70_000, 80_000);
    assert!(after < 100.0, "delay long after the spike {after}");
    assert!(run.stats.expanded > 0 && run.stats.accelerated > 0);
    let lost = run.stats.late + u64::from(run.concealed);
    assert!(lost < 40, "{lost} frames lost around the spike");
}

#[test]
fn late_loss_stays_low_at_moderate_jitter() {
    let mut network = Network::new(3);
    network.jitter_ms = 60.0;
    let run = simulate(adaptive(), &network, 3000);
    assert_in_order(&run);
    let late_share = run.stats.late as f64 / run.stats.received as f64;
    assert!(late_share < 0.02, "late share {late_share}");
    assert!(max_delay_between(&run, 10_000, u64::MAX) < 150.0);
}

#[test]
fn red_depth_two_recovers_every_protected_frame_at_30_percent_loss() {
    let mut network = Network::new(5);
    network.loss = Loss::Uniform(0.3);
    network.jitter_ms = 10.0;
    network.red_depth = 2;
    let frames = 3000;
    let run = simulate(adaptive(), &network, frames);
    assert_in_order(&run);
    let played: BTreeSet<u32> = run.played.iter().copied().collect();
    let protected = (150..frames - 10).filter(|n| (*n..=n + 2).any(|k| run.delivered.contains(&k)));
    let unrecovered: Vec<u32> = protected.filter(|n| !played.contains(n)).collect();
    assert!(unrecovered.is_empty(), "not recovered: {unrecovered:?}");
    assert!(run.stats.recovered > 500);
}

#[test]
fn one_percent_skew_either_way_for_ten_minutes_keeps_delay_bounded() {
    let frames = 30_000;
    for skew in [0.01, -0.01] {
        let mut network = Network::new(13);
        network.jitter_ms = 30.0;
        network.skew = skew;
        let run = simulate(adaptive(), &network, frames);
        assert_in_order(&run);
        // The faster sender's stream ends before 600 s of our time.
        let ceiling = max_delay_between(&run, 10_000, 590_000);
        assert!(ceiling < 150.0, "skew {skew}: delay reached {ceiling}");
        let last = max_delay_between(&run, 580_000, 590_000);
        assert!(last > 20.0, "skew {skew}: buffer drained to {last}");
        // No frame dropped to change the delay: everything that arrived in time is played,
        // and jitter alone makes very few packets late.
        assert!(run.stats.late < 30, "skew {skew}: {} late", run.stats.late);
        let played: BTreeSet<u32> = run.played.iter().copied().collect();
        assert_eq!(played, run.delivered, "skew {skew}");
        assert!(run.played.len() + 30 >= frames as usize);
        let skew_ppm = run.stats.skew_ppm;
        assert!(
            (skew_ppm - skew * 1e6).abs() < 1000.0,
            "skew {skew}: estimated {skew_ppm} ppm"
        );
    }
}

#[test]
fn fixed_mode_holds_its_delay() {
    let mut network = Network::new(17);
    network.jitter_ms = 60.0;
    let config = adaptive()
        .mode(JitterMode::Fixed)
        .length(Duration::from_millis(200));
    let run = simulate(config, &network, 3000);
    assert_in_order(&run);
    for &(at, delay, target) in &run.delays {
        assert_eq!(target, 200.0);
        assert!((170.0..=230.0).contains(&delay), "{delay} ms at {at} ms");
    }
    assert!(run.stats.expanded + run.stats.accelerated <= 2);
    assert_eq!(run.stats.late, 0);
}

/// Replays an arrival table: pushes with their expected outcome, pops with their playout.
#[test]
fn arrival_table_reordering_duplicates_and_wrap() {
    let table = include_str!("../../tests/data/jitter/reorder_wrap.txt");
    let config = adaptive()
        .mode(JitterMode::Fixed)
        .length(Duration::from_millis(40));
    let mut buffer = JitterBuffer::new(config);
    let start = origin();
    for (number, line) in table.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() || fields[0].starts_with('#') {
            continue;
        }
        let at = start + Duration::from_millis(fields[1].parse().expect("time"));
        let context = format!("line {}: {line}", number + 1);
        match fields[0] {
            "push" => {
                let sequence: u16 = fields[2].parse().expect("sequence");
                let timestamp: u32 = fields[3].parse().expect("timestamp");
                let outcome = buffer.push(at, Packet::new(sequence, timestamp, sequence));
                let expected = match fields[4] {
                    "accepted" => Arrival::Accepted,
                    "duplicate" => Arrival::Duplicate,
                    "late" => Arrival::Late,
                    "resynchronized" => Arrival::Resynchronized,
                    other => panic!("unknown outcome {other}"),
                };
                assert_eq!(outcome, expected, "{context}");
            }
            "pop" => {
                let sequence = || fields[3].parse::<u16>().expect("sequence");
                let expected = match fields[2] {
                    "silence" => Playout::Silence,
                    "conceal" => Playout::Conceal,
                    "play" => Playout::Play(sequence()),
                    "red" => Playout::PlayRedundant(sequence()),
                    "fec" => Playout::Fec {
                        next_payload: sequence(),
                    },
                    other => panic!("unknown playout {other}"),
                };
                assert_eq!(buffer.pop(at), expected, "{context}");
            }
            other => panic!("unknown event {other}"),
        }
    }
    let stats = buffer.stats();
    assert_eq!(
        (stats.late, stats.duplicates, stats.concealed, stats.fec),
        (1, 1, 2, 1)
    );
    assert_eq!(stats.current_delay, Duration::from_millis(40));
}

#[test]
fn silence_suppression_gaps_are_silence_and_resume_at_target() {
    let mut buffer = JitterBuffer::new(adaptive());
    let start = origin();
    let at = |ms: u64| start + Duration::from_millis(ms);
    let mut outputs = Vec::new();
    // 1 s of talk, 2 s of nothing sent, 1 s of talk starting with the marker bit.
    for tick in 0..250u64 {
        let (sequence, frame) = match tick {
            0..50 => (tick, tick),
            150..200 => (tick - 100, tick),
            _ => (u64::MAX, 0),
        };
        if sequence != u64::MAX {
            let packet = Packet::new(sequence as u16, (frame * 160) as u32, frame as u32)
                .with_marker(tick == 150);
            assert_eq!(buffer.push(at(tick * 20), packet), Arrival::Accepted);
        }
        outputs.push(buffer.pop(at(tick * 20)));
        if tick == 180 {
            let stats = buffer.stats();
            assert!(
                stats.current_delay <= stats.nominal_delay + Duration::from_millis(20),
                "{stats:?}"
            );
        }
    }
    // An empty buffer is concealed briefly before the stream is taken to be silent.
    let concealed = outputs[..200]
        .iter()
        .filter(|p| matches!(p, Playout::Conceal | Playout::Fec { .. }))
        .count();
    assert!(concealed <= 5, "{concealed} concealed in silence");
    let played: Vec<u32> = outputs
        .iter()
        .flat_map(|p| match p {
            Playout::Play(n) | Playout::Expand(n) => vec![*n],
            Playout::Accelerate { first, second } => vec![*first, *second],
            _ => Vec::new(),
        })
        .collect();
    let expected: Vec<u32> = (0..50).chain(150..200).collect();
    assert_eq!(played, expected);
}

#[test]
fn a_timestamp_jump_restarts_the_stream() {
    let mut buffer = JitterBuffer::new(adaptive());
    let start = origin();
    let at = |ms: u64| start + Duration::from_millis(ms);
    for n in 0..20u32 {
        buffer.push(at(u64::from(n) * 20), Packet::new(n as u16, n * 160, n));
        buffer.pop(at(u64::from(n) * 20));
    }
    let jumped = 20 * 160 + 8000 * 100;
    let outcome = buffer.push(at(400), Packet::new(20, jumped, 20));
    assert_eq!(outcome, Arrival::Resynchronized);
    let mut played = Vec::new();
    for n in 21..40u32 {
        let now = at(u64::from(n) * 20);
        buffer.push(now, Packet::new(n as u16, jumped + (n - 20) * 160, n));
        if let Playout::Play(n) = buffer.pop(now) {
            played.push(n);
        }
    }
    assert_eq!(played.first(), Some(&20));
    assert!(played.windows(2).all(|w| w[1] == w[0] + 1));
}

#[test]
fn thirty_percent_bursty_loss_conceals_only_what_red_cannot_recover() {
    let mut network = Network::new(23);
    // Gilbert–Elliott with a 30 % share of time in the bad state, where everything is lost.
    network.loss = Loss::Bursty {
        enter_bad: 0.15,
        leave_bad: 0.35,
        bad_loss: 1.0,
    };
    network.jitter_ms = 20.0;
    network.red_depth = 2;
    let frames = 6000;
    let run = simulate(adaptive(), &network, frames);
    assert_in_order(&run);
    let lost = frames as usize - run.delivered.len();
    assert!((1500..2100).contains(&lost), "{lost} lost");
    let unrecoverable = (0..frames)
        .filter(|n| !(*n..=n + 2).any(|k| run.delivered.contains(&k)))
        .count();
    let concealed = run.concealed as usize;
    assert!(
        concealed <= unrecoverable + 20,
        "{concealed} concealed, {unrecoverable} unrecoverable"
    );
    assert!(max_delay_between(&run, 10_000, u64::MAX) < 250.0);
}

/// Pops one frame per tick from a clean 20 ms stream, telling the buffer after each whether
/// the frame was `quiet`; returns how many accelerations happened.
fn accelerations_with(quiet: impl Fn(u64) -> bool, ticks: u64) -> u64 {
    let network = Network::new(11);
    let mut buffer = JitterBuffer::new(adaptive());
    let start = origin();
    let arrivals = network.schedule(u32::try_from(ticks).unwrap() + 10);
    let mut next = 0;
    for tick in 0..ticks {
        let now_ms = tick * FRAME_MS;
        while next < arrivals.len() && arrivals[next].0 <= now_ms as f64 {
            let (at, n) = arrivals[next];
            buffer.push(
                start + Duration::from_secs_f64(at / 1000.0),
                network.packet(n),
            );
            next += 1;
        }
        buffer.pop(start + Duration::from_millis(now_ms));
        buffer.set_quiet(quiet(tick));
    }
    buffer.stats().accelerated
}

#[test]
fn small_delay_corrections_wait_for_a_pause() {
    // The start-up delay is two frames above what a clean stream needs.
    let speech_throughout = accelerations_with(|_| false, 300);
    assert_eq!(
        speech_throughout, 0,
        "shrank the delay in the middle of speech"
    );
    // A pause of a few frames at 4 s is where it happens; a one-frame dip is not a pause.
    let with_dip = accelerations_with(|tick| tick == 150, 300);
    assert_eq!(with_dip, 0, "took a one-frame dip for a pause");
    let with_pause = accelerations_with(|tick| (200..215).contains(&tick), 300);
    assert!(with_pause > 0, "did not use the pause");
}
