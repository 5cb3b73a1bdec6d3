//! Extending 16-bit sequence numbers and 32-bit timestamps across wrap-around, and spotting
//! duplicates.

/// How many sequence numbers behind the highest one duplicates are still recognised.
const HISTORY: i64 = 128;

/// Extends RTP sequence numbers to 64 bits and remembers which recent ones arrived.
#[derive(Debug, Default, Clone)]
pub(crate) struct SequenceTracker {
    highest: Option<i64>,
    /// Bit `i` is set when sequence `highest - i` has arrived.
    seen: u128,
}

/// Where an incoming sequence number stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SequenceCheck {
    /// Not seen before; the extended number.
    New(i64),
    /// Already received.
    Duplicate,
    /// Too far behind to tell; treated as late.
    TooOld,
}

impl SequenceTracker {
    /// Extends `sequence` and records it.
    pub(crate) fn check(&mut self, sequence: u16) -> SequenceCheck {
        let Some(highest) = self.highest else {
            self.highest = Some(i64::from(sequence));
            self.seen = 1;
            return SequenceCheck::New(i64::from(sequence));
        };
        // Truncating to 16 bits is the point: the signed difference from the highest.
        let delta = i64::from(sequence.wrapping_sub(highest as u16) as i16);
        let extended = highest + delta;
        if delta > 0 {
            self.seen = if delta >= HISTORY {
                0
            } else {
                self.seen << delta
            };
            self.seen |= 1;
            self.highest = Some(extended);
            return SequenceCheck::New(extended);
        }
        let back = -delta;
        if back >= HISTORY {
            return SequenceCheck::TooOld;
        }
        let bit = 1u128 << back;
        if self.seen & bit != 0 {
            return SequenceCheck::Duplicate;
        }
        self.seen |= bit;
        SequenceCheck::New(extended)
    }

    /// Forgets everything (a new stream).
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }
}

/// Extends 32-bit RTP timestamps to 64 bits around the latest one seen.
#[derive(Debug, Default, Clone)]
pub(crate) struct TimestampUnwrapper {
    reference: Option<i64>,
}

impl TimestampUnwrapper {
    /// The extended value of `timestamp`, nearest to the reference; moves the reference forward.
    pub(crate) fn extend(&mut self, timestamp: u32) -> i64 {
        let Some(reference) = self.reference else {
            self.reference = Some(i64::from(timestamp));
            return i64::from(timestamp);
        };
        // Truncating to 32 bits is the point: the signed difference from the reference.
        let delta = i64::from(timestamp.wrapping_sub(reference as u32) as i32);
        let extended = reference + delta;
        if delta > 0 {
            self.reference = Some(extended);
        }
        extended
    }

    /// The extended value of `timestamp` without moving the reference.
    pub(crate) fn peek(&self, timestamp: u32) -> i64 {
        match self.reference {
            Some(reference) => {
                reference + i64::from(timestamp.wrapping_sub(reference as u32) as i32)
            }
            None => i64::from(timestamp),
        }
    }

    /// Forgets the reference (a new stream).
    pub(crate) fn reset(&mut self) {
        self.reference = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_wraps_and_spots_duplicates() {
        let mut tracker = SequenceTracker::default();
        assert_eq!(tracker.check(65534), SequenceCheck::New(65534));
        assert_eq!(tracker.check(0), SequenceCheck::New(65536));
        assert_eq!(tracker.check(65535), SequenceCheck::New(65535));
        assert_eq!(tracker.check(65535), SequenceCheck::Duplicate);
        assert_eq!(tracker.check(0), SequenceCheck::Duplicate);
        assert_eq!(tracker.check(1), SequenceCheck::New(65537));
        assert_eq!(tracker.check(200), SequenceCheck::New(65736));
        assert_eq!(tracker.check(1), SequenceCheck::TooOld);
    }

    #[test]
    fn timestamps_wrap_both_ways() {
        let mut unwrapper = TimestampUnwrapper::default();
        assert_eq!(unwrapper.extend(u32::MAX - 159), i64::from(u32::MAX) - 159);
        assert_eq!(unwrapper.extend(0), 1i64 << 32);
        assert_eq!(unwrapper.extend(u32::MAX - 159), i64::from(u32::MAX) - 159);
        assert_eq!(unwrapper.peek(160), (1i64 << 32) + 160);
    }
}
