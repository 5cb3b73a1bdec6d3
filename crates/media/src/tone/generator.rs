//! Sample-accurate tone synthesis with the cadence as a state machine over sample counts.

use super::{dbm0_to_amplitude, Cadence, ToneSpec};

/// One sine, its phase kept in cycles so it stays continuous across frames and cadence steps.
#[derive(Debug, Clone)]
struct Oscillator {
    phase: f64,
    step: f64,
    amplitude: f64,
}

/// Plays a [`ToneSpec`] at one sample rate, frame after frame.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    sample_rate: u32,
    oscillators: Vec<Oscillator>,
    /// Sample counts of each on and off period in order; empty for a continuous tone.
    periods: Vec<u64>,
    repeat: bool,
    /// Which of `periods` plays now (even indexes sound, odd ones are silent).
    period: usize,
    /// Samples already played of the current period.
    into_period: u64,
    finished: bool,
}

impl ToneGenerator {
    /// A generator for `spec` at `sample_rate` Hz; components without their own level play at
    /// `default_level_dbm0`. Components at or above the Nyquist frequency are left out, since
    /// they would alias.
    pub fn new(spec: &ToneSpec, sample_rate: u32, default_level_dbm0: f32) -> Self {
        let rate = f64::from(sample_rate.max(1));
        let oscillators = spec
            .components
            .iter()
            .filter(|c| f64::from(c.frequency_hz) < rate / 2.0)
            .map(|c| Oscillator {
                phase: 0.0,
                step: f64::from(c.frequency_hz) / rate,
                amplitude: f64::from(dbm0_to_amplitude(
                    c.level_dbm0.unwrap_or(default_level_dbm0),
                )),
            })
            .collect();
        let (periods, repeat) = match &spec.cadence {
            Cadence::Continuous => (Vec::new(), true),
            Cadence::Pattern { steps, repeat } => {
                let to_samples = |d: std::time::Duration| (d.as_secs_f64() * rate).round() as u64;
                let periods = steps
                    .iter()
                    .flat_map(|s| [to_samples(s.on), to_samples(s.off)])
                    .collect::<Vec<_>>();
                if periods.iter().all(|&p| p == 0) {
                    (Vec::new(), true)
                } else {
                    (periods, *repeat)
                }
            }
        };
        Self {
            sample_rate,
            oscillators,
            periods,
            repeat,
            period: 0,
            into_period: 0,
            finished: false,
        }
    }

    /// The rate samples are made at, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Whether a one-shot cadence has played to its end.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Starts the cadence over from its first on period.
    pub fn restart(&mut self) {
        self.period = 0;
        self.into_period = 0;
        self.finished = false;
    }

    /// Fills `frame` with the next samples; returns `false` (and silence) once a one-shot
    /// cadence is over.
    pub fn fill(&mut self, frame: &mut [i16]) -> bool {
        for sample in frame.iter_mut() {
            let sounding = self.advance_cadence();
            let mut value = 0.0;
            for oscillator in &mut self.oscillators {
                if sounding {
                    value += oscillator.amplitude
                        * (2.0 * std::f64::consts::PI * oscillator.phase).sin();
                }
                oscillator.phase = (oscillator.phase + oscillator.step).fract();
            }
            *sample = value
                .round()
                .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16;
        }
        !self.finished
    }

    /// Whether the next sample sounds, moving the cadence on by one sample.
    fn advance_cadence(&mut self) -> bool {
        if self.periods.is_empty() {
            return true;
        }
        while !self.finished && self.into_period >= self.periods[self.period] {
            self.into_period = 0;
            self.period += 1;
            if self.period == self.periods.len() {
                self.period = 0;
                self.finished = !self.repeat;
            }
        }
        if self.finished {
            return false;
        }
        self.into_period += 1;
        self.period.is_multiple_of(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_signal::{goertzel_power, rms};
    use crate::tone::{parse_tone, CadenceUnit};

    fn render(generator: &mut ToneGenerator, samples: usize, frame: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(samples);
        let mut buffer = vec![0i16; frame];
        while out.len() < samples {
            generator.fill(&mut buffer);
            out.extend(buffer.iter().map(|&s| f32::from(s)));
        }
        out.truncate(samples);
        out
    }

    #[test]
    fn dial_tone_has_both_frequencies_at_the_asked_level_at_every_rate() {
        let dial = parse_tone("f1=350,f2=440;", CadenceUnit::TenMilliseconds).unwrap();
        for rate in [8000, 16000, 48000] {
            let mut generator = ToneGenerator::new(&dial, rate, -13.0);
            let samples = render(&mut generator, rate as usize, (rate / 50) as usize);
            let expected = dbm0_to_amplitude(-13.0);
            for hz in [350.0, 440.0] {
                let amplitude = (2.0 * goertzel_power(&samples, hz, rate)).sqrt();
                assert!(
                    (amplitude - expected).abs() < expected * 0.01,
                    "{rate} Hz: {hz} at {amplitude}"
                );
            }
            let stray = goertzel_power(&samples, 400.0, rate);
            assert!(stray < 1.0, "{rate}: energy between the tones");
        }
    }

    #[test]
    fn frames_join_without_phase_jumps() {
        let tone = parse_tone("f1=1000", CadenceUnit::Milliseconds).unwrap();
        let mut whole = ToneGenerator::new(&tone, 8000, -10.0);
        let mut framed = ToneGenerator::new(&tone, 8000, -10.0);
        let one = render(&mut whole, 1600, 1600);
        let many = render(&mut framed, 1600, 7);
        assert_eq!(one, many);
    }

    #[test]
    fn cadence_switches_on_exact_samples() {
        let busy = parse_tone("f1=480,f2=620,c=50/50;", CadenceUnit::TenMilliseconds).unwrap();
        let mut generator = ToneGenerator::new(&busy, 8000, -24.0);
        let samples = render(&mut generator, 8000 * 3, 160);
        // 500 ms = 4000 samples on, 4000 off, repeating.
        for (index, block) in samples.chunks(4000).enumerate() {
            let level = rms(block);
            if index % 2 == 0 {
                assert!(level > 500.0, "block {index} should sound");
            } else {
                assert_eq!(level, 0.0, "block {index} should be silent");
            }
        }
        assert_ne!(samples[3999], 0.0);
        assert_eq!(samples[4000], 0.0);
        assert_eq!(samples[7999], 0.0);
        assert!(samples[8001] != 0.0);
    }

    #[test]
    fn one_shot_cadence_finishes_and_restarts() {
        let waiting =
            parse_tone("f1=440,c=30/20-30/20-0/0;", CadenceUnit::TenMilliseconds).unwrap();
        let mut generator = ToneGenerator::new(&waiting, 16000, -13.0);
        let samples = render(&mut generator, 16000, 320);
        // 300 on, 200 off, 300 on, 200 off = 1 s, then nothing.
        assert!(rms(&samples[..4800]) > 1000.0);
        assert_eq!(rms(&samples[4800..8000]), 0.0);
        assert!(rms(&samples[8000..12800]) > 1000.0);
        let mut frame = [1i16; 320];
        assert!(!generator.fill(&mut frame));
        assert!(generator.is_finished());
        assert!(frame.iter().all(|&s| s == 0));
        generator.restart();
        assert!(generator.fill(&mut frame));
        assert!(frame.iter().any(|&s| s != 0));
    }

    #[test]
    fn per_component_gain_and_too_high_frequencies() {
        let tone = parse_tone("f1=480@-10,f2=620@-30", CadenceUnit::Milliseconds).unwrap();
        let mut generator = ToneGenerator::new(&tone, 8000, -13.0);
        let samples = render(&mut generator, 8000, 160);
        let low = goertzel_power(&samples, 480.0, 8000);
        let high = goertzel_power(&samples, 620.0, 8000);
        let difference = 10.0 * (low / high).log10();
        assert!((difference - 20.0).abs() < 0.2, "{difference} dB");
        let wide = parse_tone("f1=3000", CadenceUnit::Milliseconds).unwrap();
        let mut narrow_rate = ToneGenerator::new(&wide, 4000, -10.0);
        let mut frame = [0i16; 80];
        narrow_rate.fill(&mut frame);
        assert!(
            frame.iter().all(|&s| s == 0),
            "3 kHz cannot be made at 4 kHz"
        );
    }
}
