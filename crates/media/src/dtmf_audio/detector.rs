//! Goertzel detection of DTMF at 8 kHz.
//!
//! Audio is cut into blocks of 102 samples (12.75 ms). A block holds a key when the strongest
//! row and column tones are loud enough, their twist is within limits, each stands well above
//! the other tones of its group, neither has a strong second harmonic (speech has them, a
//! keypad does not) and the pair carries most of the block's energy. A press is a run of such
//! blocks for one key, bridging a single failed block; its duration is measured from the tone's
//! amplitude in every block of the run and in the blocks on either side, so partial blocks at
//! the edges count for the part of them the tone filled.

use std::collections::VecDeque;
use std::time::Duration;

use super::{DtmfKey, COLUMN_FREQUENCIES, ROW_FREQUENCIES};
use crate::resample::{ResampleError, Resampler};
use crate::tone::dbm0_to_amplitude;

const RATE: u32 = 8000;
const BLOCK: usize = 102;
/// Least share of a block's energy the two tones must carry.
const TONE_TO_TOTAL: f32 = 0.6;
/// Each tone must stand this many dB above the others of its group.
const RELATIVE_PEAK_DB: f32 = 8.0;
/// A tone's second harmonic must stay this many dB below it.
const HARMONIC_DB: f32 = 6.0;
/// A row's second harmonic is not checked when the column tone is this close to it, since the
/// column's own energy spills into that bin.
const HARMONIC_GUARD_HZ: f32 = 150.0;

/// Thresholds of the detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtmfDetectorConfig {
    /// Quietest tone accepted, per frequency, in dBm0.
    pub min_level_dbm0: f32,
    /// How much louder the high-group tone may be, in dB (normal twist).
    pub max_normal_twist_db: f32,
    /// How much louder the low-group tone may be, in dB (reverse twist).
    pub max_reverse_twist_db: f32,
    /// Shortest press reported.
    pub min_duration: Duration,
    /// Longest interruption bridged within one press.
    pub max_dropout: Duration,
}

impl Default for DtmfDetectorConfig {
    fn default() -> Self {
        Self {
            min_level_dbm0: -32.0,
            max_normal_twist_db: 8.0,
            max_reverse_twist_db: 4.0,
            min_duration: Duration::from_millis(40),
            max_dropout: Duration::from_millis(15),
        }
    }
}

/// One key press heard in the audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digit {
    /// The key.
    pub key: DtmfKey,
    /// How long it sounded (to within a few milliseconds).
    pub duration: Duration,
}

/// The tone powers of one block, in mean-square sample units.
#[derive(Debug, Clone, Copy, Default)]
struct BlockPowers {
    rows: [f32; 4],
    columns: [f32; 4],
}

impl BlockPowers {
    fn of(&self, key: DtmfKey) -> f32 {
        self.rows[key.row as usize] + self.columns[key.column as usize]
    }
}

/// A press being followed.
#[derive(Debug, Clone)]
struct Run {
    key: DtmfKey,
    /// Tone power of the key in each block: the one before the run, the run's, and the failed
    /// blocks since the last good one.
    powers: Vec<f32>,
    misses: usize,
}

/// Finds key presses in audio at any rate (resampled to 8 kHz inside).
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    config: DtmfDetectorConfig,
    resampler: Option<Resampler>,
    pending: Vec<f32>,
    converted: Vec<f32>,
    previous: BlockPowers,
    run: Option<Run>,
    digits: VecDeque<Digit>,
    min_power: f32,
    max_misses: usize,
}

impl DtmfDetector {
    /// A detector for audio at `sample_rate` Hz.
    pub fn new(sample_rate: u32, config: DtmfDetectorConfig) -> Result<Self, ResampleError> {
        let resampler = if sample_rate == RATE {
            None
        } else {
            Some(Resampler::new(sample_rate, RATE)?)
        };
        let block_time = BLOCK as f64 / f64::from(RATE);
        Ok(Self {
            config,
            resampler,
            pending: Vec::with_capacity(BLOCK * 2),
            converted: Vec::new(),
            previous: BlockPowers::default(),
            run: None,
            digits: VecDeque::new(),
            min_power: dbm0_to_amplitude(config.min_level_dbm0).powi(2) / 2.0,
            // An interruption shorter than a block can still spoil the two blocks it straddles.
            max_misses: (config.max_dropout.as_secs_f64() / block_time) as usize + 1,
        })
    }

    /// Feeds the next frame of audio.
    pub fn handle_audio(&mut self, frame: &[i16]) {
        self.converted.clear();
        let samples: Vec<f32> = frame.iter().map(|&s| f32::from(s)).collect();
        match &mut self.resampler {
            Some(resampler) => resampler.process(&samples, &mut self.converted),
            None => self.converted.extend_from_slice(&samples),
        }
        let mut converted = std::mem::take(&mut self.converted);
        for sample in converted.drain(..) {
            self.pending.push(sample);
            if self.pending.len() == BLOCK {
                self.analyse_block();
                self.pending.clear();
            }
        }
        self.converted = converted;
    }

    /// Ends a press still sounding (at the end of a stream), reporting it if long enough.
    pub fn finish(&mut self) {
        if let Some(run) = self.run.take() {
            self.report(run);
        }
    }

    /// The next press heard, once it has ended.
    pub fn poll_digit(&mut self) -> Option<Digit> {
        self.digits.pop_front()
    }

    fn analyse_block(&mut self) {
        let powers = BlockPowers {
            rows: ROW_FREQUENCIES.map(|f| goertzel(&self.pending, f)),
            columns: COLUMN_FREQUENCIES.map(|f| goertzel(&self.pending, f)),
        };
        let key = self.classify(&powers);
        let previous = std::mem::replace(&mut self.previous, powers);
        match (self.run.take(), key) {
            (None, None) => {}
            (None, Some(key)) => self.start(key, &previous, &powers),
            (Some(mut run), Some(key)) if key == run.key => {
                run.misses = 0;
                run.powers.push(powers.of(key));
                self.run = Some(run);
            }
            (Some(run), Some(key)) => {
                self.report(run);
                self.start(key, &previous, &powers);
            }
            (Some(mut run), None) => {
                run.misses += 1;
                run.powers.push(powers.of(run.key));
                if run.misses > self.max_misses {
                    self.report(run);
                } else {
                    self.run = Some(run);
                }
            }
        }
    }

    fn start(&mut self, key: DtmfKey, previous: &BlockPowers, current: &BlockPowers) {
        self.run = Some(Run {
            key,
            powers: vec![previous.of(key), current.of(key)],
            misses: 0,
        });
    }

    /// Reports a finished run if it lasted long enough.
    fn report(&mut self, mut run: Run) {
        // Keep one failed block after the last good one: the trailing edge.
        let keep = run.powers.len() - run.misses.saturating_sub(1);
        run.powers.truncate(keep);
        let amplitudes: Vec<f32> = run.powers.iter().map(|p| p.sqrt()).collect();
        // The full blocks sit between the two edges and the partial blocks next to them; their
        // median is the tone's steady amplitude (the maximum would overstate it).
        let mut interior: Vec<f32> = amplitudes
            .get(2..amplitudes.len().saturating_sub(2))
            .unwrap_or_default()
            .to_vec();
        interior.sort_by(f32::total_cmp);
        let steady = match interior.get(interior.len() / 2) {
            Some(&median) => median,
            None => amplitudes.iter().copied().fold(0.0f32, f32::max),
        };
        if steady <= 0.0 {
            return;
        }
        let blocks: f32 = amplitudes.iter().map(|a| (a / steady).min(1.0)).sum();
        let duration = Duration::from_secs_f64(f64::from(blocks) * BLOCK as f64 / f64::from(RATE));
        if duration >= self.config.min_duration {
            self.digits.push_back(Digit {
                key: run.key,
                duration,
            });
        }
    }

    /// The key a block holds, if it passes every check.
    fn classify(&self, powers: &BlockPowers) -> Option<DtmfKey> {
        let (row, row_power) = strongest(&powers.rows);
        let (column, column_power) = strongest(&powers.columns);
        if row_power < self.min_power || column_power < self.min_power {
            return None;
        }
        let twist_db = db(column_power / row_power);
        if twist_db > self.config.max_normal_twist_db
            || -twist_db > self.config.max_reverse_twist_db
        {
            return None;
        }
        let stands_out = |group: &[f32; 4], best: usize| {
            group.iter().enumerate().all(|(i, &p)| {
                i == best || db(group[best] / p.max(f32::MIN_POSITIVE)) >= RELATIVE_PEAK_DB
            })
        };
        if !stands_out(&powers.rows, row) || !stands_out(&powers.columns, column) {
            return None;
        }
        let block = &self.pending;
        let total = block.iter().map(|s| s * s).sum::<f32>() / BLOCK as f32;
        if row_power + column_power < TONE_TO_TOTAL * total {
            return None;
        }
        let row_hz = ROW_FREQUENCIES[row];
        let column_hz = COLUMN_FREQUENCIES[column];
        if db(column_power / goertzel(block, 2.0 * column_hz).max(f32::MIN_POSITIVE)) < HARMONIC_DB
        {
            return None;
        }
        if (2.0 * row_hz - column_hz).abs() > HARMONIC_GUARD_HZ
            && db(row_power / goertzel(block, 2.0 * row_hz).max(f32::MIN_POSITIVE)) < HARMONIC_DB
        {
            return None;
        }
        Some(DtmfKey::at(row, column))
    }
}

fn strongest(group: &[f32; 4]) -> (usize, f32) {
    group.iter().copied().enumerate().fold(
        (0, f32::MIN),
        |best, (i, p)| if p > best.1 { (i, p) } else { best },
    )
}

fn db(ratio: f32) -> f32 {
    10.0 * ratio.log10()
}

/// Mean power of the component at `hz` in `block` (a sine of peak A gives A²/2).
fn goertzel(block: &[f32], hz: f32) -> f32 {
    let coefficient = 2.0 * (2.0 * std::f32::consts::PI * hz / RATE as f32).cos();
    let (mut s1, mut s2) = (0.0f32, 0.0f32);
    for &x in block {
        let s0 = x + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    let n = block.len() as f32;
    2.0 * power / (n * n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtmf_audio::{DtmfGenerator, DtmfGeneratorConfig};
    use crate::test_signal::Noise;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    /// Renders `keys` with the generator, surrounded by 100 ms of silence.
    fn keys_audio(rate: u32, keys: &str, config: DtmfGeneratorConfig) -> Vec<i16> {
        let mut generator = DtmfGenerator::new(rate, config);
        generator.push_str(keys).unwrap();
        let mut audio = vec![0i16; rate as usize / 10];
        let mut frame = vec![0i16; rate as usize / 50];
        while generator.fill(&mut frame) {
            audio.extend_from_slice(&frame);
        }
        audio.extend(std::iter::repeat_n(0, rate as usize / 10));
        audio
    }

    fn detect(rate: u32, audio: &[i16]) -> Vec<Digit> {
        let mut detector = DtmfDetector::new(rate, DtmfDetectorConfig::default()).unwrap();
        for frame in audio.chunks(rate as usize / 50) {
            detector.handle_audio(frame);
        }
        detector.finish();
        std::iter::from_fn(|| detector.poll_digit()).collect()
    }

    fn keys_of(digits: &[Digit]) -> String {
        digits.iter().map(|d| d.key.to_char()).collect()
    }

    #[test]
    fn every_key_at_several_levels_and_twists_is_heard_once() {
        // `level` is the louder tone's level; the quieter one stays above -32 dBm0.
        for level in [-4.0, -10.0, -20.0, -25.0] {
            for twist in [-3.0f32, 0.0, 4.0, 6.5] {
                for key in DtmfKey::all() {
                    let config = DtmfGeneratorConfig::default()
                        .level_dbm0(level - twist.max(0.0))
                        .twist_db(twist)
                        .timing(ms(80), ms(60));
                    let digits = detect(8000, &keys_audio(8000, &key.to_string(), config));
                    assert_eq!(
                        digits.len(),
                        1,
                        "{key} at {level} dBm0, twist {twist}: {digits:?}"
                    );
                    assert_eq!(digits[0].key, key);
                    let error = digits[0].duration.as_secs_f64() * 1000.0 - 80.0;
                    assert!(
                        error.abs() < 6.0,
                        "{key} at {level}, twist {twist}: duration off by {error} ms"
                    );
                }
            }
        }
    }

    #[test]
    fn too_much_twist_or_too_little_level_is_ignored() {
        for (level, twist) in [(-10.0, 11.0), (-10.0, -7.0), (-45.0, 0.0)] {
            let config = DtmfGeneratorConfig::default()
                .level_dbm0(level)
                .twist_db(twist);
            let digits = detect(8000, &keys_audio(8000, "5", config));
            assert!(
                digits.is_empty(),
                "level {level}, twist {twist}: {digits:?}"
            );
        }
    }

    #[test]
    fn fast_sequences_are_all_heard_in_order() {
        let sequence = "1234567890*#ABCD";
        let config = DtmfGeneratorConfig::default().timing(ms(50), ms(50));
        for rate in [8000, 16000, 48000] {
            let digits = detect(rate, &keys_audio(rate, sequence, config));
            assert_eq!(keys_of(&digits), sequence, "at {rate} Hz");
            assert!(digits
                .iter()
                .all(|d| d.duration >= ms(44) && d.duration <= ms(56)));
        }
        let repeated = detect(8000, &keys_audio(8000, "1111", config));
        assert_eq!(keys_of(&repeated), "1111");
    }

    #[test]
    fn short_blips_are_rejected_and_short_presses_accepted() {
        for (on, expected) in [(15, ""), (20, ""), (25, ""), (30, ""), (45, "7"), (60, "7")] {
            // Shift the start so blips fall on different block boundaries.
            for shift in [0usize, 17, 51, 90] {
                let config = DtmfGeneratorConfig::default().timing(ms(on), ms(100));
                let mut audio = vec![0i16; shift];
                audio.extend(keys_audio(8000, "7", config));
                assert_eq!(
                    keys_of(&detect(8000, &audio)),
                    expected,
                    "{on} ms, shift {shift}"
                );
            }
        }
    }

    #[test]
    fn a_short_dropout_stays_one_press() {
        let config = DtmfGeneratorConfig::default().timing(ms(200), ms(0));
        let mut audio = keys_audio(8000, "3", config);
        // Silence 8 ms in the middle of the tone.
        let middle = 800 + 800;
        audio[middle..middle + 64].iter_mut().for_each(|s| *s = 0);
        let digits = detect(8000, &audio);
        assert_eq!(keys_of(&digits), "3");
    }

    #[test]
    fn keys_in_noise_are_heard() {
        let config = DtmfGeneratorConfig::default()
            .level_dbm0(-20.0)
            .timing(ms(60), ms(60));
        let mut audio = keys_audio(8000, "159#", config);
        let mut noise = Noise::new(7);
        // Uniform noise of peak 450 is about 20 dB below the tones.
        for sample in &mut audio {
            *sample = sample.saturating_add(noise.next(450.0) as i16);
        }
        assert_eq!(keys_of(&detect(8000, &audio)), "159#");
    }

    #[test]
    fn noise_alone_gives_no_keys() {
        for (seed, amplitude) in [(1, 300.0), (2, 3000.0), (3, 20000.0)] {
            let mut noise = Noise::new(seed);
            let audio: Vec<i16> = (0..8000 * 5)
                .map(|_| noise.next(amplitude) as i16)
                .collect();
            assert!(detect(8000, &audio).is_empty(), "noise at {amplitude}");
        }
    }

    #[test]
    fn speech_like_harmonic_signals_give_no_keys() {
        let mut found = Vec::new();
        // Voices as harmonic series with a falling spectrum, f0 swept across the range of
        // speech, including fundamentals whose harmonics land on DTMF frequencies.
        let fundamentals = [
            85.0, 100.0, 116.0, 139.4, 151.0, 174.25, 200.0, 232.3, 241.8, 266.5, 300.0, 348.5,
            385.0, 426.0, 470.5,
        ];
        for f0 in fundamentals {
            for slope in [0.5f64, 1.0, 1.5] {
                let audio: Vec<i16> = (0..8000 * 2)
                    .map(|n| {
                        let t = f64::from(n) / 8000.0;
                        // A slow vibrato, as voices have.
                        let f = f0 * (1.0 + 0.01 * (2.0 * std::f64::consts::PI * 5.0 * t).sin());
                        let mut value = 0.0;
                        let mut k = 1.0;
                        while f * k < 3800.0 {
                            value += (2.0 * std::f64::consts::PI * f * k * t).sin() / k.powf(slope);
                            k += 1.0;
                        }
                        (value * 4000.0).clamp(-32768.0, 32767.0) as i16
                    })
                    .collect();
                let digits = detect(8000, &audio);
                if !digits.is_empty() {
                    found.push((f0, slope, keys_of(&digits)));
                }
            }
        }
        assert!(found.is_empty(), "false keys: {found:?}");
    }
}
