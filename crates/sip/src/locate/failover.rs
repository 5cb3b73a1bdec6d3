//! Choosing among the targets of a resolution as servers stop and start answering.

use std::time::{Duration, Instant};

use super::Target;

/// The account's "DNS SRV failover mode".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailoverMode {
    /// Every new request starts with the first target and moves on one at a time.
    Default,
    /// Start with the target that last answered, until the DNS records' time to live is up.
    SavedUntilTtl,
    /// Start with the target that last answered, for as long as it keeps answering.
    SavedUntilNoResponse,
    /// Stay with the target failed over to until the failback timer runs out.
    SavedUntilFailback,
}

/// Walks an ordered target list for one account.
#[derive(Debug, Clone)]
pub struct Failover {
    targets: Vec<Target>,
    mode: FailoverMode,
    failback: Duration,
    valid_until: Option<Instant>,
    current: usize,
    saved: Option<usize>,
    failed_over_at: Option<Instant>,
}

impl Failover {
    /// A walk over `targets` (in resolution order). `failback` is the failback expiration;
    /// `valid_until` when the DNS answer expires.
    pub fn new(
        targets: Vec<Target>,
        mode: FailoverMode,
        failback: Duration,
        valid_until: Option<Instant>,
    ) -> Self {
        Self {
            targets,
            mode,
            failback,
            valid_until,
            current: 0,
            saved: None,
            failed_over_at: None,
        }
    }

    /// The targets, in order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// Where a new request (a registration, a call) goes first.
    pub fn begin(&mut self, now: Instant) -> Option<Target> {
        let failback_due = self.failback_due(now);
        self.current = match self.mode {
            FailoverMode::Default => 0,
            FailoverMode::SavedUntilTtl if self.is_expired(now) => 0,
            FailoverMode::SavedUntilTtl | FailoverMode::SavedUntilNoResponse => {
                self.saved.unwrap_or(0)
            }
            FailoverMode::SavedUntilFailback if failback_due => 0,
            FailoverMode::SavedUntilFailback => self.saved.unwrap_or(self.current),
        };
        if self.current == 0 {
            self.failed_over_at = None;
        }
        self.targets.get(self.current).copied()
    }

    /// The current target did not answer: the next one to try, or `None` when every target has
    /// been tried since the last [`Self::begin`].
    pub fn handle_no_response(&mut self, now: Instant) -> Option<Target> {
        if self.saved == Some(self.current) {
            self.saved = None;
        }
        self.current += 1;
        let next = self.targets.get(self.current).copied();
        match next {
            Some(_) => {
                self.failed_over_at.get_or_insert(now);
            }
            None => self.current = 0,
        }
        next
    }

    /// The current target answered.
    pub fn handle_success(&mut self) {
        self.saved = Some(self.current);
    }

    /// The target in use.
    pub fn current(&self) -> Option<Target> {
        self.targets.get(self.current).copied()
    }

    /// Whether the phone has moved off the first target.
    pub fn is_failed_over(&self) -> bool {
        self.current > 0
    }

    /// Whether the failback expiration has passed since the failover, so the first target
    /// should be tried again.
    pub fn failback_due(&self, now: Instant) -> bool {
        self.failed_over_at
            .is_some_and(|at| now.saturating_duration_since(at) >= self.failback)
    }

    /// When the first target should be tried again, while failed over.
    pub fn failback_at(&self) -> Option<Instant> {
        self.failed_over_at.map(|at| at + self.failback)
    }

    /// When the DNS answer behind the list expires, if it had a time to live.
    pub fn valid_until(&self) -> Option<Instant> {
        self.valid_until
    }

    /// Whether the DNS answer behind the list has expired (resolve again).
    pub fn is_expired(&self, now: Instant) -> bool {
        self.valid_until.is_some_and(|until| now >= until)
    }
}
