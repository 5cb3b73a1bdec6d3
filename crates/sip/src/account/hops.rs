//! The next hop: resolving every configured name (primary first) into one ordered list of
//! addresses, and walking it with [`Failover`] as servers stop answering.

use std::time::{Duration, Instant};

use crate::locate::{
    Answer, DnsMode, Failover, FailoverMode, Query, Resolution, ServerName, Target, TransportKind,
};

/// A target and the configured name it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hop {
    /// Where to send.
    pub(crate) target: Target,
    /// Index of the name in the configured list (0: primary).
    pub(crate) name: usize,
}

/// Resolving the configured names one after another.
#[derive(Debug)]
pub(crate) struct Resolving {
    names: Vec<ServerName>,
    mode: DnsMode,
    transport: TransportKind,
    index: usize,
    current: Resolution,
    hops: Vec<Hop>,
    ttl: Option<Duration>,
    seed: u64,
}

impl Resolving {
    /// Starts with the first of `names` (which must not be empty).
    pub(crate) fn new(
        names: Vec<ServerName>,
        mode: DnsMode,
        transport: TransportKind,
        seed: u64,
    ) -> Option<Self> {
        let first = names.first()?.clone();
        Some(Self {
            current: Resolution::new(first, mode.clone(), transport, seed),
            names,
            mode,
            transport,
            index: 0,
            hops: Vec::new(),
            ttl: None,
            seed,
        })
    }

    /// The next lookup, or `None` when waiting for an answer or done.
    pub(crate) fn poll_query(&mut self) -> Option<Query> {
        loop {
            if let Some(query) = self.current.poll_query() {
                return Some(query);
            }
            if !self.current.is_done() || !self.advance() {
                return None;
            }
        }
    }

    /// Answers the last query.
    pub(crate) fn handle_answer(&mut self, answer: Answer, ttl: Option<Duration>) {
        self.current.handle_answer(answer, ttl);
    }

    /// Whether every name has been looked up.
    pub(crate) fn is_done(&self) -> bool {
        self.index >= self.names.len()
    }

    /// The addresses found, primary name first, and a failover walk over them.
    pub(crate) fn finish(self, now: Instant, mode: FailoverMode, failback: Duration) -> Hops {
        let targets = self.hops.iter().map(|h| h.target).collect();
        let valid_until = self.ttl.map(|t| now + t);
        Hops {
            failover: Failover::new(targets, mode, failback, valid_until),
            hops: self.hops,
        }
    }

    /// Moves the finished resolution's targets into the list and starts the next name.
    fn advance(&mut self) -> bool {
        if self.index >= self.names.len() {
            return false;
        }
        for target in self.current.targets() {
            if !self.hops.iter().any(|h| h.target == *target) {
                self.hops.push(Hop {
                    target: *target,
                    name: self.index,
                });
            }
        }
        if let Some(ttl) = self.current.ttl() {
            self.ttl = Some(self.ttl.map_or(ttl, |old| old.min(ttl)));
        }
        self.index += 1;
        match self.names.get(self.index) {
            Some(name) => {
                let seed = self.seed.wrapping_add(self.index as u64);
                self.current =
                    Resolution::new(name.clone(), self.mode.clone(), self.transport, seed);
                true
            }
            None => false,
        }
    }
}

/// The resolved hops and where the account is among them.
#[derive(Debug)]
pub(crate) struct Hops {
    hops: Vec<Hop>,
    failover: Failover,
}

impl Hops {
    /// Whether nothing was found.
    pub(crate) fn is_empty(&self) -> bool {
        self.hops.is_empty()
    }

    /// Where to start (per the failover mode).
    pub(crate) fn begin(&mut self, now: Instant) -> Option<Hop> {
        let target = self.failover.begin(now)?;
        self.hop_of(target)
    }

    /// The current hop did not answer: the next, or `None` when all were tried.
    pub(crate) fn next(&mut self, now: Instant) -> Option<Hop> {
        let target = self.failover.handle_no_response(now)?;
        self.hop_of(target)
    }

    /// The current hop answered.
    pub(crate) fn handle_success(&mut self) {
        self.failover.handle_success();
    }

    /// Whether the account is away from the first address.
    pub(crate) fn is_failed_over(&self) -> bool {
        self.failover.is_failed_over()
    }

    /// When to go back to the first address.
    pub(crate) fn failback_at(&self) -> Option<Instant> {
        self.failover.failback_at()
    }

    /// Whether the DNS answers behind the list have expired.
    pub(crate) fn is_expired(&self, now: Instant) -> bool {
        self.failover.is_expired(now)
    }

    /// When the DNS answers behind the list expire.
    pub(crate) fn valid_until(&self) -> Option<Instant> {
        self.failover.valid_until()
    }

    fn hop_of(&self, target: Target) -> Option<Hop> {
        self.hops.iter().find(|h| h.target == target).cloned()
    }
}
