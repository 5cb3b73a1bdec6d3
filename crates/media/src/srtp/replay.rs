//! The replay list (RFC 3711 §3.3.2): a sliding window of recently accepted packet indices.

/// Packets this far behind the highest accepted index are still checked individually.
pub const REPLAY_WINDOW: u64 = 128;

/// Why an index is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplayVerdict {
    /// Not seen before and within (or ahead of) the window.
    Fresh,
    /// Already accepted.
    Replayed,
    /// Behind the window: it can no longer be told apart from a replay.
    TooOld,
}

/// Accepted indices: the highest, and a bit per index behind it (bit n is highest − n).
#[derive(Debug, Clone, Default)]
pub(crate) struct ReplayWindow {
    highest: Option<u64>,
    seen: u128,
}

impl ReplayWindow {
    pub(crate) fn check(&self, index: u64) -> ReplayVerdict {
        let Some(highest) = self.highest else {
            return ReplayVerdict::Fresh;
        };
        if index > highest {
            return ReplayVerdict::Fresh;
        }
        let behind = highest - index;
        if behind >= REPLAY_WINDOW {
            ReplayVerdict::TooOld
        } else if self.seen & (1 << behind) != 0 {
            ReplayVerdict::Replayed
        } else {
            ReplayVerdict::Fresh
        }
    }

    /// Records an index that passed [`ReplayWindow::check`] and authentication.
    pub(crate) fn accept(&mut self, index: u64) {
        match self.highest {
            None => {
                self.highest = Some(index);
                self.seen = 1;
            }
            Some(highest) if index > highest => {
                let ahead = index - highest;
                self.seen = if ahead >= REPLAY_WINDOW {
                    0
                } else {
                    self.seen << ahead
                } | 1;
                self.highest = Some(index);
            }
            Some(highest) => {
                let behind = highest - index;
                if behind < REPLAY_WINDOW {
                    self.seen |= 1 << behind;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_slides_and_remembers() {
        let mut window = ReplayWindow::default();
        assert_eq!(window.check(1000), ReplayVerdict::Fresh);
        window.accept(1000);
        assert_eq!(window.check(1000), ReplayVerdict::Replayed);
        assert_eq!(window.check(990), ReplayVerdict::Fresh);
        window.accept(990);
        assert_eq!(window.check(990), ReplayVerdict::Replayed);
        window.accept(1100);
        assert_eq!(window.check(990), ReplayVerdict::Replayed);
        assert_eq!(window.check(1000), ReplayVerdict::Replayed);
        assert_eq!(window.check(999), ReplayVerdict::Fresh);
        assert_eq!(window.check(1100 - 128), ReplayVerdict::TooOld);
        window.accept(5000);
        assert_eq!(window.check(1100), ReplayVerdict::TooOld);
        assert_eq!(window.check(4999), ReplayVerdict::Fresh);
    }
}
