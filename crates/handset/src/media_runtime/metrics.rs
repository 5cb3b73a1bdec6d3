//! The worker's timing figures, written by the media thread and read from the handle.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A snapshot of the worker's timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WorkerMetrics {
    /// Ticks run.
    pub ticks: u64,
    /// Ticks that started more than one tick interval after their scheduled time.
    pub late_ticks: u64,
    /// Ticks dropped to catch up after falling too far behind.
    pub skipped_ticks: u64,
    /// The longest time one tick took to process every call.
    pub max_tick_time: Duration,
    /// The mean time one tick took.
    pub mean_tick_time: Duration,
    /// Calls running.
    pub calls: u64,
    /// Socket errors met (receiving and sending).
    pub socket_errors: u64,
}

/// The counters behind [`WorkerMetrics`], shared between the thread and the handle.
#[derive(Debug, Default)]
pub(super) struct SharedMetrics {
    ticks: AtomicU64,
    late_ticks: AtomicU64,
    skipped_ticks: AtomicU64,
    busy_nanos_total: AtomicU64,
    busy_nanos_max: AtomicU64,
    calls: AtomicU64,
    socket_errors: AtomicU64,
}

impl SharedMetrics {
    /// One tick ran, taking `busy`; `late` if it started over a tick behind schedule.
    pub(super) fn record_tick(&self, busy: Duration, late: bool) {
        let nanos = u64::try_from(busy.as_nanos()).unwrap_or(u64::MAX);
        self.ticks.fetch_add(1, Ordering::Relaxed);
        self.busy_nanos_total.fetch_add(nanos, Ordering::Relaxed);
        self.busy_nanos_max.fetch_max(nanos, Ordering::Relaxed);
        if late {
            self.late_ticks.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `count` ticks were dropped.
    pub(super) fn record_skipped(&self, count: u64) {
        self.skipped_ticks.fetch_add(count, Ordering::Relaxed);
    }

    /// A socket operation failed.
    pub(super) fn record_socket_error(&self) {
        self.socket_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// The number of calls running is now `calls`.
    pub(super) fn set_calls(&self, calls: usize) {
        self.calls
            .store(u64::try_from(calls).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The figures now.
    pub(super) fn snapshot(&self) -> WorkerMetrics {
        let ticks = self.ticks.load(Ordering::Relaxed);
        let total = self.busy_nanos_total.load(Ordering::Relaxed);
        WorkerMetrics {
            ticks,
            late_ticks: self.late_ticks.load(Ordering::Relaxed),
            skipped_ticks: self.skipped_ticks.load(Ordering::Relaxed),
            max_tick_time: Duration::from_nanos(self.busy_nanos_max.load(Ordering::Relaxed)),
            mean_tick_time: Duration::from_nanos(total.checked_div(ticks).unwrap_or(0)),
            calls: self.calls.load(Ordering::Relaxed),
            socket_errors: self.socket_errors.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_averages_and_keeps_the_maximum() {
        let metrics = SharedMetrics::default();
        assert_eq!(metrics.snapshot(), WorkerMetrics::default());
        metrics.record_tick(Duration::from_micros(100), false);
        metrics.record_tick(Duration::from_micros(300), true);
        metrics.record_skipped(4);
        metrics.record_socket_error();
        metrics.set_calls(2);
        assert_eq!(
            metrics.snapshot(),
            WorkerMetrics {
                ticks: 2,
                late_ticks: 1,
                skipped_ticks: 4,
                max_tick_time: Duration::from_micros(300),
                mean_tick_time: Duration::from_micros(200),
                calls: 2,
                socket_errors: 1,
            }
        );
    }
}
