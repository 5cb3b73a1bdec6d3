//! Streaming sample-rate conversion between the rates calls and files use (8, 16, 32, 44.1 and
//! 48 kHz, or any other pair between 1 and 192 kHz).
//!
//! A polyphase windowed-sinc FIR: the ratio is reduced to `up / down`, one Kaiser-windowed
//! low-pass prototype is designed at `up ×` the input rate with its cutoff at the lower of the
//! two Nyquist frequencies, and each output sample uses one phase of it. The last input samples
//! and the phase are kept between calls, so frames fed one by one join without clicks, and a
//! frame of a whole number of milliseconds always yields the same number of output samples.

use thiserror::Error;

/// Lowest and highest sample rate accepted, in Hz.
const RATE_RANGE: std::ops::RangeInclusive<u32> = 1_000..=192_000;
/// Stop-band attenuation of the prototype filter, in dB.
const STOPBAND_DB: f64 = 80.0;
/// Transition band as a fraction of the lower Nyquist frequency, centred on it: the pass band
/// ends at 85 % of Nyquist (3.4 kHz for 8 kHz), and what aliases lands above the pass band.
const TRANSITION: f64 = 0.3;
/// The largest prototype filter built, in coefficients.
const MAX_COEFFICIENTS: usize = 1 << 20;

/// Why a resampler could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ResampleError {
    /// A rate outside 1 to 192 kHz.
    #[error("unsupported sample rate {0} Hz (supported: 1000 to 192000 Hz)")]
    UnsupportedRate(u32),
    /// The reduced ratio needs a filter larger than the resampler builds.
    #[error("converting {from} Hz to {to} Hz needs too large a filter")]
    RatioTooComplex {
        /// Input rate in Hz.
        from: u32,
        /// Output rate in Hz.
        to: u32,
    },
}

/// A streaming resampler from one fixed rate to another; feed it frames in order.
#[derive(Debug, Clone)]
pub struct Resampler {
    input_rate: u32,
    output_rate: u32,
    up: usize,
    down: usize,
    taps: usize,
    /// The filter's delay in output samples.
    delay: usize,
    /// `coefficients[phase * taps + k]`, reversed within a phase so a phase is a dot product
    /// with consecutive input samples.
    coefficients: Vec<f32>,
    /// The last `taps - 1` input samples, oldest first.
    history: Vec<f32>,
    scratch: Vec<f32>,
    /// Position of the next output sample in the up-sampled domain, relative to the first
    /// sample of the next input block.
    position: usize,
}

impl Resampler {
    /// Builds a resampler from `input_rate` to `output_rate` (Hz).
    pub fn new(input_rate: u32, output_rate: u32) -> Result<Self, ResampleError> {
        for rate in [input_rate, output_rate] {
            if !RATE_RANGE.contains(&rate) {
                return Err(ResampleError::UnsupportedRate(rate));
            }
        }
        let divisor = gcd(input_rate, output_rate);
        let up = (output_rate / divisor) as usize;
        let down = (input_rate / divisor) as usize;
        if up == down {
            return Ok(Self::passthrough(input_rate));
        }
        let nyquist = f64::from(input_rate.min(output_rate)) / 2.0;
        let upsampled_rate = f64::from(input_rate) * up as f64;
        let transition = 2.0 * std::f64::consts::PI * TRANSITION * nyquist / upsampled_rate;
        let length = ((STOPBAND_DB - 7.95) / (2.285 * transition)).ceil() as usize + 1;
        let taps = length.div_ceil(up).max(2);
        if taps.saturating_mul(up) > MAX_COEFFICIENTS {
            return Err(ResampleError::RatioTooComplex {
                from: input_rate,
                to: output_rate,
            });
        }
        // A centre on a multiple of `down` makes the delay a whole number of output samples.
        let centre = (taps * up - 1) / 2 / down * down;
        let mut prototype = kaiser_low_pass(2 * centre + 1, nyquist / upsampled_rate, up as f64);
        prototype.resize(taps * up, 0.0);
        let mut coefficients = vec![0.0; taps * up];
        for phase in 0..up {
            for k in 0..taps {
                coefficients[phase * taps + (taps - 1 - k)] = prototype[phase + k * up] as f32;
            }
        }
        Ok(Self {
            input_rate,
            output_rate,
            up,
            down,
            taps,
            delay: centre / down,
            coefficients,
            history: vec![0.0; taps - 1],
            scratch: Vec::new(),
            position: 0,
        })
    }

    fn passthrough(rate: u32) -> Self {
        Self {
            input_rate: rate,
            output_rate: rate,
            up: 1,
            down: 1,
            taps: 1,
            delay: 0,
            coefficients: vec![1.0],
            history: Vec::new(),
            scratch: Vec::new(),
            position: 0,
        }
    }

    /// The rate samples are fed at, in Hz.
    pub fn input_rate(&self) -> u32 {
        self.input_rate
    }

    /// The rate samples come out at, in Hz.
    pub fn output_rate(&self) -> u32 {
        self.output_rate
    }

    /// The filter's delay, in output samples (zero when the rates are equal).
    pub fn delay(&self) -> usize {
        self.delay
    }

    /// Forgets all past input, as if newly built.
    pub fn reset(&mut self) {
        self.history.iter_mut().for_each(|s| *s = 0.0);
        self.position = 0;
    }

    /// Converts the next block of input and appends the output samples to `output`.
    pub fn process(&mut self, input: &[f32], output: &mut Vec<f32>) {
        if self.up == self.down {
            output.extend_from_slice(input);
            return;
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.history);
        self.scratch.extend_from_slice(input);
        let limit = input.len() * self.up;
        while self.position < limit {
            let start = self.position / self.up;
            let phase = self.position % self.up;
            let taps = &self.coefficients[phase * self.taps..(phase + 1) * self.taps];
            let window = &self.scratch[start..start + self.taps];
            output.push(taps.iter().zip(window).map(|(c, x)| c * x).sum());
            self.position += self.down;
        }
        self.position -= limit;
        let keep = self.history.len();
        self.history
            .copy_from_slice(&self.scratch[self.scratch.len() - keep..]);
    }

    /// Like [`process`](Self::process) for 16-bit samples, rounding and saturating the output.
    pub fn process_i16(&mut self, input: &[i16], output: &mut Vec<i16>) {
        let converted: Vec<f32> = input.iter().map(|&s| f32::from(s)).collect();
        let mut result = Vec::with_capacity(converted.len() * self.up / self.down + 1);
        self.process(&converted, &mut result);
        output.extend(result.into_iter().map(saturate));
    }
}

/// Converts a whole recording at once, without the filter's delay: the output has
/// `len × to / from` samples (rounded) aligned with the input.
pub fn resample_all(input: &[i16], from: u32, to: u32) -> Result<Vec<i16>, ResampleError> {
    let mut resampler = Resampler::new(from, to)?;
    let expected =
        ((input.len() as u64 * u64::from(to) + u64::from(from) / 2) / u64::from(from)) as usize;
    let delay = resampler.delay();
    let mut output = Vec::with_capacity(expected + delay + 1);
    resampler.process_i16(input, &mut output);
    // Flush the filter with silence until the delayed tail is out.
    let flush = vec![0i16; (resampler.taps + 1).max(1)];
    while output.len() < expected + delay {
        resampler.process_i16(&flush, &mut output);
    }
    output.drain(..delay);
    output.truncate(expected);
    Ok(output)
}

/// Rounds a sample to 16 bits, clipping at full scale.
pub fn saturate(sample: f32) -> i16 {
    sample
        .round()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A Kaiser-windowed sinc low-pass of `length` coefficients with its cutoff at `cutoff` (a
/// fraction of the sampling rate), scaled so its DC gain is `gain`.
fn kaiser_low_pass(length: usize, cutoff: f64, gain: f64) -> Vec<f64> {
    let beta = 0.1102 * (STOPBAND_DB - 8.7);
    let centre = (length - 1) as f64 / 2.0;
    let denominator = bessel_i0(beta);
    let mut filter: Vec<f64> = (0..length)
        .map(|n| {
            let offset = n as f64 - centre;
            let ratio = if centre > 0.0 { offset / centre } else { 0.0 };
            let window = bessel_i0(beta * (1.0 - ratio * ratio).max(0.0).sqrt()) / denominator;
            let x = 2.0 * cutoff * offset;
            let sinc = if x.abs() < 1e-12 {
                1.0
            } else {
                (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
            };
            sinc * window
        })
        .collect();
    let sum: f64 = filter.iter().sum();
    filter.iter_mut().for_each(|c| *c *= gain / sum);
    filter
}

/// The modified Bessel function of the first kind, order zero (power series).
fn bessel_i0(x: f64) -> f64 {
    let half = x / 2.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..200 {
        term *= half / k as f64;
        let squared = term * term;
        sum += squared;
        if squared < sum * 1e-16 {
            break;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_signal::{goertzel_power, rms, sine};

    fn run_in_frames(resampler: &mut Resampler, input: &[f32], frame: usize) -> Vec<f32> {
        let mut output = Vec::new();
        for chunk in input.chunks(frame) {
            resampler.process(chunk, &mut output);
        }
        output
    }

    #[test]
    fn frames_of_whole_milliseconds_give_exact_output_lengths() {
        for (from, to) in [
            (8000, 48000),
            (48000, 8000),
            (16000, 48000),
            (44100, 48000),
            (44100, 8000),
            (48000, 16000),
        ] {
            let mut resampler = Resampler::new(from, to).unwrap();
            let frame_in = (from / 100) as usize;
            for _ in 0..7 {
                let mut output = Vec::new();
                resampler.process(&vec![0.5; frame_in], &mut output);
                assert_eq!(output.len(), (to / 100) as usize, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn a_sine_keeps_its_frequency_and_amplitude() {
        for (from, to, hz) in [
            (8000, 48000, 1000.0),
            (8000, 16000, 3000.0),
            (16000, 8000, 1200.0),
            (48000, 8000, 440.0),
            (48000, 16000, 6000.0),
            (44100, 48000, 10000.0),
            (44100, 8000, 2500.0),
            (16000, 48000, 7000.0),
        ] {
            let input = sine(hz, 10000.0, from, from as usize);
            let mut resampler = Resampler::new(from, to).unwrap();
            let output = run_in_frames(&mut resampler, &input, (from / 50) as usize);
            let settled = &output[output.len() / 4..];
            let amplitude = rms(settled) * std::f32::consts::SQRT_2;
            assert!(
                (amplitude - 10000.0).abs() < 200.0,
                "{from}->{to} {hz} Hz: amplitude {amplitude}"
            );
            let at_tone = goertzel_power(settled, hz, to);
            let beside = goertzel_power(settled, hz * 0.9, to);
            assert!(
                at_tone > beside * 100.0,
                "{from}->{to} {hz} Hz: not at the expected frequency"
            );
        }
    }

    #[test]
    fn downsampling_rejects_what_would_alias() {
        for (from, to, hz) in [
            (48000, 8000, 6000.0),
            (16000, 8000, 5000.0),
            (48000, 16000, 12000.0),
            (44100, 8000, 9000.0),
        ] {
            let input = sine(hz, 20000.0, from, from as usize);
            let mut resampler = Resampler::new(from, to).unwrap();
            let output = run_in_frames(&mut resampler, &input, (from / 100) as usize);
            let settled = &output[output.len() / 4..];
            let level_db = 20.0 * (rms(settled) / (20000.0 / std::f32::consts::SQRT_2)).log10();
            assert!(
                level_db < -60.0,
                "{from}->{to} {hz} Hz leaked at {level_db} dB"
            );
        }
    }

    #[test]
    fn upsampling_leaves_no_image() {
        let input = sine(1000.0, 16000.0, 8000, 8000);
        let mut resampler = Resampler::new(8000, 48000).unwrap();
        let output = run_in_frames(&mut resampler, &input, 160);
        let settled = &output[output.len() / 4..];
        // The first image of 1 kHz at 8 kHz sits at 7 kHz.
        let image = goertzel_power(settled, 7000.0, 48000);
        let tone = goertzel_power(settled, 1000.0, 48000);
        assert!(
            image < tone * 1e-6,
            "image at {} dB",
            10.0 * (image / tone).log10()
        );
    }

    #[test]
    fn whole_conversion_is_aligned_and_sized() {
        let input: Vec<i16> = sine(500.0, 8000.0, 8000, 800)
            .into_iter()
            .map(saturate)
            .collect();
        let output = resample_all(&input, 8000, 48000).unwrap();
        assert_eq!(output.len(), 4800);
        // Aligned: sample 6n of the output is close to sample n of the input.
        for n in (100..700).step_by(37) {
            assert!(
                (i32::from(output[6 * n]) - i32::from(input[n])).abs() < 150,
                "at {n}"
            );
        }
        let back = resample_all(&output, 48000, 8000).unwrap();
        assert_eq!(back.len(), 800);
    }

    #[test]
    fn equal_rates_pass_through_and_bad_rates_are_refused() {
        let mut same = Resampler::new(16000, 16000).unwrap();
        let mut output = Vec::new();
        same.process(&[1.0, 2.0, 3.0], &mut output);
        assert_eq!(output, [1.0, 2.0, 3.0]);
        assert_eq!(
            Resampler::new(0, 8000).unwrap_err(),
            ResampleError::UnsupportedRate(0)
        );
        assert_eq!(
            Resampler::new(8000, 400_000).unwrap_err(),
            ResampleError::UnsupportedRate(400_000)
        );
        assert!(matches!(
            Resampler::new(191_999, 8000),
            Err(ResampleError::RatioTooComplex { .. })
        ));
    }

    #[test]
    fn saturation_clips_instead_of_wrapping() {
        assert_eq!(saturate(40000.0), i16::MAX);
        assert_eq!(saturate(-40000.0), i16::MIN);
        assert_eq!(saturate(1.4), 1);
    }
}
