//! Jitter buffer settings: the account's "Jitter Buffer Type" (P133), "Jitter Buffer Length"
//! (P132) and the minimum/maximum jitter buffer lengths some models offer.

use std::time::Duration;

/// How the playout delay is chosen ("Jitter Buffer Type", P133).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JitterMode {
    /// The delay stays at the configured length; clock skew is still compensated.
    Fixed,
    /// The delay follows the observed jitter between the minimum and the configured ceiling.
    #[default]
    Adaptive,
}

impl JitterMode {
    /// The mode for a P133 code (0 = Fixed, 1 = Adaptive), `None` for any other code.
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(Self::Fixed),
            1 => Some(Self::Adaptive),
            _ => None,
        }
    }
}

/// Jitter buffer settings, with the vendor defaults (adaptive, 300 ms, 0–1000 ms, 8 kHz clock).
///
/// In fixed mode the playout delay is `length`. In adaptive mode the delay follows the jitter,
/// bounded below by `min_delay` and above by the smaller of `length` and `max_delay`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JitterConfig {
    pub(crate) mode: JitterMode,
    pub(crate) length: Duration,
    pub(crate) min_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) clock_rate: u32,
    pub(crate) frame_duration: Option<Duration>,
}

impl Default for JitterConfig {
    fn default() -> Self {
        Self {
            mode: JitterMode::Adaptive,
            length: Duration::from_millis(300),
            min_delay: Duration::ZERO,
            max_delay: Duration::from_millis(1000),
            clock_rate: 8000,
            frame_duration: None,
        }
    }
}

impl JitterConfig {
    /// Settings for a stream whose RTP clock runs at `clock_rate` Hz (8000 for G.711, 48000 for
    /// Opus); a rate of 0 is taken as 8000.
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate: if clock_rate == 0 { 8000 } else { clock_rate },
            ..Self::default()
        }
    }

    /// The P132 length for a code (0 = 100 ms … 7 = 800 ms), `None` for any other code.
    pub fn length_from_code(code: u32) -> Option<Duration> {
        (code <= 7).then(|| Duration::from_millis(100 * (u64::from(code) + 1)))
    }

    /// Sets fixed or adaptive operation.
    pub fn mode(mut self, mode: JitterMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the buffer length: the delay in fixed mode, the ceiling in adaptive mode.
    pub fn length(mut self, length: Duration) -> Self {
        self.length = length;
        self
    }

    /// Sets the smallest delay the adaptive buffer may choose.
    pub fn min_delay(mut self, min_delay: Duration) -> Self {
        self.min_delay = min_delay;
        self
    }

    /// Sets the largest delay the adaptive buffer may choose (further bounded by the length).
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Sets the duration of one packet's audio (the negotiated ptime); learned from the
    /// timestamps of consecutive packets when not set.
    pub fn frame_duration(mut self, frame: Duration) -> Self {
        self.frame_duration = (!frame.is_zero()).then_some(frame);
        self
    }

    /// The RTP clock rate in Hz.
    pub fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// The largest delay the buffer may reach: the length in fixed mode, else the smaller of
    /// the length and the maximum delay.
    pub fn ceiling(&self) -> Duration {
        match self.mode {
            JitterMode::Fixed => self.length,
            JitterMode::Adaptive => self.length.min(self.max_delay),
        }
    }

    /// The smallest delay the adaptive buffer may choose (never above the ceiling).
    pub fn floor(&self) -> Duration {
        match self.mode {
            JitterMode::Fixed => self.length,
            JitterMode::Adaptive => self.min_delay.min(self.ceiling()),
        }
    }

    /// Converts a duration into RTP clock units.
    pub(crate) fn to_ticks(&self, duration: Duration) -> i64 {
        let ticks = duration.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000;
        i64::try_from(ticks).unwrap_or(i64::MAX)
    }

    /// Converts RTP clock units into a duration (negative values become zero).
    pub(crate) fn to_duration(&self, ticks: f64) -> Duration {
        if ticks <= 0.0 || !ticks.is_finite() {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(ticks / f64::from(self.clock_rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_codes_map_to_modes_and_lengths() {
        assert_eq!(JitterMode::from_code(0), Some(JitterMode::Fixed));
        assert_eq!(JitterMode::from_code(1), Some(JitterMode::Adaptive));
        assert_eq!(JitterMode::from_code(2), None);
        assert_eq!(
            JitterConfig::length_from_code(0),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            JitterConfig::length_from_code(7),
            Some(Duration::from_millis(800))
        );
        assert_eq!(JitterConfig::length_from_code(8), None);
    }

    #[test]
    fn adaptive_bounds_combine_length_and_limits() {
        let config = JitterConfig::new(8000)
            .length(Duration::from_millis(400))
            .min_delay(Duration::from_millis(40))
            .max_delay(Duration::from_millis(250));
        assert_eq!(config.ceiling(), Duration::from_millis(250));
        assert_eq!(config.floor(), Duration::from_millis(40));
        let fixed = config.mode(JitterMode::Fixed);
        assert_eq!(fixed.ceiling(), Duration::from_millis(400));
        assert_eq!(fixed.floor(), Duration::from_millis(400));
        assert_eq!(JitterConfig::new(0).clock_rate(), 8000);
    }
}
