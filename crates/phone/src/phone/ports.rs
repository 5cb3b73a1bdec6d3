//! RTP ports for calls: even ports from the configured range, RTCP on the odd one above.

use std::collections::BTreeSet;

/// The RTP ports in use and those still free.
#[derive(Debug, Clone)]
pub struct PortPool {
    base: u16,
    count: u16,
    used: BTreeSet<u16>,
    /// Where the next search starts, so a port just released is not reused at once (late
    /// packets of the old call would land in the new one).
    cursor: u16,
}

impl PortPool {
    /// The even ports from `base` (rounded up to even) over `count` ports.
    pub fn new(base: u16, count: u16) -> Self {
        let base = base.saturating_add(base % 2);
        Self {
            base,
            count: count.max(2),
            used: BTreeSet::new(),
            cursor: 0,
        }
    }

    /// Takes a free even port.
    pub fn take(&mut self) -> Option<u16> {
        let slots = self.count / 2;
        for step in 0..slots {
            let slot = (self.cursor + step) % slots;
            let Some(port) = self.base.checked_add(slot * 2) else {
                continue;
            };
            if port == u16::MAX || !self.used.insert(port) {
                continue;
            }
            self.cursor = (slot + 1) % slots;
            return Some(port);
        }
        None
    }

    /// Gives a port back.
    pub fn release(&mut self, port: u16) {
        self.used.remove(&port);
    }
}

#[cfg(test)]
mod tests {
    use super::PortPool;

    #[test]
    fn ports_are_even_distinct_and_rotate() {
        let mut pool = PortPool::new(5003, 6);
        let taken: Vec<u16> = (0..3).filter_map(|_| pool.take()).collect();
        assert_eq!(taken, vec![5004, 5006, 5008]);
        assert_eq!(pool.take(), None);
        pool.release(5006);
        assert_eq!(pool.take(), Some(5006));
        pool.release(5004);
        pool.release(5008);
        // The search goes on from where it stopped.
        assert_eq!(pool.take(), Some(5008));
    }
}
