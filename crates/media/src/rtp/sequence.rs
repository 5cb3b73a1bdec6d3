//! Sequence number extension and source validation (RFC 3550 Appendix A.1).

/// Packets in sequence needed before a new source is believed (`MIN_SEQUENTIAL`).
pub const MIN_SEQUENTIAL: u16 = 2;
/// Largest forward jump still taken as loss rather than a restart (`MAX_DROPOUT`).
pub const MAX_DROPOUT: u16 = 3000;
/// Largest backward step still taken as reordering (`MAX_MISORDER`).
pub const MAX_MISORDER: u16 = 100;

const SEQ_MOD: u32 = 1 << 16;

/// What one arriving sequence number means for the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceOutcome {
    /// The source is still on probation; the packet should not be played yet.
    Probation,
    /// A valid packet in order or ahead, with its extended sequence number.
    Advanced {
        /// The 32-bit extended sequence number (cycles of 2^16 in the high bits).
        extended: u32,
        /// Sequence numbers skipped since the previous highest (packets presumed lost).
        skipped: u32,
    },
    /// A valid packet older than the highest one seen (a duplicate or reordered packet).
    Late {
        /// The extended sequence number it had.
        extended: u32,
    },
    /// A valid packet after the source restarted its sequence (two consecutive packets
    /// after a large jump); statistics start again from it.
    Restarted {
        /// The extended sequence number it now has.
        extended: u32,
    },
    /// A packet too far from the expected sequence to use.
    Rejected,
}

/// Tracks one source's sequence numbers: probation, wrap into cycles, large jumps.
#[derive(Debug, Clone)]
pub struct SequenceTracker {
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u16,
}

impl SequenceTracker {
    /// A tracker for a source first heard with `sequence`; that packet is on probation.
    pub fn new(sequence: u16) -> Self {
        SequenceTracker {
            max_seq: sequence.wrapping_sub(1),
            cycles: 0,
            base_seq: u32::from(sequence),
            bad_seq: SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
        }
    }

    /// A tracker that trusts the source at once (for example one learnt from signalling);
    /// `sequence` counts as the first valid packet.
    pub fn new_trusted(sequence: u16) -> Self {
        let mut tracker = Self::new(sequence);
        tracker.restart(sequence);
        tracker
    }

    /// Whether the source has passed probation.
    pub fn is_valid(&self) -> bool {
        self.probation == 0
    }

    /// The first sequence number counted (after probation or the last restart).
    pub fn base(&self) -> u32 {
        self.base_seq
    }

    /// The highest extended sequence number seen.
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// Feeds the sequence number of an arriving packet.
    pub fn update(&mut self, sequence: u16) -> SequenceOutcome {
        let delta = sequence.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            // A new source must send MIN_SEQUENTIAL packets in sequence before it counts.
            if sequence == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = sequence;
                if self.probation == 0 {
                    self.restart(sequence);
                    return SequenceOutcome::Restarted {
                        extended: self.extended_max(),
                    };
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = sequence;
            }
            return SequenceOutcome::Probation;
        }
        if delta == 0 {
            return SequenceOutcome::Late {
                extended: self.extended_max(),
            };
        }
        if delta < MAX_DROPOUT {
            if sequence < self.max_seq {
                self.cycles = self.cycles.wrapping_add(SEQ_MOD);
            }
            self.max_seq = sequence;
            return SequenceOutcome::Advanced {
                extended: self.extended_max(),
                skipped: u32::from(delta) - 1,
            };
        }
        if delta <= u16::MAX - MAX_MISORDER {
            // A very large jump: believe it only if the next packet follows it.
            if u32::from(sequence) == self.bad_seq {
                self.restart(sequence);
                return SequenceOutcome::Restarted {
                    extended: self.extended_max(),
                };
            }
            self.bad_seq = u32::from(sequence.wrapping_add(1));
            return SequenceOutcome::Rejected;
        }
        // Duplicate or reordered: it belongs to this cycle or, across a wrap, the previous one.
        let cycles = if sequence > self.max_seq {
            self.cycles.wrapping_sub(SEQ_MOD)
        } else {
            self.cycles
        };
        SequenceOutcome::Late {
            extended: cycles.wrapping_add(u32::from(sequence)),
        }
    }

    fn restart(&mut self, sequence: u16) {
        self.base_seq = u32::from(sequence);
        self.max_seq = sequence;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.probation = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validated(first: u16) -> SequenceTracker {
        let mut tracker = SequenceTracker::new(first);
        assert_eq!(tracker.update(first), SequenceOutcome::Probation);
        assert_eq!(
            tracker.update(first.wrapping_add(1)),
            SequenceOutcome::Restarted {
                extended: u32::from(first.wrapping_add(1))
            }
        );
        tracker
    }

    #[test]
    fn probation_needs_consecutive_packets() {
        let mut tracker = SequenceTracker::new(10);
        assert_eq!(tracker.update(10), SequenceOutcome::Probation);
        assert_eq!(tracker.update(12), SequenceOutcome::Probation);
        assert!(!tracker.is_valid());
        assert_eq!(
            tracker.update(13),
            SequenceOutcome::Restarted { extended: 13 }
        );
        assert!(tracker.is_valid());
        assert_eq!(tracker.base(), 13);
    }

    #[test]
    fn extends_across_wrap_and_reports_gaps() {
        let mut tracker = validated(65533);
        assert_eq!(
            tracker.update(65535),
            SequenceOutcome::Advanced {
                extended: 65535,
                skipped: 0
            }
        );
        assert_eq!(
            tracker.update(2),
            SequenceOutcome::Advanced {
                extended: 65536 + 2,
                skipped: 2
            }
        );
        assert_eq!(
            tracker.update(65534),
            SequenceOutcome::Late { extended: 65534 }
        );
        assert_eq!(tracker.update(1), SequenceOutcome::Late { extended: 65537 });
        assert_eq!(tracker.update(2), SequenceOutcome::Late { extended: 65538 });
        assert_eq!(tracker.extended_max(), 65538);
    }

    #[test]
    fn large_jump_needs_confirmation() {
        let mut tracker = validated(100);
        assert_eq!(tracker.update(20_000), SequenceOutcome::Rejected);
        assert_eq!(
            tracker.update(102),
            SequenceOutcome::Advanced {
                extended: 102,
                skipped: 0
            }
        );
        assert_eq!(tracker.update(30_000), SequenceOutcome::Rejected);
        assert_eq!(
            tracker.update(30_001),
            SequenceOutcome::Restarted { extended: 30_001 }
        );
        assert_eq!(tracker.base(), 30_001);
    }

    #[test]
    fn trusted_source_counts_first_packet() {
        let mut tracker = SequenceTracker::new_trusted(5);
        assert!(tracker.is_valid());
        assert_eq!(
            tracker.update(6),
            SequenceOutcome::Advanced {
                extended: 6,
                skipped: 0
            }
        );
    }
}
