//! Helpers the media worker's tests share: bounded waits for worker events and RTP port
//! allocators over loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::{RtpPortAllocator, RtpPortSettings, WorkerEvent};

/// A bound on waiting for the worker, so that a broken worker fails the test instead of
/// hanging it.
pub(super) const PATIENCE: Duration = Duration::from_secs(30);

/// Waits for worker events with a bound on how long.
pub(super) struct Events<E> {
    receiver: UnboundedReceiver<WorkerEvent<E>>,
    runtime: tokio::runtime::Runtime,
}

impl<E> Events<E> {
    pub(super) fn new(receiver: UnboundedReceiver<WorkerEvent<E>>) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        Self { receiver, runtime }
    }

    /// The next event; `None` once the worker has stopped.
    pub(super) fn next(&mut self) -> Option<WorkerEvent<E>> {
        let receiver = &mut self.receiver;
        self.runtime
            .block_on(async { tokio::time::timeout(PATIENCE, receiver.recv()).await })
            .expect("the worker reports in time")
    }

    /// Events until one matches, returned with those before it.
    pub(super) fn until(
        &mut self,
        mut wanted: impl FnMut(&WorkerEvent<E>) -> bool,
    ) -> Vec<WorkerEvent<E>> {
        let mut seen = Vec::new();
        loop {
            let event = self.next().expect("the worker is running");
            let done = wanted(&event);
            seen.push(event);
            if done {
                return seen;
            }
        }
    }
}

/// Random RTP ports from `base` up, each test its own range.
pub(super) fn allocator(base: u16) -> RtpPortAllocator {
    RtpPortAllocator::new(RtpPortSettings {
        base,
        range: 1000,
        random: true,
        dscp: 46,
    })
}
