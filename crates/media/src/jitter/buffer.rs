//! The jitter buffer proper: packets in by RTP timestamp, one playout decision per frame tick.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::config::{JitterConfig, JitterMode};
use super::delay::DelayEstimator;
use super::packet::{Arrival, Packet, Playout};
use super::sequence::{SequenceCheck, SequenceTracker, TimestampUnwrapper};
use super::skew::SkewEstimator;
use super::stats::JitterStats;

/// Frame duration assumed until ptime is configured or learned.
const DEFAULT_FRAME: Duration = Duration::from_millis(20);
/// Delay aimed for while too few packets have been seen to measure jitter.
const STARTUP_DELAY: Duration = Duration::from_millis(60);
/// Packets needed before the measured jitter replaces the startup delay.
const STARTUP_PACKETS: u64 = 50;
/// Window of arrivals the jitter estimate looks at.
const JITTER_WINDOW: Duration = Duration::from_secs(10);
/// Pops between two stretch operations, so stretched audio never runs back to back.
const STRETCH_COOLDOWN: u64 = 3;
/// Delay errors, in frames, beyond which the delay is corrected during speech too; smaller
/// ones wait for a pause, where stretching is not heard.
const URGENT_EXCESS_FRAMES: f64 = 3.0;
const URGENT_SHORTFALL_FRAMES: f64 = 1.0;
/// Quiet frames in a row that make a pause between phrases rather than a gap inside a word.
const PAUSE_FRAMES: u32 = 5;
/// Consecutive empty pops reported as `Conceal` before the stream is taken to be silent.
const UNDERRUN_CONCEALMENT: u32 = 5;
/// Loss rate (smoothed over pops) above which the buffer keeps look-ahead for FEC and RED.
const LOSSY: f64 = 0.005;
/// Packets after which RED is assumed to have stopped if no block was seen.
const RED_MEMORY: u64 = 250;
/// Upper bound on stored frames, whatever the input.
const MAX_SLOTS: usize = 1024;
/// How far (beyond the ceiling) a timestamp may jump before the stream is restarted.
const JUMP_LIMIT: Duration = Duration::from_secs(5);

/// A stored frame.
#[derive(Debug, Clone)]
struct Slot<P> {
    payload: P,
    /// Extended sequence number (inferred for RED copies).
    sequence: i64,
    redundant: bool,
}

/// Adaptive (or fixed) jitter buffer for one RTP audio stream.
///
/// Call [`push`](Self::push) for every received packet and [`pop`](Self::pop) whenever
/// playback needs the next frame of audio (once per frame tick, skipping the tick after an
/// [`Playout::Expand`], which yields two frames). Both take the current time; the buffer never
/// reads a clock.
#[derive(Debug, Clone)]
pub struct JitterBuffer<P> {
    config: JitterConfig,
    origin: Option<Instant>,
    sequences: SequenceTracker,
    highest_sequence: Option<i64>,
    timestamps: TimestampUnwrapper,
    slots: BTreeMap<i64, Slot<P>>,
    delay: DelayEstimator,
    skew: SkewEstimator,
    frame: i64,
    frame_candidate: Option<i64>,
    last_primary: Option<(i64, i64)>,
    play: Option<i64>,
    last_sequence: Option<i64>,
    pops: u64,
    last_stretch: u64,
    underrun: u32,
    loss_rate: f64,
    red_span: i64,
    red_seen_at: Option<u64>,
    current_delay: f64,
    /// Quiet frames played in a row (told by the player).
    quiet_frames: u32,
    stats: JitterStats,
}

impl<P: Clone> JitterBuffer<P> {
    /// An empty buffer with these settings.
    pub fn new(config: JitterConfig) -> Self {
        let frame = config.to_ticks(config.frame_duration.unwrap_or(DEFAULT_FRAME));
        let window = config.to_ticks(JITTER_WINDOW);
        Self {
            origin: None,
            sequences: SequenceTracker::default(),
            highest_sequence: None,
            timestamps: TimestampUnwrapper::default(),
            slots: BTreeMap::new(),
            delay: DelayEstimator::new(window),
            skew: SkewEstimator::new(config.clock_rate),
            frame: frame.max(1),
            frame_candidate: None,
            last_primary: None,
            play: None,
            last_sequence: None,
            pops: 0,
            last_stretch: 0,
            underrun: 0,
            loss_rate: 0.0,
            red_span: 0,
            red_seen_at: None,
            current_delay: 0.0,
            quiet_frames: PAUSE_FRAMES,
            stats: JitterStats::default(),
            config,
        }
    }

    /// Tells the buffer whether the frame just played was quiet. Small delay corrections
    /// wait for a pause (several quiet frames in a row); large ones happen at once.
    pub fn set_quiet(&mut self, quiet: bool) {
        self.quiet_frames = if quiet {
            self.quiet_frames.saturating_add(1)
        } else {
            0
        };
    }

    /// Applies changed settings (mode, length, limits) to the running stream.
    pub fn set_config(&mut self, config: JitterConfig) {
        if let Some(frame) = config.frame_duration {
            self.frame = config.to_ticks(frame).max(1);
        }
        self.config = config;
    }

    /// Forgets the stream (new SSRC); settings and counters stay.
    pub fn reset(&mut self) {
        self.sequences.reset();
        self.highest_sequence = None;
        self.timestamps.reset();
        self.slots.clear();
        self.delay.reset();
        self.skew = SkewEstimator::new(self.config.clock_rate);
        self.frame_candidate = None;
        self.last_primary = None;
        self.play = None;
        self.last_sequence = None;
        self.underrun = 0;
    }

    /// The duration of one frame (configured, learned, or 20 ms).
    pub fn frame_duration(&self) -> Duration {
        self.config.to_duration(self.frame as f64)
    }

    /// The delay the buffer currently aims for.
    pub fn target_delay(&self) -> Duration {
        self.config.to_duration(self.target())
    }

    /// Counters and delays so far.
    pub fn stats(&self) -> JitterStats {
        let mut stats = self.stats.clone();
        stats.nominal_delay = self.target_delay();
        stats.current_delay = self.config.to_duration(self.current_delay);
        stats.absolute_maximum_delay = self.config.ceiling();
        stats.jitter = self.config.to_duration(self.delay.jitter());
        stats.skew_ppm = -self.skew.slope() * 1e6;
        stats
    }

    /// Takes in one received packet.
    pub fn push(&mut self, now: Instant, packet: Packet<P>) -> Arrival {
        let arrival = self.local_time(now);
        self.stats.received += 1;
        let sequence = match self.sequences.check(packet.sequence) {
            SequenceCheck::New(sequence) => sequence,
            SequenceCheck::Duplicate => {
                self.stats.duplicates += 1;
                return Arrival::Duplicate;
            }
            SequenceCheck::TooOld => return self.count_late(),
        };
        let newest = self
            .highest_sequence
            .is_none_or(|highest| sequence > highest);
        if newest {
            self.highest_sequence = Some(sequence);
        }
        let mut outcome = Arrival::Accepted;
        let mut timestamp = self.timestamps.extend(packet.timestamp);
        let jump_limit = self.config.to_ticks(self.config.ceiling() + JUMP_LIMIT);
        if newest
            && self
                .play
                .is_some_and(|play| (timestamp - play).abs() > jump_limit)
        {
            self.reset();
            self.sequences.check(packet.sequence);
            self.highest_sequence = Some(sequence);
            timestamp = self.timestamps.extend(packet.timestamp);
            outcome = Arrival::Resynchronized;
        }
        self.learn_frame(sequence, timestamp);
        let transit = arrival - timestamp;
        if self.skew.observe(arrival, transit) {
            self.delay.set_slope(self.skew.slope());
        }
        self.delay.observe(arrival, transit);
        if self.play.is_some_and(|play| timestamp < play) {
            return self.count_late();
        }
        match self.slots.get(&timestamp) {
            Some(slot) if !slot.redundant => {
                self.stats.duplicates += 1;
                return Arrival::Duplicate;
            }
            _ => {}
        }
        self.slots.insert(
            timestamp,
            Slot {
                payload: packet.payload,
                sequence,
                redundant: false,
            },
        );
        for block in packet.redundant {
            self.store_redundant(sequence, timestamp, block.timestamp, block.payload);
        }
        while self.slots.len() > MAX_SLOTS {
            self.slots.pop_first();
            self.stats.discarded += 1;
        }
        outcome
    }

    /// Decides what to play for the next frame tick.
    pub fn pop(&mut self, now: Instant) -> Playout<P> {
        let now = self.local_time(now);
        self.pops += 1;
        let target = self.target();
        let play = match self.play {
            Some(play) => play,
            None => match self.start_position(now, target) {
                Some(play) => {
                    self.play = Some(play);
                    play
                }
                None => return Playout::Silence,
            },
        };
        let delay = self.delay_at(now, play);
        self.current_delay = delay;
        self.stats.maximum_delay = self.stats.maximum_delay.max(self.config.to_duration(delay));
        let error = delay - target;
        while let Some(entry) = self.slots.first_entry() {
            if *entry.key() >= play {
                break;
            }
            entry.remove();
            self.stats.late += 1;
            self.stats.discarded += 1;
        }
        let half = self.frame / 2;
        let Some((&key, _)) = self.slots.first_key_value() else {
            return self.underrun(play, delay, target);
        };
        self.underrun = 0;
        if key >= play + half {
            return self.gap(play, key, error);
        }
        let cooled = self.pops - self.last_stretch >= STRETCH_COOLDOWN;
        let next_key = self.slots.range(key + half..).next().map(|(&k, _)| k);
        let Some(slot) = self.slots.remove(&key) else {
            return Playout::Silence;
        };
        self.note_played(&slot);
        self.play = Some(key + self.frame);
        let frame = self.frame as f64;
        let pause = self.quiet_frames >= PAUSE_FRAMES;
        let shrink = error >= frame && (pause || error >= frame * URGENT_EXCESS_FRAMES);
        let grow = error < -(half as f64) && (pause || error <= -frame * URGENT_SHORTFALL_FRAMES);
        if cooled && shrink {
            if let Some(next) = next_key.filter(|&next| next < key + self.frame + half) {
                if let Some(second) = self.slots.remove(&next) {
                    self.note_played(&second);
                    self.play = Some(next + self.frame);
                    self.last_stretch = self.pops;
                    self.stats.accelerated += 1;
                    return Playout::Accelerate {
                        first: slot.payload,
                        second: second.payload,
                    };
                }
            }
        }
        if cooled && grow {
            self.last_stretch = self.pops;
            self.stats.expanded += 1;
            return Playout::Expand(slot.payload);
        }
        if slot.redundant {
            Playout::PlayRedundant(slot.payload)
        } else {
            Playout::Play(slot.payload)
        }
    }

    /// Nothing buffered at all. In adaptive mode the playout point holds (the delay grows by
    /// a frame) while the delay is below target, so that late packets raising the target
    /// still play; after a few frames the stream is taken to be silent.
    fn underrun(&mut self, play: i64, delay: f64, target: f64) -> Playout<P> {
        self.underrun += 1;
        let concealing = self.underrun <= UNDERRUN_CONCEALMENT;
        let frame = self.frame as f64;
        let ceiling = self.config.to_ticks(self.config.ceiling()) as f64;
        let hold = self.config.mode == JitterMode::Adaptive
            && delay + frame <= ceiling
            && delay + frame / 2.0 < target;
        if !hold {
            self.play = Some(play + self.frame);
        }
        if !concealing {
            return Playout::Silence;
        }
        self.note_loss(true);
        self.stats.concealed += 1;
        Playout::Conceal
    }

    /// The next stored frame is later than the playout point: silence if the sender sent
    /// nothing in between (the delay may then change freely), else a loss.
    fn gap(&mut self, play: i64, key: i64, error: f64) -> Playout<P> {
        let silent = self.slots.get(&key).is_some_and(|slot| {
            self.last_sequence
                .is_none_or(|last| slot.sequence == last + 1)
        });
        if silent {
            let half = (self.frame / 2) as f64;
            let next = if error >= half {
                play + self.frame + error as i64
            } else if error < -half {
                play
            } else {
                play + self.frame
            };
            self.play = Some(next.min(key));
            return Playout::Silence;
        }
        self.play = Some((play + self.frame).min(key));
        self.note_loss(true);
        self.stats.concealed += 1;
        if key < play + self.frame + self.frame / 2 {
            if let Some(slot) = self.slots.get(&key) {
                self.stats.fec += 1;
                return Playout::Fec {
                    next_payload: slot.payload.clone(),
                };
            }
        }
        Playout::Conceal
    }

    fn note_played(&mut self, slot: &Slot<P>) {
        self.last_sequence = Some(slot.sequence);
        if slot.redundant {
            self.stats.recovered += 1;
        }
        self.note_loss(slot.redundant);
    }

    fn note_loss(&mut self, lost: bool) {
        self.loss_rate = self.loss_rate * 0.98 + if lost { 0.02 } else { 0.0 };
    }

    fn count_late(&mut self) -> Arrival {
        self.stats.late += 1;
        self.stats.discarded += 1;
        Arrival::Late
    }

    fn store_redundant(&mut self, sequence: i64, timestamp: i64, block: u32, payload: P) {
        let block = self.timestamps.peek(block);
        let back = timestamp - block;
        if back <= 0
            || back
                > self
                    .config
                    .to_ticks(self.config.ceiling())
                    .max(self.frame * 8)
        {
            return;
        }
        self.red_span = self.red_span.max(back);
        self.red_seen_at = Some(self.stats.received);
        if self.play.is_some_and(|play| block < play) || self.slots.contains_key(&block) {
            return;
        }
        let frames_back = (back + self.frame / 2) / self.frame;
        self.slots.insert(
            block,
            Slot {
                payload,
                sequence: sequence - frames_back.max(1),
                redundant: true,
            },
        );
    }

    /// Learns the frame duration from consecutive packets when ptime is not configured: the
    /// same timestamp step twice in a row.
    fn learn_frame(&mut self, sequence: i64, timestamp: i64) {
        if let Some((last_sequence, last_timestamp)) = self.last_primary {
            if sequence <= last_sequence {
                return;
            }
            let step = timestamp - last_timestamp;
            let plausible = step > 0 && step <= i64::from(self.config.clock_rate) / 5;
            if self.config.frame_duration.is_none() && sequence == last_sequence + 1 && plausible {
                if self.frame_candidate == Some(step) {
                    self.frame = step;
                }
                self.frame_candidate = Some(step);
            }
        }
        self.last_primary = Some((sequence, timestamp));
    }

    /// The target delay in RTP units.
    fn target(&self) -> f64 {
        let config = &self.config;
        let floor = config.to_ticks(config.floor()) as f64;
        let ceiling = config.to_ticks(config.ceiling()) as f64;
        if config.mode == JitterMode::Fixed {
            return ceiling;
        }
        let mut lookahead = 0.0;
        if self.loss_rate > LOSSY {
            let red_active = self
                .red_seen_at
                .is_some_and(|seen| self.stats.received - seen < RED_MEMORY);
            let red = if red_active { self.red_span } else { 0 };
            lookahead = red.max(self.frame) as f64;
        }
        let mut target = self.delay.jitter() + lookahead + (self.frame / 2) as f64;
        if self.stats.received < STARTUP_PACKETS {
            target = target.max(config.to_ticks(STARTUP_DELAY) as f64);
        }
        target.clamp(floor, ceiling.max(floor))
    }

    /// Where to start playing, once the first frame has waited for the target delay.
    fn start_position(&self, now: i64, target: f64) -> Option<i64> {
        let (&first, _) = self.slots.first_key_value()?;
        let delay = self.delay_at(now, first);
        (delay + (self.frame / 2) as f64 >= target).then_some(first)
    }

    /// How long the fastest packet for the frame at `play` would have waited by `now`.
    fn delay_at(&self, now: i64, play: i64) -> f64 {
        let base = self.delay.base_at(now).unwrap_or((now - play) as f64);
        (now - play) as f64 - base
    }

    fn local_time(&mut self, now: Instant) -> i64 {
        let origin = *self.origin.get_or_insert(now);
        self.config.to_ticks(now.saturating_duration_since(origin))
    }
}
