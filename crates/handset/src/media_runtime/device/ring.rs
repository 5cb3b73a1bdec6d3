//! The sample queue between the sound card's callback thread and the media tick.
//!
//! Both sides hold the lock only to copy one block of samples, so the callback never waits
//! longer than one such copy. When the reader falls behind, the oldest samples give way (the
//! newest audio matters on a call); when it runs ahead, the missing part reads as silence.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How often a [`SampleRing`] ran dry or overflowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RingStats {
    /// Reads that found fewer samples than asked for (the rest was silence).
    pub underruns: u64,
    /// Writes that found the queue full and dropped its oldest samples.
    pub overruns: u64,
}

/// A bounded queue of mono samples shared by one writer and one reader thread.
#[derive(Debug)]
pub struct SampleRing {
    capacity: usize,
    state: Mutex<RingState>,
}

#[derive(Debug)]
struct RingState {
    samples: VecDeque<i16>,
    stats: RingStats,
}

impl SampleRing {
    /// An empty queue holding at most `capacity` samples (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            state: Mutex::new(RingState {
                samples: VecDeque::with_capacity(capacity),
                stats: RingStats::default(),
            }),
        }
    }

    /// The most samples it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Appends `samples`, dropping the oldest ones that no longer fit.
    pub fn push(&self, samples: &[i16]) {
        if samples.is_empty() {
            return;
        }
        let mut state = self.lock();
        let incoming = &samples[samples.len().saturating_sub(self.capacity)..];
        // `incoming` fits the capacity, so what overflows is all queued.
        let overflow = (state.samples.len() + incoming.len()).saturating_sub(self.capacity);
        if overflow > 0 || incoming.len() < samples.len() {
            state.stats.overruns += 1;
            state.samples.drain(..overflow);
        }
        state.samples.extend(incoming);
    }

    /// Fills `out` with the oldest samples, silence for what is missing; returns how many
    /// samples were real.
    pub fn pop_into(&self, out: &mut [i16]) -> usize {
        if out.is_empty() {
            return 0;
        }
        let mut state = self.lock();
        let available = state.samples.len().min(out.len());
        for (slot, sample) in out.iter_mut().zip(state.samples.drain(..available)) {
            *slot = sample;
        }
        if available < out.len() {
            state.stats.underruns += 1;
            out[available..].fill(0);
        }
        available
    }

    /// How many samples wait to be read.
    pub fn len(&self) -> usize {
        self.lock().samples.len()
    }

    /// Whether no samples wait to be read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The underrun and overrun counts so far.
    pub fn stats(&self) -> RingStats {
        self.lock().stats
    }

    /// A panic on the other side leaves whole samples behind, so the queue stays usable.
    fn lock(&self) -> MutexGuard<'_, RingState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_come_out_in_order() {
        let ring = SampleRing::new(8);
        ring.push(&[1, 2, 3]);
        ring.push(&[4, 5]);
        let mut out = [0; 4];
        assert_eq!(ring.pop_into(&mut out), 4);
        assert_eq!(out, [1, 2, 3, 4]);
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.stats(), RingStats::default());
    }

    #[test]
    fn underrun_pads_with_silence_and_counts() {
        let ring = SampleRing::new(8);
        ring.push(&[7, 8]);
        let mut out = [9; 5];
        assert_eq!(ring.pop_into(&mut out), 2);
        assert_eq!(out, [7, 8, 0, 0, 0]);
        assert_eq!(ring.pop_into(&mut out), 0);
        assert_eq!(out, [0; 5]);
        assert_eq!(ring.stats().underruns, 2);
        assert_eq!(ring.stats().overruns, 0);
    }

    #[test]
    fn exact_read_is_no_underrun() {
        let ring = SampleRing::new(4);
        ring.push(&[1, 2, 3, 4]);
        let mut out = [0; 4];
        assert_eq!(ring.pop_into(&mut out), 4);
        assert_eq!(ring.stats().underruns, 0);
        assert!(ring.is_empty());
    }

    #[test]
    fn overrun_drops_the_oldest_and_counts() {
        let ring = SampleRing::new(4);
        ring.push(&[1, 2, 3]);
        ring.push(&[4, 5, 6]);
        assert_eq!(ring.stats().overruns, 1);
        let mut out = [0; 4];
        assert_eq!(ring.pop_into(&mut out), 4);
        assert_eq!(out, [3, 4, 5, 6]);
    }

    #[test]
    fn a_block_larger_than_the_queue_keeps_its_newest_part() {
        let ring = SampleRing::new(3);
        ring.push(&[1]);
        ring.push(&[2, 3, 4, 5, 6]);
        assert_eq!(ring.stats().overruns, 1);
        assert_eq!(ring.len(), 3);
        let mut out = [0; 3];
        ring.pop_into(&mut out);
        assert_eq!(out, [4, 5, 6]);
    }
}
