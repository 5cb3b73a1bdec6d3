//! The jitter estimate that sets the target delay.
//!
//! Each packet's transit (arrival in our clock minus its RTP timestamp, both in RTP units) is
//! detrended by the clock skew; the fastest packet of the window is the base, and a packet's
//! relative delay is how much slower than the base it was. The estimate jumps up at once to
//! any relative delay above it (fast attack) and otherwise relaxes towards a high percentile
//! of the window (slow decay), so a spike is covered quickly and forgotten gradually.

use std::collections::VecDeque;

/// The share of packets the estimate should cover.
const QUANTILE: f64 = 0.97;
/// How many packets between two recomputations of the percentile and base.
const RECOMPUTE_EVERY: u32 = 16;
/// Fraction of the excess over the percentile kept at each recomputation.
const DECAY: f64 = 0.85;
/// Upper bound on samples kept, whatever the packet rate.
const MAX_SAMPLES: usize = 2048;

/// Relative transit delay statistics over a sliding window.
#[derive(Debug, Clone)]
pub(crate) struct DelayEstimator {
    window: i64,
    samples: VecDeque<(i64, i64)>,
    slope: f64,
    base: f64,
    jitter: f64,
    since_recompute: u32,
    scratch: Vec<f64>,
}

impl DelayEstimator {
    /// An estimator over the last `window` RTP units of arrivals.
    pub(crate) fn new(window: i64) -> Self {
        Self {
            window: window.max(1),
            samples: VecDeque::new(),
            slope: 0.0,
            base: f64::INFINITY,
            jitter: 0.0,
            since_recompute: 0,
            scratch: Vec::new(),
        }
    }

    /// Records a packet's arrival and transit.
    pub(crate) fn observe(&mut self, arrival: i64, transit: i64) {
        if self.samples.len() == MAX_SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back((arrival, transit));
        while self
            .samples
            .front()
            .is_some_and(|&(oldest, _)| arrival - oldest > self.window)
        {
            self.samples.pop_front();
        }
        let detrended = self.detrend(arrival, transit);
        if detrended < self.base {
            // A faster packet than any so far: everything else is now relatively slower.
            self.jitter += self.base - detrended;
            self.base = detrended;
            if !self.jitter.is_finite() {
                self.jitter = 0.0;
            }
        }
        let relative = detrended - self.base;
        if relative > self.jitter {
            self.jitter = relative;
        }
        self.since_recompute += 1;
        if self.since_recompute >= RECOMPUTE_EVERY {
            self.recompute();
        }
    }

    /// Adopts a new skew slope (transit drift per unit of our time).
    pub(crate) fn set_slope(&mut self, slope: f64) {
        self.slope = slope;
        self.recompute();
    }

    /// The fastest transit expected for a packet arriving at `now`.
    pub(crate) fn base_at(&self, now: i64) -> Option<f64> {
        self.base
            .is_finite()
            .then_some(self.base + self.slope * now as f64)
    }

    /// The relative delay that covers the chosen share of packets, in RTP units.
    pub(crate) fn jitter(&self) -> f64 {
        self.jitter
    }

    /// Forgets every sample (a new stream).
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.window);
    }

    fn detrend(&self, arrival: i64, transit: i64) -> f64 {
        transit as f64 - self.slope * arrival as f64
    }

    fn recompute(&mut self) {
        self.since_recompute = 0;
        if self.samples.is_empty() {
            return;
        }
        self.scratch.clear();
        let (slope, samples) = (self.slope, &self.samples);
        self.scratch.extend(
            samples
                .iter()
                .map(|&(arrival, transit)| transit as f64 - slope * arrival as f64),
        );
        let base = self.scratch.iter().copied().fold(f64::INFINITY, f64::min);
        let rank = ((self.scratch.len() - 1) as f64 * QUANTILE).round() as usize;
        let (_, high, _) = self.scratch.select_nth_unstable_by(rank, f64::total_cmp);
        let percentile = *high - base;
        // Keep the current estimate relative to the new base before decaying it.
        let current = if self.base.is_finite() {
            (self.jitter + self.base - base).max(0.0)
        } else {
            0.0
        };
        self.base = base;
        self.jitter = if current > percentile {
            percentile + (current - percentile) * DECAY
        } else {
            percentile
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(estimator: &mut DelayEstimator, from: i64, to: i64, delay: impl Fn(i64) -> i64) {
        for n in from..to {
            let arrival = n * 160 + delay(n);
            estimator.observe(arrival, arrival - n * 160);
        }
    }

    #[test]
    fn attacks_fast_and_decays_slowly() {
        let mut estimator = DelayEstimator::new(8000 * 5);
        feed(&mut estimator, 0, 500, |n| (n * 7919 % 13) * 10);
        let calm = estimator.jitter();
        assert!(calm <= 130.0, "calm jitter {calm}");
        // A single 200 ms outlier is covered at once.
        feed(&mut estimator, 500, 501, |_| 1600);
        assert!(estimator.jitter() >= 1600.0);
        feed(&mut estimator, 501, 520, |n| (n * 7919 % 13) * 10);
        let shortly_after = estimator.jitter();
        assert!(shortly_after > calm && shortly_after < 1600.0);
        feed(&mut estimator, 520, 1000, |n| (n * 7919 % 13) * 10);
        assert!(estimator.jitter() <= calm + 20.0);
    }

    #[test]
    fn base_follows_the_fastest_packet() {
        let mut estimator = DelayEstimator::new(8000 * 5);
        assert_eq!(estimator.base_at(0), None);
        feed(&mut estimator, 0, 100, |n| 400 + (n % 5) * 40);
        assert_eq!(estimator.base_at(16_000), Some(400.0));
    }
}
