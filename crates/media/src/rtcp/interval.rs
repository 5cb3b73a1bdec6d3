//! When to send RTCP: the randomized report interval of RFC 3550 §6.3 with timer
//! reconsideration, for a session of a few participants.

use std::time::{Duration, Instant};

use rand::Rng;

/// Compensation for the bias timer reconsideration introduces (e − 3/2, RFC 3550 §6.3.1).
const RECONSIDERATION_COMPENSATION: f64 = 1.218_28;
/// IPv4 and UDP header bytes counted into each packet's size (RFC 3550 §6.2).
const LOWER_LAYER_OVERHEAD: f64 = 28.0;
/// Longest deterministic interval computed, whatever the bandwidth says.
const MAX_INTERVAL_SECS: f64 = 3600.0;

/// Settings for the RTCP interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalConfig {
    /// The session bandwidth in bits per second (the media's, with headers).
    pub session_bandwidth: u32,
    /// The share of the session bandwidth RTCP may use.
    pub rtcp_fraction: f64,
    /// The minimum interval (halved before the first report).
    pub minimum: Duration,
}

impl Default for IntervalConfig {
    fn default() -> Self {
        IntervalConfig {
            session_bandwidth: 80_000,
            rtcp_fraction: 0.05,
            minimum: Duration::from_secs(5),
        }
    }
}

impl IntervalConfig {
    /// Sets the session bandwidth in bits per second.
    pub fn session_bandwidth(mut self, bits_per_second: u32) -> Self {
        self.session_bandwidth = bits_per_second;
        self
    }

    /// Sets the minimum interval.
    pub fn minimum(mut self, minimum: Duration) -> Self {
        self.minimum = minimum;
        self
    }
}

/// Schedules RTCP reports.
///
/// Call [`RtcpScheduler::poll_timeout`] for the next deadline, then
/// [`RtcpScheduler::handle_timeout`] at it; when that says to send, build the compound packet
/// and report its size with [`RtcpScheduler::handle_sent`]. Report received RTCP sizes with
/// [`RtcpScheduler::handle_received`].
#[derive(Debug, Clone)]
pub struct RtcpScheduler {
    config: IntervalConfig,
    members: u32,
    senders: u32,
    we_sent: bool,
    average_size: f64,
    initial: bool,
    last_sent: Instant,
    next: Instant,
}

impl RtcpScheduler {
    /// A scheduler for a two-party call starting at `now`.
    pub fn new(now: Instant, config: IntervalConfig, rng: &mut impl Rng) -> Self {
        let mut scheduler = RtcpScheduler {
            config,
            members: 2,
            senders: 0,
            we_sent: false,
            // The probable size of a first compound packet: RR with one block and SDES.
            average_size: 100.0,
            initial: true,
            last_sent: now,
            next: now,
        };
        scheduler.next = now + scheduler.interval(rng);
        scheduler
    }

    /// Updates the participant counts: members including us, active senders, and whether
    /// we sent media since the last report.
    pub fn set_participants(&mut self, members: u32, senders: u32, we_sent: bool) {
        self.members = members.max(1);
        self.senders = senders.min(self.members);
        self.we_sent = we_sent;
    }

    /// The deterministic interval Td (before randomization).
    pub fn deterministic_interval(&self) -> Duration {
        let mut minimum = self.config.minimum.as_secs_f64();
        if self.initial {
            minimum /= 2.0;
        }
        let rtcp_bandwidth =
            (f64::from(self.config.session_bandwidth) * self.config.rtcp_fraction / 8.0).max(1.0);
        let members = f64::from(self.members);
        let senders = f64::from(self.senders);
        // Senders share a quarter of the RTCP bandwidth when they are a quarter or less.
        let (bandwidth, count) = if senders > 0.0 && senders <= members * 0.25 {
            if self.we_sent {
                (rtcp_bandwidth * 0.25, senders)
            } else {
                (rtcp_bandwidth * 0.75, members - senders)
            }
        } else {
            (rtcp_bandwidth, members)
        };
        let seconds = (count * self.average_size / bandwidth).max(minimum);
        // A nonsensical configuration (zero or negative share) still yields a usable interval.
        Duration::try_from_secs_f64(seconds.min(MAX_INTERVAL_SECS)).unwrap_or(self.config.minimum)
    }

    /// A randomized interval: Td times a uniform factor in [0.5, 1.5), compensated.
    pub fn interval(&self, rng: &mut impl Rng) -> Duration {
        let factor = rng.gen_range(0.5..1.5) / RECONSIDERATION_COMPENSATION;
        self.deterministic_interval().mul_f64(factor)
    }

    /// When to call [`RtcpScheduler::handle_timeout`].
    pub fn poll_timeout(&self) -> Instant {
        self.next
    }

    /// At the deadline: returns true if a report is due now; otherwise it reconsidered the
    /// interval and moved the deadline.
    pub fn handle_timeout(&mut self, now: Instant, rng: &mut impl Rng) -> bool {
        if now < self.next {
            return false;
        }
        let due = self.last_sent + self.interval(rng);
        if due <= now {
            return true;
        }
        self.next = due;
        false
    }

    /// Notes that a compound packet of `size` bytes went out at `now`; schedules the next.
    pub fn handle_sent(&mut self, now: Instant, size: usize, rng: &mut impl Rng) {
        self.update_average(size);
        self.initial = false;
        self.last_sent = now;
        self.next = now + self.interval(rng);
    }

    /// Notes a received compound packet of `size` bytes.
    pub fn handle_received(&mut self, size: usize) {
        self.update_average(size);
    }

    fn update_average(&mut self, size: usize) {
        let size = size as f64 + LOWER_LAYER_OVERHEAD;
        self.average_size += (size - self.average_size) / 16.0;
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;
    use crate::stats::tests::origin;

    #[test]
    fn first_report_comes_early_then_around_five_seconds() {
        let mut rng = StdRng::seed_from_u64(7);
        let start = origin();
        let mut scheduler = RtcpScheduler::new(start, IntervalConfig::default(), &mut rng);
        let first = scheduler.poll_timeout() - start;
        // Half of 5 s, times [0.5, 1.5) / 1.21828.
        assert!(first >= Duration::from_secs_f64(1.02) && first < Duration::from_secs_f64(3.08));
        let mut now = scheduler.poll_timeout();
        let mut intervals = Vec::new();
        for _ in 0..200 {
            while !scheduler.handle_timeout(now, &mut rng) {
                now = scheduler.poll_timeout();
            }
            let previous = scheduler.last_sent;
            scheduler.handle_sent(now, 90, &mut rng);
            intervals.push((now - previous).as_secs_f64());
            now = scheduler.poll_timeout();
        }
        let later = &intervals[1..];
        assert!(later.iter().all(|&s| (2.0..7.5).contains(&s)), "{later:?}");
        let mean = later.iter().sum::<f64>() / later.len() as f64;
        assert!((4.0..6.5).contains(&mean), "{mean}");
        // Randomized: not all intervals are the same.
        assert!(later.iter().any(|&s| (s - later[0]).abs() > 0.1));
    }

    #[test]
    fn low_bandwidth_stretches_the_interval() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut scheduler = RtcpScheduler::new(
            origin(),
            IntervalConfig::default().session_bandwidth(2_000),
            &mut rng,
        );
        scheduler.set_participants(2, 2, true);
        // 2 members × 100 bytes / (2000 × 0.05 / 8 = 12.5 bytes/s) = 16 s.
        assert_eq!(scheduler.deterministic_interval(), Duration::from_secs(16));
        for share in [f64::NAN, -1.0, 0.0, 1e-300] {
            let config = IntervalConfig {
                rtcp_fraction: share,
                ..IntervalConfig::default()
            };
            let interval = RtcpScheduler::new(origin(), config, &mut rng).deterministic_interval();
            assert!(interval >= Duration::from_secs(2), "{share}: {interval:?}");
        }
    }

    #[test]
    fn not_due_before_deadline() {
        let mut rng = StdRng::seed_from_u64(3);
        let start = origin();
        let mut scheduler = RtcpScheduler::new(start, IntervalConfig::default(), &mut rng);
        assert!(!scheduler.handle_timeout(start, &mut rng));
    }
}
