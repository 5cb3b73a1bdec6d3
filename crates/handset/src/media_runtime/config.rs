//! How a worker runs: its tick and limits.

use std::time::Duration;

/// The worker's fixed tick, which is also the audio frame length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TickInterval {
    /// 10 ms frames.
    TenMilliseconds,
    /// 20 ms frames.
    #[default]
    TwentyMilliseconds,
}

impl TickInterval {
    /// The tick's length.
    pub fn duration(self) -> Duration {
        match self {
            Self::TenMilliseconds => Duration::from_millis(10),
            Self::TwentyMilliseconds => Duration::from_millis(20),
        }
    }

    /// Ticks per second.
    pub(super) fn per_second(self) -> u32 {
        match self {
            Self::TenMilliseconds => 100,
            Self::TwentyMilliseconds => 50,
        }
    }
}

/// How a worker runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerConfig {
    /// The tick (and frame) length.
    pub tick: TickInterval,
    /// The most calls the worker takes.
    pub max_calls: usize,
    /// How many ticks behind schedule the worker may fall before it drops ticks to catch up.
    pub max_ticks_behind: u32,
    /// How often a WAV recording is written out while the call runs.
    pub recording_flush_interval: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            tick: TickInterval::default(),
            max_calls: 128,
            max_ticks_behind: 3,
            recording_flush_interval: Duration::from_secs(5),
        }
    }
}

impl WorkerConfig {
    /// Sets the tick.
    pub fn with_tick(mut self, tick: TickInterval) -> Self {
        self.tick = tick;
        self
    }

    /// Sets the most calls.
    pub fn with_max_calls(mut self, max_calls: usize) -> Self {
        self.max_calls = max_calls;
        self
    }

    /// Sets how far behind the worker may fall before dropping ticks.
    pub fn with_max_ticks_behind(mut self, ticks: u32) -> Self {
        self.max_ticks_behind = ticks;
        self
    }

    /// Sets how often recordings are written out.
    pub fn with_recording_flush_interval(mut self, interval: Duration) -> Self {
        self.recording_flush_interval = interval;
        self
    }

    /// Samples in one frame at `sample_rate`, if the tick holds a whole number of them.
    pub(super) fn frame_len(&self, sample_rate: u32) -> Option<usize> {
        let per_second = self.tick.per_second();
        if !(1_000..=192_000).contains(&sample_rate) || !sample_rate.is_multiple_of(per_second) {
            return None;
        }
        usize::try_from(sample_rate / per_second).ok()
    }

    /// Ticks between two flushes of a WAV recording.
    pub(super) fn flush_ticks(&self) -> u32 {
        let tick = self.tick.duration().as_nanos();
        let ticks = self.recording_flush_interval.as_nanos() / tick;
        u32::try_from(ticks).unwrap_or(u32::MAX).max(1)
    }
}
