//! Dialled keys as tone pairs in the audio, one after another with a pause between them.

use std::collections::VecDeque;
use std::time::Duration;

use super::{DtmfKey, NotAKey};
use crate::tone::dbm0_to_amplitude;

/// Levels and timing of generated DTMF.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtmfGeneratorConfig {
    /// Level of the low-group tone, in dBm0.
    pub level_dbm0: f32,
    /// How much louder the high-group tone is, in dB (positive: "normal" twist).
    pub twist_db: f32,
    /// How long each key sounds.
    pub on: Duration,
    /// The silence after each key.
    pub off: Duration,
}

impl Default for DtmfGeneratorConfig {
    fn default() -> Self {
        Self {
            level_dbm0: -8.0,
            twist_db: 2.0,
            on: Duration::from_millis(100),
            off: Duration::from_millis(100),
        }
    }
}

impl DtmfGeneratorConfig {
    /// Sets the low-group level in dBm0.
    pub fn level_dbm0(mut self, level: f32) -> Self {
        self.level_dbm0 = level;
        self
    }

    /// Sets the twist in dB.
    pub fn twist_db(mut self, twist: f32) -> Self {
        self.twist_db = twist;
        self
    }

    /// Sets the on and off times.
    pub fn timing(mut self, on: Duration, off: Duration) -> Self {
        self.on = on;
        self.off = off;
        self
    }
}

/// Plays queued keys into frames at one sample rate.
#[derive(Debug, Clone)]
pub struct DtmfGenerator {
    sample_rate: u32,
    config: DtmfGeneratorConfig,
    queue: VecDeque<DtmfKey>,
    /// The key sounding or whose pause runs, and samples left of its on and off time.
    current: Option<(DtmfKey, u64, u64)>,
    /// Sample index within the current key's tone.
    elapsed: u64,
}

impl DtmfGenerator {
    /// A generator at `sample_rate` Hz.
    pub fn new(sample_rate: u32, config: DtmfGeneratorConfig) -> Self {
        Self {
            sample_rate: sample_rate.max(1),
            config,
            queue: VecDeque::new(),
            current: None,
            elapsed: 0,
        }
    }

    /// The rate samples are made at, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Queues one key.
    pub fn push(&mut self, key: DtmfKey) {
        self.queue.push_back(key);
    }

    /// Queues the keys of `digits`; nothing is queued if any character is not a key.
    pub fn push_str(&mut self, digits: &str) -> Result<(), NotAKey> {
        let keys = digits
            .chars()
            .map(DtmfKey::from_char)
            .collect::<Result<Vec<_>, _>>()?;
        self.queue.extend(keys);
        Ok(())
    }

    /// Whether nothing is playing or queued.
    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.queue.is_empty()
    }

    /// Fills `frame` with the next samples (silence when idle); returns whether anything
    /// played.
    pub fn fill(&mut self, frame: &mut [i16]) -> bool {
        let busy = !self.is_idle();
        let rate = f64::from(self.sample_rate);
        let low = f64::from(dbm0_to_amplitude(self.config.level_dbm0));
        let high = f64::from(dbm0_to_amplitude(
            self.config.level_dbm0 + self.config.twist_db,
        ));
        for sample in frame.iter_mut() {
            *sample = 0;
            if self.current.is_none() {
                let Some(key) = self.queue.pop_front() else {
                    continue;
                };
                let to_samples = |d: Duration| (d.as_secs_f64() * rate).round() as u64;
                self.current = Some((key, to_samples(self.config.on), to_samples(self.config.off)));
                self.elapsed = 0;
            }
            let Some((key, on_left, off_left)) = &mut self.current else {
                continue;
            };
            if *on_left > 0 {
                let t = self.elapsed as f64 / rate;
                let tau = 2.0 * std::f64::consts::PI;
                let value = low * (tau * f64::from(key.row_frequency()) * t).sin()
                    + high * (tau * f64::from(key.column_frequency()) * t).sin();
                *sample = value.round().clamp(-32768.0, 32767.0) as i16;
                self.elapsed += 1;
                *on_left -= 1;
            } else if *off_left > 0 {
                *off_left -= 1;
            }
            if *on_left == 0 && *off_left == 0 {
                self.current = None;
            }
        }
        busy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_signal::{goertzel_power, rms};

    fn render(generator: &mut DtmfGenerator, samples: usize) -> Vec<f32> {
        let mut out = vec![0i16; samples];
        generator.fill(&mut out);
        out.into_iter().map(f32::from).collect()
    }

    #[test]
    fn a_key_is_its_two_frequencies_with_the_asked_twist() {
        let config = DtmfGeneratorConfig::default()
            .level_dbm0(-10.0)
            .twist_db(3.0);
        let mut generator = DtmfGenerator::new(16000, config);
        generator.push(DtmfKey::from_char('9').unwrap());
        let samples = render(&mut generator, 1600);
        let tone = &samples[..1600];
        let low = goertzel_power(tone, 852.0, 16000);
        let high = goertzel_power(tone, 1477.0, 16000);
        let expected_low = dbm0_to_amplitude(-10.0).powi(2) / 2.0;
        assert!(
            (low / expected_low - 1.0).abs() < 0.02,
            "low group at {low}"
        );
        assert!((10.0 * (high / low).log10() - 3.0).abs() < 0.1);
    }

    #[test]
    fn keys_follow_each_other_with_the_configured_timing() {
        let config = DtmfGeneratorConfig::default()
            .timing(Duration::from_millis(50), Duration::from_millis(30));
        let mut generator = DtmfGenerator::new(8000, config);
        generator.push_str("12").unwrap();
        assert!(!generator.is_idle());
        let samples = render(&mut generator, 8 * 200);
        assert!(rms(&samples[..400]) > 1000.0);
        assert_eq!(rms(&samples[400..640]), 0.0);
        assert!(rms(&samples[640..1040]) > 1000.0);
        assert_eq!(rms(&samples[1040..]), 0.0);
        assert!(generator.is_idle());
        let second = &samples[640..1040];
        assert!(
            goertzel_power(second, 1336.0, 8000) > 100.0 * goertzel_power(second, 1209.0, 8000)
        );
        let mut frame = [5i16; 80];
        assert!(!generator.fill(&mut frame));
        assert_eq!(frame, [0; 80]);
    }

    #[test]
    fn a_bad_character_queues_nothing() {
        let mut generator = DtmfGenerator::new(8000, DtmfGeneratorConfig::default());
        assert_eq!(generator.push_str("12x"), Err(NotAKey('x')));
        assert!(generator.is_idle());
    }
}
