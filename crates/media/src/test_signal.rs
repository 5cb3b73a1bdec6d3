//! Signals and measurements shared by the audio modules' unit tests.

/// `count` samples of a sine at `hz` with peak `amplitude`, sampled at `rate`.
pub(crate) fn sine(hz: f32, amplitude: f32, rate: u32, count: usize) -> Vec<f32> {
    let step = 2.0 * std::f64::consts::PI * f64::from(hz) / f64::from(rate);
    (0..count)
        .map(|n| (f64::from(amplitude) * (step * n as f64).sin()) as f32)
        .collect()
}

/// Root mean square of a block.
pub(crate) fn rms(samples: &[f32]) -> f32 {
    let energy: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (energy / samples.len().max(1) as f64).sqrt() as f32
}

/// Power of the component at `hz` (a sine of peak A gives A²/2), by the Goertzel recurrence.
pub(crate) fn goertzel_power(samples: &[f32], hz: f32, rate: u32) -> f32 {
    let coefficient = 2.0 * (2.0 * std::f64::consts::PI * f64::from(hz) / f64::from(rate)).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    let n = samples.len().max(1) as f64;
    (2.0 * power / (n * n)) as f32
}

/// A small deterministic noise source (xorshift), uniform in ±`amplitude`.
pub(crate) struct Noise(u64);

impl Noise {
    /// A generator started from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next sample.
    pub(crate) fn next(&mut self, amplitude: f32) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let unit = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        ((unit * 2.0 - 1.0) * f64::from(amplitude)) as f32
    }
}
