//! Audio sources a call can play (a WAV file, a tone, DTMF, silence, any of them under a ring
//! cadence) and sinks it can record into (a WAV recorder, a two-party call recorder).

use crate::dtmf_audio::DtmfGenerator;
use crate::resample::{resample_all, ResampleError};
use crate::tone::{Cadence, ToneGenerator};
use crate::wav::{self, WavAudio};

/// Something that makes audio frame by frame at a fixed rate.
pub trait AudioSource {
    /// The rate its samples are at, in Hz.
    fn sample_rate(&self) -> u32;
    /// Fills `frame` with the next samples; returns `false` (and silence) once it has ended.
    fn fill(&mut self, frame: &mut [i16]) -> bool;
}

/// Something that takes audio frame by frame.
pub trait AudioSink {
    /// Takes the next frame.
    fn write(&mut self, frame: &[i16]);
}

/// Endless silence.
#[derive(Debug, Clone, Copy)]
pub struct Silence {
    /// The rate, in Hz.
    pub sample_rate: u32,
}

impl AudioSource for Silence {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn fill(&mut self, frame: &mut [i16]) -> bool {
        frame.fill(0);
        true
    }
}

impl AudioSource for ToneGenerator {
    fn sample_rate(&self) -> u32 {
        ToneGenerator::sample_rate(self)
    }

    fn fill(&mut self, frame: &mut [i16]) -> bool {
        ToneGenerator::fill(self, frame)
    }
}

/// Plays a decoded WAV file at the call's rate, once or in a loop.
#[derive(Debug, Clone)]
pub struct WavPlayback {
    sample_rate: u32,
    samples: Vec<i16>,
    position: usize,
    looping: bool,
}

impl WavPlayback {
    /// Prepares `audio` for playback at `sample_rate` Hz (resampled once, here).
    pub fn new(audio: &WavAudio, sample_rate: u32, looping: bool) -> Result<Self, ResampleError> {
        Ok(Self {
            sample_rate,
            samples: resample_all(&audio.samples, audio.sample_rate, sample_rate)?,
            position: 0,
            looping,
        })
    }

    /// Starts again from the beginning.
    pub fn rewind(&mut self) {
        self.position = 0;
    }
}

impl AudioSource for WavPlayback {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn fill(&mut self, frame: &mut [i16]) -> bool {
        let mut filled = 0;
        while filled < frame.len() {
            if self.position == self.samples.len() {
                if !self.looping || self.samples.is_empty() {
                    break;
                }
                self.position = 0;
            }
            let take = (frame.len() - filled).min(self.samples.len() - self.position);
            frame[filled..filled + take]
                .copy_from_slice(&self.samples[self.position..self.position + take]);
            filled += take;
            self.position += take;
        }
        frame[filled..].fill(0);
        filled > 0 || self.looping && !self.samples.is_empty()
    }
}

/// DTMF keys played as a source; it ends when its queue is empty.
impl AudioSource for DtmfGenerator {
    fn sample_rate(&self) -> u32 {
        DtmfGenerator::sample_rate(self)
    }

    fn fill(&mut self, frame: &mut [i16]) -> bool {
        DtmfGenerator::fill(self, frame)
    }
}

/// A source heard only in the on periods of a cadence (a ringtone under the ring cadence); it
/// pauses during the off periods.
#[derive(Debug, Clone)]
pub struct Cadenced<S> {
    inner: S,
    cadence: Cadence,
    elapsed_samples: u64,
    scratch: Vec<i16>,
}

impl<S: AudioSource> Cadenced<S> {
    /// Plays `inner` under `cadence`.
    pub fn new(inner: S, cadence: Cadence) -> Self {
        Self {
            inner,
            cadence,
            elapsed_samples: 0,
            scratch: Vec::new(),
        }
    }

    fn is_on(&self, sample: u64) -> Option<bool> {
        let rate = u64::from(self.inner.sample_rate().max(1));
        let nanos = sample.saturating_mul(1_000_000_000) / rate;
        self.cadence
            .is_on_at(std::time::Duration::from_nanos(nanos))
    }
}

impl<S: AudioSource> AudioSource for Cadenced<S> {
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    fn fill(&mut self, frame: &mut [i16]) -> bool {
        let start = self.elapsed_samples;
        let gates: Vec<Option<bool>> = (0..frame.len() as u64)
            .map(|i| self.is_on(start + i))
            .collect();
        self.elapsed_samples += frame.len() as u64;
        let on = gates.iter().filter(|g| **g == Some(true)).count();
        self.scratch.resize(on, 0);
        let playing = self.inner.fill(&mut self.scratch);
        let mut sounding = self.scratch.iter();
        for (sample, gate) in frame.iter_mut().zip(&gates) {
            *sample = match gate {
                Some(true) => sounding.next().copied().unwrap_or(0),
                _ => 0,
            };
        }
        playing && gates.last().is_none_or(|g| g.is_some())
    }
}

/// Records mono audio as a 16-bit WAV file, handing out the bytes as they come.
///
/// Write [`header`](Self::header) first, then each [`take_bytes`](Self::take_bytes); when done,
/// write `header()` again over the first 44 bytes to record the final length.
#[derive(Debug, Clone)]
pub struct WavRecorder {
    sample_rate: u32,
    samples: usize,
    pending: Vec<u8>,
}

impl WavRecorder {
    /// A recorder at `sample_rate` Hz.
    pub fn new(sample_rate: u32) -> Self {
        Self {
            sample_rate,
            samples: 0,
            pending: Vec::new(),
        }
    }

    /// The file header for what was recorded so far.
    pub fn header(&self) -> [u8; 44] {
        wav::header(self.sample_rate, self.samples)
    }

    /// Samples recorded so far.
    pub fn sample_count(&self) -> usize {
        self.samples
    }

    /// The audio bytes recorded since the last call.
    pub fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }
}

impl AudioSink for WavRecorder {
    fn write(&mut self, frame: &[i16]) {
        self.samples += frame.len();
        self.pending
            .extend(frame.iter().flat_map(|s| s.to_le_bytes()));
    }
}

/// Records a two-party call: what the phone sends and what it receives, mixed into one track.
#[derive(Debug, Clone)]
pub struct CallRecorder {
    recorder: WavRecorder,
    mixed: Vec<i16>,
}

impl CallRecorder {
    /// A call recorder at `sample_rate` Hz (both directions must be at this rate).
    pub fn new(sample_rate: u32) -> Self {
        Self {
            recorder: WavRecorder::new(sample_rate),
            mixed: Vec::new(),
        }
    }

    /// Records one frame of each direction; the shorter one is padded with silence.
    pub fn record(&mut self, sent: &[i16], received: &[i16]) {
        let len = sent.len().max(received.len());
        self.mixed.clear();
        self.mixed.extend((0..len).map(|i| {
            let a = sent.get(i).copied().unwrap_or(0);
            let b = received.get(i).copied().unwrap_or(0);
            a.saturating_add(b)
        }));
        self.recorder.write(&self.mixed);
    }

    /// The WAV recorder underneath, to take its bytes and header.
    pub fn recorder(&mut self) -> &mut WavRecorder {
        &mut self.recorder
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_signal::goertzel_power;
    use crate::tone::{parse_cadence, parse_tone, CadenceUnit};

    fn floats(samples: &[i16]) -> Vec<f32> {
        samples.iter().map(|&s| f32::from(s)).collect()
    }

    #[test]
    fn wav_playback_resamples_and_loops_or_ends() {
        let tone: Vec<i16> = (0..4410)
            .map(|n| {
                (8000.0 * (2.0 * std::f32::consts::PI * 441.0 * n as f32 / 44100.0).sin()) as i16
            })
            .collect();
        let audio = WavAudio {
            sample_rate: 44100,
            samples: tone,
        };
        let mut once = WavPlayback::new(&audio, 8000, false).unwrap();
        let mut frame = [0i16; 160];
        let mut played = Vec::new();
        while once.fill(&mut frame) {
            played.extend_from_slice(&frame);
        }
        // 100 ms at 8 kHz is 800 samples: five frames.
        assert_eq!(played.len(), 800);
        let power = goertzel_power(&floats(&played[100..700]), 441.0, 8000);
        assert!(((2.0 * power).sqrt() - 8000.0).abs() < 200.0);
        assert!(frame.iter().all(|&s| s == 0));
        let mut looping = WavPlayback::new(&audio, 8000, true).unwrap();
        for _ in 0..20 {
            assert!(looping.fill(&mut frame));
        }
        looping.rewind();
        let mut silence = Silence { sample_rate: 8000 };
        assert!(silence.fill(&mut frame));
        assert_eq!(frame, [0; 160]);
    }

    #[test]
    fn ring_cadence_gates_a_source() {
        let ringtone = parse_tone("f1=440,f2=480", CadenceUnit::Milliseconds).unwrap();
        let cadence = parse_cadence("c=2000/4000;", CadenceUnit::Milliseconds).unwrap();
        let mut ringer = Cadenced::new(ToneGenerator::new(&ringtone, 8000, -10.0), cadence);
        let mut audio = Vec::new();
        let mut frame = [0i16; 160];
        for _ in 0..(12 * 50) {
            assert!(ringer.fill(&mut frame));
            audio.extend_from_slice(&frame);
        }
        let second = |s: usize| &audio[s * 8000..(s + 1) * 8000];
        for s in [0, 1, 6, 7] {
            assert!(
                second(s).iter().any(|&x| x.abs() > 1000),
                "second {s} rings"
            );
        }
        for s in [2, 3, 4, 5, 8, 9] {
            assert!(second(s).iter().all(|&x| x == 0), "second {s} is quiet");
        }
    }

    #[test]
    fn dtmf_plays_as_a_source_until_its_queue_is_empty() {
        let mut generator = DtmfGenerator::new(8000, Default::default());
        generator.push_str("1").unwrap();
        let source: &mut dyn AudioSource = &mut generator;
        let mut frame = [0i16; 160];
        let mut frames = 0;
        while source.fill(&mut frame) {
            frames += 1;
        }
        assert_eq!(frames, 10, "100 ms on and 100 ms off");
    }

    #[test]
    fn call_recording_mixes_both_directions_into_a_wav_file() {
        let mut recorder = CallRecorder::new(8000);
        recorder.record(&[1000; 160], &[500; 160]);
        recorder.record(&[30000; 160], &[30000; 100]);
        let header = recorder.recorder().header();
        let mut file = header.to_vec();
        file.extend(recorder.recorder().take_bytes());
        assert!(recorder.recorder().take_bytes().is_empty());
        let audio = wav::decode(&file).unwrap();
        assert_eq!(audio.sample_rate, 8000);
        assert_eq!(audio.samples.len(), 320);
        assert_eq!(audio.samples[0], 1500);
        assert_eq!(audio.samples[170], i16::MAX);
        assert_eq!(audio.samples[300], 30000);
        assert_eq!(recorder.recorder().sample_count(), 320);
    }
}
