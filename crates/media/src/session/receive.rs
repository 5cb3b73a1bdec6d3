//! The receive path: RTP → telephone events, RED blocks and codec frames → jitter buffer →
//! decoding with concealment and time stretching → PCM at the audio rate.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use handset_codec::{AudioDecoder, CodecConfig};

use super::config::{samples_in, ReceiveConfig};
use crate::jitter::{Arrival, JitterBuffer, JitterConfig, JitterStats, Packet, Playout};
use crate::plc::Concealer;
use crate::red::RedPayload;
use crate::resample::Resampler;
use crate::rtp::RtpPacket;
use crate::stats::ReceiverStats;
use crate::stretch;
use crate::telephone_event::{Digit, EventReceiver};

/// One coded frame as the jitter buffer keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    payload_type: u8,
    data: Vec<u8>,
}

/// A decoder made for one payload type, with the concealer for codecs without their own.
struct Decoding {
    decoder: Box<dyn AudioDecoder>,
    concealer: Concealer,
    rate: u32,
}

/// Decodes and plays out the peer's audio of one call.
pub(crate) struct ReceivePath {
    config: ReceiveConfig,
    audio_rate: u32,
    decoders: HashMap<u8, Decoding>,
    jitter: Option<JitterBuffer<Frame>>,
    /// The RTP clock rate the jitter buffer was made for.
    jitter_clock: u32,
    /// Counters of jitter buffers replaced after a clock rate change.
    earlier_jitter: JitterStats,
    stats: Option<ReceiverStats>,
    events: EventReceiver,
    current: Option<u8>,
    /// PCM at the audio rate decoded ahead of the playback ticks.
    queue: VecDeque<i16>,
    resampler: Option<Resampler>,
    converted: Vec<i16>,
    packets: u64,
    bytes: u64,
    dropped: u64,
}

impl std::fmt::Debug for ReceivePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivePath")
            .field("config", &self.config)
            .field("current", &self.current)
            .field("queue", &self.queue.len())
            .finish_non_exhaustive()
    }
}

impl ReceivePath {
    /// A receive path for `config`, playing out at `audio_rate`.
    pub(crate) fn new(config: ReceiveConfig, audio_rate: u32) -> Self {
        Self {
            config,
            audio_rate,
            decoders: HashMap::new(),
            jitter: None,
            jitter_clock: 8000,
            earlier_jitter: JitterStats::default(),
            stats: None,
            events: EventReceiver::default(),
            current: None,
            queue: VecDeque::new(),
            resampler: None,
            converted: Vec::new(),
            packets: 0,
            bytes: 0,
            dropped: 0,
        }
    }

    /// Applies a re-negotiated configuration; decoders whose codec changed are dropped.
    pub(crate) fn reconfigure(&mut self, config: ReceiveConfig, audio_rate: u32) {
        self.decoders.retain(|payload_type, _| {
            codec_of(&self.config, *payload_type) == codec_of(&config, *payload_type)
        });
        if self.config.jitter != config.jitter {
            if let Some(jitter) = &mut self.jitter {
                jitter.set_config(JitterConfig {
                    clock_rate: self.jitter_clock,
                    ..config.jitter.clone()
                });
            }
        }
        if audio_rate != self.audio_rate {
            self.audio_rate = audio_rate;
            self.resampler = None;
            self.queue.clear();
        }
        self.config = config;
    }

    /// Takes in a parsed RTP packet of `size` bytes that arrived at `now`.
    pub(crate) fn handle_rtp(&mut self, now: Instant, packet: RtpPacket, size: usize) {
        let header = &packet.header;
        let payload_type = header.payload_type;
        let Some(clock_rate) = self.clock_rate_of(payload_type, &packet.payload) else {
            self.dropped += 1;
            return;
        };
        if self
            .stats
            .as_ref()
            .is_none_or(|stats| stats.ssrc() != header.ssrc)
        {
            // A new source: its sequence numbers and timestamps start afresh.
            self.stats = Some(ReceiverStats::new(header.ssrc, clock_rate));
            if let Some(jitter) = &mut self.jitter {
                jitter.reset();
            }
        }
        self.packets += 1;
        self.bytes += size as u64;
        if let Some(stats) = &mut self.stats {
            stats.handle_packet(now, header.sequence, header.timestamp);
        }
        if Some(payload_type) == self.config.telephone_event_payload_type {
            // Malformed event payloads are ignored like any other garbage.
            let _ = self
                .events
                .handle_packet(now, header.timestamp, &packet.payload);
            return;
        }
        let Some(buffered) = self.to_jitter_packet(packet) else {
            self.dropped += 1;
            return;
        };
        let jitter = self.jitter_for(clock_rate);
        if jitter.push(now, buffered) == Arrival::Late {
            if let Some(stats) = &mut self.stats {
                stats.handle_discard();
            }
        }
    }

    /// The RTP clock rate of a packet's audio, `None` for payload types not received.
    fn clock_rate_of(&self, payload_type: u8, payload: &[u8]) -> Option<u32> {
        if Some(payload_type) == self.config.telephone_event_payload_type {
            // RFC 4733 §2.1: events use the clock of the audio they go with.
            return Some(self.event_clock_rate());
        }
        let audio_type = if Some(payload_type) == self.config.red_payload_type {
            RedPayload::parse(payload).ok()?.primary_payload_type
        } else {
            payload_type
        };
        codec_of(&self.config, audio_type).map(|codec| codec.info().clock_rate)
    }

    fn to_jitter_packet(&self, packet: RtpPacket) -> Option<Packet<Frame>> {
        let header = packet.header;
        if Some(header.payload_type) != self.config.red_payload_type {
            let frame = Frame {
                payload_type: header.payload_type,
                data: packet.payload,
            };
            return Some(
                Packet::new(header.sequence, header.timestamp, frame).with_marker(header.marker),
            );
        }
        let red = RedPayload::parse(&packet.payload).ok()?;
        let primary = Frame {
            payload_type: red.primary_payload_type,
            data: red.primary,
        };
        let mut buffered =
            Packet::new(header.sequence, header.timestamp, primary).with_marker(header.marker);
        for block in red.redundant {
            if codec_of(&self.config, block.payload_type).is_some() {
                let timestamp = header
                    .timestamp
                    .wrapping_sub(u32::from(block.timestamp_offset));
                let frame = Frame {
                    payload_type: block.payload_type,
                    data: block.payload,
                };
                buffered = buffered.with_redundant(timestamp, frame);
            }
        }
        Some(buffered)
    }

    /// The jitter buffer, made anew when the stream's clock rate changes with its codec.
    fn jitter_for(&mut self, clock_rate: u32) -> &mut JitterBuffer<Frame> {
        if self.jitter_clock != clock_rate {
            if let Some(old) = self.jitter.take() {
                accumulate(&mut self.earlier_jitter, &old.stats());
            }
        }
        self.jitter_clock = clock_rate;
        let config = JitterConfig {
            clock_rate,
            ..self.config.jitter.clone()
        };
        self.jitter.get_or_insert_with(|| JitterBuffer::new(config))
    }

    /// The next completed RFC 4733 press.
    pub(crate) fn poll_digit(&mut self) -> Option<(Digit, u32)> {
        let clock = self.event_clock_rate();
        self.events.poll_digit().map(|digit| (digit, clock))
    }

    /// The clock of received events: that of the audio (RFC 4733 §2.1).
    fn event_clock_rate(&self) -> u32 {
        if self.jitter.is_some() {
            return self.jitter_clock;
        }
        self.config
            .codecs
            .first()
            .map_or(8000, |(_, codec)| codec.info().clock_rate)
    }

    /// When an RFC 4733 event without end packets will be reported.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.events.poll_timeout()
    }

    /// Reports RFC 4733 events whose packets stopped.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        self.events.handle_timeout(now);
    }

    /// Fills `out` with the next audio to play at the audio rate.
    pub(crate) fn pull(&mut self, now: Instant, out: &mut [i16]) {
        while self.queue.len() < out.len() {
            // Audio decoded now is heard after what is already queued.
            let queued = Duration::from_micros(
                self.queue.len() as u64 * 1_000_000 / u64::from(self.audio_rate.max(1)),
            );
            if !self.play_one(now + queued) {
                break;
            }
        }
        for sample in out.iter_mut() {
            *sample = self.queue.pop_front().unwrap_or(0);
        }
    }

    /// Decodes one playout decision into the queue; `false` when nothing can be played yet.
    fn play_one(&mut self, at: Instant) -> bool {
        let Some(jitter) = &mut self.jitter else {
            return false;
        };
        let playout = jitter.pop(at);
        let frame = jitter.frame_duration();
        let pcm = match playout {
            Playout::Play(payload) | Playout::PlayRedundant(payload) => {
                self.decode(&payload, frame)
            }
            Playout::Fec { next_payload } => self.recover(&next_payload, frame),
            Playout::Conceal => self.conceal(frame),
            Playout::Silence => {
                let rate = self.current_rate();
                vec![0; samples_in(frame, rate)]
            }
            Playout::Expand(payload) => {
                let pcm = self.decode(&payload, frame);
                stretch::expand(&pcm, self.current_rate())
            }
            Playout::Accelerate { first, second } => {
                let first = self.decode(&first, frame);
                let second = self.decode(&second, frame);
                stretch::compress(&first, &second, self.current_rate())
            }
        };
        if let Some(jitter) = &mut self.jitter {
            jitter.set_quiet(is_quiet(&pcm));
        }
        self.enqueue(&pcm);
        true
    }

    fn current_rate(&self) -> u32 {
        self.current
            .and_then(|payload_type| self.decoders.get(&payload_type))
            .map_or(self.audio_rate, |decoding| decoding.rate)
    }

    /// Makes `payload_type` the codec being played (a decoder is built on first use).
    fn select(&mut self, payload_type: u8) -> Option<&mut Decoding> {
        if !self.decoders.contains_key(&payload_type) {
            let codec = codec_of(&self.config, payload_type)?;
            let decoder = codec.decoder().ok()?;
            let info = *decoder.info();
            self.decoders.insert(
                payload_type,
                Decoding {
                    decoder,
                    concealer: Concealer::new(info.sample_rate),
                    rate: info.sample_rate,
                },
            );
        }
        if self.current != Some(payload_type) {
            let rate = self
                .decoders
                .get(&payload_type)
                .map(|decoding| decoding.rate);
            if rate != Some(self.current_rate()) || self.current.is_none() {
                self.resampler = None;
            }
            self.current = Some(payload_type);
        }
        self.decoders.get_mut(&payload_type)
    }

    fn decode(&mut self, frame: &Frame, duration: Duration) -> Vec<i16> {
        let Some(decoding) = self.select(frame.payload_type) else {
            return Vec::new();
        };
        let samples = decoding
            .decoder
            .decoded_samples(&frame.data)
            .unwrap_or_else(|_| samples_in(duration, decoding.rate));
        let mut pcm = vec![0; samples];
        match decoding.decoder.decode(&frame.data, &mut pcm) {
            Ok(written) => {
                pcm.truncate(written);
                decoding.concealer.good_frame(&mut pcm);
                pcm
            }
            Err(_) => self.conceal(duration),
        }
    }

    /// A lost frame whose successor `next` is at hand: rebuilt from the FEC data `next`
    /// carries, or concealed towards the audio `next` decodes to.
    fn recover(&mut self, next: &Frame, duration: Duration) -> Vec<i16> {
        let Some(decoding) = self.select(next.payload_type) else {
            return self.conceal(duration);
        };
        let mut pcm = vec![0; samples_in(duration, decoding.rate)];
        if matches!(decoding.decoder.decode_fec(&next.data, &mut pcm), Ok(true)) {
            return pcm;
        }
        if matches!(decoding.decoder.conceal(&mut pcm), Ok(true)) {
            return pcm;
        }
        let ahead_samples = decoding
            .decoder
            .decoded_samples(&next.data)
            .unwrap_or(pcm.len());
        let mut ahead = vec![0; ahead_samples];
        match decoding.decoder.decode_ahead(&next.data, &mut ahead) {
            Ok(Some(written)) => decoding
                .concealer
                .conceal_before(&mut pcm, &ahead[..written.min(ahead_samples)]),
            _ => decoding.concealer.conceal(&mut pcm),
        }
        decoding.decoder.follow_concealment(&pcm);
        pcm
    }

    fn conceal(&mut self, duration: Duration) -> Vec<i16> {
        let Some(decoding) = self
            .current
            .and_then(|current| self.decoders.get_mut(&current))
        else {
            return vec![0; samples_in(duration, self.audio_rate)];
        };
        let mut pcm = vec![0; samples_in(duration, decoding.rate)];
        if !matches!(decoding.decoder.conceal(&mut pcm), Ok(true)) {
            decoding.concealer.conceal(&mut pcm);
            decoding.decoder.follow_concealment(&pcm);
        }
        pcm
    }

    fn enqueue(&mut self, pcm: &[i16]) {
        let rate = self.current_rate();
        if rate == self.audio_rate {
            self.queue.extend(pcm);
            return;
        }
        if self.resampler.is_none() {
            self.resampler = Resampler::new(rate, self.audio_rate).ok();
        }
        let Some(resampler) = &mut self.resampler else {
            return;
        };
        self.converted.clear();
        resampler.process_i16(pcm, &mut self.converted);
        self.queue.extend(&self.converted);
    }

    /// Reception statistics of the current source.
    pub(crate) fn stats(&self) -> Option<&ReceiverStats> {
        self.stats.as_ref()
    }

    /// Reception statistics of the current source, for building a report block.
    pub(crate) fn stats_mut(&mut self) -> Option<&mut ReceiverStats> {
        self.stats.as_mut()
    }

    /// The jitter buffer's figures, over every buffer the call used.
    pub(crate) fn jitter_stats(&self) -> JitterStats {
        let current = self
            .jitter
            .as_ref()
            .map(JitterBuffer::stats)
            .unwrap_or_default();
        // Delays are the current buffer's; counters add up over every buffer.
        let mut total = JitterStats {
            nominal_delay: current.nominal_delay,
            current_delay: current.current_delay,
            absolute_maximum_delay: current.absolute_maximum_delay,
            jitter: current.jitter,
            skew_ppm: current.skew_ppm,
            ..JitterStats::default()
        };
        accumulate(&mut total, &current);
        accumulate(&mut total, &self.earlier_jitter);
        total
    }

    /// The playout frame duration (learned or configured).
    pub(crate) fn frame_duration(&self) -> Duration {
        self.jitter
            .as_ref()
            .map_or(Duration::from_millis(20), JitterBuffer::frame_duration)
    }

    /// Whether the jitter buffer adapts its delay.
    pub(crate) fn adaptive(&self) -> bool {
        self.config.jitter.mode == crate::jitter::JitterMode::Adaptive
    }

    /// The codec being played, if any.
    pub(crate) fn codec(&self) -> Option<CodecConfig> {
        self.current
            .and_then(|current| codec_of(&self.config, current))
    }

    /// Packets and bytes received, and packets dropped for an unknown payload type.
    pub(crate) fn counters(&self) -> (u64, u64, u64) {
        (self.packets, self.bytes, self.dropped)
    }
}

/// Whether a frame is a pause in speech: below about -40 dBFS on average.
fn is_quiet(pcm: &[i16]) -> bool {
    const QUIET_RMS: f64 = 330.0;
    if pcm.is_empty() {
        return true;
    }
    let energy: f64 = pcm.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    energy / (pcm.len() as f64) < QUIET_RMS * QUIET_RMS
}

fn codec_of(config: &ReceiveConfig, payload_type: u8) -> Option<CodecConfig> {
    config
        .codecs
        .iter()
        .find(|(candidate, _)| *candidate == payload_type)
        .map(|(_, codec)| *codec)
}

/// Adds the counters of `more` to `total` (delays are taken from the newer buffer).
fn accumulate(total: &mut JitterStats, more: &JitterStats) {
    total.received += more.received;
    total.duplicates += more.duplicates;
    total.late += more.late;
    total.discarded += more.discarded;
    total.concealed += more.concealed;
    total.fec += more.fec;
    total.recovered += more.recovered;
    total.expanded += more.expanded;
    total.accelerated += more.accelerated;
    total.maximum_delay = total.maximum_delay.max(more.maximum_delay);
}
