//! Clock skew between the sender's RTP clock and ours, from the trend of transit delay.
//!
//! Transit is arrival time (our clock, in RTP units) minus the RTP timestamp. Jitter only ever
//! adds to it, so the minimum transit of each one-second bucket follows the clocks' drift; the
//! slope through those minima (Theil–Sen: the median of pairwise slopes, robust to buckets
//! spoilt by a delay spike) is the skew.

use std::collections::VecDeque;

/// Buckets kept for the fit (seconds of history).
const BUCKETS: usize = 30;
/// Buckets needed before a skew is reported.
const MIN_BUCKETS: usize = 4;
/// Largest skew believed (5 %); beyond that the clocks are not the explanation.
const MAX_SKEW: f64 = 0.05;

/// Estimates the drift of transit delay per unit of our time.
#[derive(Debug, Clone)]
pub(crate) struct SkewEstimator {
    bucket_length: i64,
    current: Option<Bucket>,
    history: VecDeque<Bucket>,
    slope: f64,
    scratch: Vec<f64>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    start: i64,
    /// Arrival time of the fastest packet in the bucket.
    arrival: i64,
    transit: i64,
}

impl SkewEstimator {
    /// An estimator bucketing by one second of a `clock_rate` Hz clock.
    pub(crate) fn new(clock_rate: u32) -> Self {
        Self {
            bucket_length: i64::from(clock_rate.max(1)),
            current: None,
            history: VecDeque::with_capacity(BUCKETS),
            slope: 0.0,
            scratch: Vec::with_capacity(BUCKETS * BUCKETS / 2),
        }
    }

    /// Records one packet's arrival and transit; returns true when the slope was re-fitted.
    pub(crate) fn observe(&mut self, arrival: i64, transit: i64) -> bool {
        match &mut self.current {
            Some(bucket) if arrival < bucket.start + self.bucket_length => {
                if transit < bucket.transit {
                    bucket.transit = transit;
                    bucket.arrival = arrival;
                }
                false
            }
            _ => {
                let finished = self.current.replace(Bucket {
                    start: arrival,
                    arrival,
                    transit,
                });
                let Some(finished) = finished else {
                    return false;
                };
                if self.history.len() == BUCKETS {
                    self.history.pop_front();
                }
                self.history.push_back(finished);
                self.refit();
                true
            }
        }
    }

    /// Transit drift per unit of our time (negative when the sender's clock runs fast).
    pub(crate) fn slope(&self) -> f64 {
        self.slope
    }

    fn refit(&mut self) {
        if self.history.len() < MIN_BUCKETS {
            self.slope = 0.0;
            return;
        }
        self.scratch.clear();
        for (i, a) in self.history.iter().enumerate() {
            for b in self.history.iter().skip(i + 1) {
                let dt = (b.arrival - a.arrival) as f64;
                if dt > 0.0 {
                    self.scratch.push((b.transit - a.transit) as f64 / dt);
                }
            }
        }
        if self.scratch.is_empty() {
            return;
        }
        let middle = self.scratch.len() / 2;
        let (_, median, _) = self.scratch.select_nth_unstable_by(middle, f64::total_cmp);
        self.slope = median.clamp(-MAX_SKEW, MAX_SKEW);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_one_percent_both_ways_despite_a_spike() {
        for skew in [0.01, -0.01] {
            let mut estimator = SkewEstimator::new(8000);
            // 20 s of 20 ms packets; transit drifts by `skew` and has a 300 ms spike at 8–9 s.
            for n in 0..1000i64 {
                let arrival = n * 160;
                let spike = if (400..450).contains(&n) { 2400 } else { 0 };
                let noise = (n * 37 % 11) * 20;
                let transit = 1000 + (skew * arrival as f64) as i64 + spike + noise;
                estimator.observe(arrival, transit);
            }
            assert!(
                (estimator.slope() - skew).abs() < 0.001,
                "skew {skew}: estimated {}",
                estimator.slope()
            );
        }
    }

    #[test]
    fn reports_nothing_until_enough_history() {
        let mut estimator = SkewEstimator::new(8000);
        for n in 0..100i64 {
            estimator.observe(n * 160, n * 10);
        }
        assert_eq!(estimator.slope(), 0.0);
    }
}
