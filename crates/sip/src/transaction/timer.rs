//! The RFC 3261 transaction timers and their settings.

use std::time::{Duration, Instant};

/// Transaction timers, named as RFC 3261 §17 (and RFC 6026 for L and M) names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// INVITE client, unreliable: retransmit the INVITE (T1, doubling).
    A,
    /// INVITE client: give up waiting for a response (64·T1).
    B,
    /// INVITE client: leave Completed, absorbing response retransmissions meanwhile (≥32 s on
    /// UDP, 0 on reliable transports).
    D,
    /// Non-INVITE client, unreliable: retransmit the request (T1 doubling up to T2).
    E,
    /// Non-INVITE client: give up waiting for a final response (64·T1).
    F,
    /// INVITE server, unreliable: retransmit the final non-2xx response (T1 doubling up to T2).
    G,
    /// INVITE server: give up waiting for the ACK (64·T1).
    H,
    /// INVITE server: leave Confirmed, absorbing ACK retransmissions (T4 on UDP, 0 reliable).
    I,
    /// Non-INVITE server: leave Completed, answering request retransmissions (64·T1 on UDP).
    J,
    /// Non-INVITE client: leave Completed (T4 on UDP, 0 reliable).
    K,
    /// INVITE server: leave Accepted after a 2xx (64·T1), absorbing INVITE retransmissions.
    L,
    /// INVITE client: leave Accepted after a 2xx (64·T1), passing 2xx retransmissions up.
    M,
}

const TIMERS: usize = 12;

impl Timer {
    fn index(self) -> usize {
        self as usize
    }
}

/// Timer values; the defaults are RFC 3261's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// Round-trip estimate (the phone's "SIP T1 timeout"; 500 ms).
    pub t1: Duration,
    /// Longest retransmission interval for non-INVITE requests and INVITE responses
    /// ("SIP T2 interval"; 4 s).
    pub t2: Duration,
    /// Longest time a message stays in the network (5 s).
    pub t4: Duration,
    /// INVITE transaction timeout; `None` means 64·T1 ("SIP Timer B interval").
    pub timer_b: Option<Duration>,
    /// Non-INVITE transaction timeout; `None` means 64·T1 ("SIP Timer F interval").
    pub timer_f: Option<Duration>,
    /// Wait in INVITE client Completed on unreliable transports ("SIP Timer D interval"; RFC
    /// 3261 says at least 32 s).
    pub timer_d: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        Self {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            timer_b: None,
            timer_f: None,
            timer_d: Duration::from_secs(32),
        }
    }
}

impl TimerConfig {
    /// 64·T1, the default of Timers B, F, H, J, L and M.
    pub fn t1_x64(&self) -> Duration {
        self.t1.saturating_mul(64)
    }

    /// Timer B's value.
    pub fn b(&self) -> Duration {
        self.timer_b.unwrap_or_else(|| self.t1_x64())
    }

    /// Timer F's value.
    pub fn f(&self) -> Duration {
        self.timer_f.unwrap_or_else(|| self.t1_x64())
    }

    /// Sets T1.
    pub fn with_t1(mut self, t1: Duration) -> Self {
        self.t1 = t1;
        self
    }

    /// Sets T2.
    pub fn with_t2(mut self, t2: Duration) -> Self {
        self.t2 = t2;
        self
    }

    /// Sets Timer D.
    pub fn with_timer_d(mut self, d: Duration) -> Self {
        self.timer_d = d;
        self
    }
}

/// Deadlines of the running timers.
#[derive(Debug, Clone, Default)]
pub(super) struct TimerTable {
    deadlines: [Option<Instant>; TIMERS],
}

impl TimerTable {
    pub(super) fn start(&mut self, timer: Timer, now: Instant, after: Duration) {
        self.deadlines[timer.index()] = Some(now + after);
    }

    pub(super) fn stop(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    pub(super) fn stop_all(&mut self) {
        self.deadlines = [None; TIMERS];
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// The earliest timer due at `now`, removed from the table.
    pub(super) fn pop_expired(&mut self, now: Instant) -> Option<Timer> {
        let (index, _) = self
            .deadlines
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.filter(|d| *d <= now).map(|d| (i, d)))
            .min_by_key(|(_, d)| *d)?;
        self.deadlines[index] = None;
        ALL.get(index).copied()
    }
}

const ALL: [Timer; TIMERS] = [
    Timer::A,
    Timer::B,
    Timer::D,
    Timer::E,
    Timer::F,
    Timer::G,
    Timer::H,
    Timer::I,
    Timer::J,
    Timer::K,
    Timer::L,
    Timer::M,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_table_pops_in_deadline_order() {
        let t0 = crate::test_support::origin();
        let mut table = TimerTable::default();
        table.start(Timer::B, t0, Duration::from_secs(32));
        table.start(Timer::A, t0, Duration::from_millis(500));
        assert_eq!(table.next_deadline(), Some(t0 + Duration::from_millis(500)));
        assert_eq!(table.pop_expired(t0), None);
        let later = t0 + Duration::from_secs(40);
        assert_eq!(table.pop_expired(later), Some(Timer::A));
        assert_eq!(table.pop_expired(later), Some(Timer::B));
        assert_eq!(table.pop_expired(later), None);
        for (i, timer) in ALL.iter().enumerate() {
            assert_eq!(timer.index(), i);
        }
    }

    #[test]
    fn defaults_follow_rfc_3261() {
        let c = TimerConfig::default();
        assert_eq!(c.b(), Duration::from_secs(32));
        assert_eq!(c.f(), Duration::from_secs(32));
        let slow = c.with_t1(Duration::from_secs(2));
        assert_eq!(slow.b(), Duration::from_secs(128));
    }
}
