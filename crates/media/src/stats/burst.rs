//! Burst and gap metrics (RFC 3611 §4.7.2) over the sequence of received and lost packets.

/// The Gmin the phone reports: bursts are losses separated by fewer than 16 received packets.
pub const GMIN: u8 = 16;

/// Burst/gap figures in the units of the XR VoIP metrics block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BurstMetrics {
    /// Fraction of packets lost within bursts, in 1/256 units.
    pub burst_density: u8,
    /// Fraction of packets lost within gaps, in 1/256 units.
    pub gap_density: u8,
    /// Mean burst length in milliseconds.
    pub burst_duration_ms: u16,
    /// Mean gap length in milliseconds.
    pub gap_duration_ms: u16,
}

/// Sorts packets, in sequence order, into bursts and gaps.
///
/// Losses closer together than Gmin received packets belong to one cluster. A cluster of two
/// or more losses is a burst, from its first loss to its last; a lone loss stays in the gap
/// it falls in (RFC 3611 counts such isolated losses in the gap density). Everything outside
/// bursts is gap.
#[derive(Debug, Clone)]
pub struct BurstTracker {
    gmin: u32,
    received_run: u32,
    cluster_packets: u64,
    cluster_losses: u64,
    burst_packets: u64,
    burst_losses: u64,
    bursts: u64,
    gap_packets: u64,
    gap_losses: u64,
    gaps: u64,
    gap_open: bool,
    previous_lost: Option<bool>,
    received_to_lost: u64,
    lost_to_received: u64,
    received: u64,
    lost: u64,
}

impl Default for BurstTracker {
    fn default() -> Self {
        Self::new(GMIN)
    }
}

impl BurstTracker {
    /// A tracker with the given Gmin (at least 1).
    pub fn new(gmin: u8) -> Self {
        BurstTracker {
            gmin: u32::from(gmin.max(1)),
            received_run: 0,
            cluster_packets: 0,
            cluster_losses: 0,
            burst_packets: 0,
            burst_losses: 0,
            bursts: 0,
            gap_packets: 0,
            gap_losses: 0,
            gaps: 0,
            gap_open: false,
            previous_lost: None,
            received_to_lost: 0,
            lost_to_received: 0,
            received: 0,
            lost: 0,
        }
    }

    /// Records the next packet in sequence order: received, or lost (or discarded).
    pub fn record(&mut self, lost: bool) {
        match (self.previous_lost, lost) {
            (Some(false), true) => self.received_to_lost += 1,
            (Some(true), false) => self.lost_to_received += 1,
            _ => {}
        }
        self.previous_lost = Some(lost);
        if !lost {
            self.received += 1;
            self.received_run += 1;
            return;
        }
        self.lost += 1;
        if self.cluster_losses > 0 && self.received_run < self.gmin {
            self.cluster_packets += u64::from(self.received_run) + 1;
            self.cluster_losses += 1;
        } else {
            let (packets, losses, run) =
                (self.cluster_packets, self.cluster_losses, self.received_run);
            self.close_cluster(packets, losses);
            self.add_gap(u64::from(run), 0);
            self.cluster_packets = 1;
            self.cluster_losses = 1;
        }
        self.received_run = 0;
    }

    fn close_cluster(&mut self, packets: u64, losses: u64) {
        match losses {
            0 => {}
            1 => self.add_gap(packets, losses),
            _ => {
                self.burst_packets += packets;
                self.burst_losses += losses;
                self.bursts += 1;
                self.gap_open = false;
            }
        }
    }

    fn add_gap(&mut self, packets: u64, losses: u64) {
        if packets == 0 {
            return;
        }
        if !self.gap_open {
            self.gaps += 1;
            self.gap_open = true;
        }
        self.gap_packets += packets;
        self.gap_losses += losses;
    }

    /// The metrics so far, for packets of `packet_ms` milliseconds each.
    pub fn metrics(&self, packet_ms: f64) -> BurstMetrics {
        // Close the open cluster and the trailing received run on a copy.
        let mut closed = self.clone();
        closed.close_cluster(self.cluster_packets, self.cluster_losses);
        closed.add_gap(u64::from(self.received_run), 0);
        let density = |losses: u64, packets: u64| {
            (losses * 256)
                .checked_div(packets)
                .map_or(0, |density| density.min(255) as u8)
        };
        let duration = |packets: u64, count: u64| {
            if count == 0 {
                0
            } else {
                (packets as f64 * packet_ms / count as f64)
                    .round()
                    .min(65535.0) as u16
            }
        };
        BurstMetrics {
            burst_density: density(closed.burst_losses, closed.burst_packets),
            gap_density: density(closed.gap_losses, closed.gap_packets),
            burst_duration_ms: duration(closed.burst_packets, closed.bursts),
            gap_duration_ms: duration(closed.gap_packets, closed.gaps),
        }
    }

    /// The burst ratio of the two-state loss model (ITU-T G.113 BurstR: 1 for random loss,
    /// larger when losses cluster), from the observed transitions.
    pub fn burst_ratio(&self) -> f64 {
        if self.lost == 0 || self.received == 0 {
            return 1.0;
        }
        let p = self.received_to_lost as f64 / self.received as f64;
        let q = self.lost_to_received as f64 / self.lost as f64;
        if p + q <= 0.0 {
            return 1.0;
        }
        (1.0 / (p + q)).max(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(pattern: &str) -> BurstTracker {
        let mut tracker = BurstTracker::default();
        for c in pattern.chars() {
            tracker.record(c == 'x');
        }
        tracker
    }

    #[test]
    fn no_loss_is_one_gap() {
        let metrics = feed(&".".repeat(100)).metrics(20.0);
        assert_eq!(metrics.gap_duration_ms, 2000);
        assert_eq!(metrics.gap_density, 0);
        assert_eq!(metrics.burst_duration_ms, 0);
    }

    #[test]
    fn isolated_loss_counts_in_gap() {
        let pattern = format!("{}x{}", ".".repeat(49), ".".repeat(50));
        let metrics = feed(&pattern).metrics(20.0);
        assert_eq!(metrics.burst_density, 0);
        assert_eq!(metrics.gap_density, (256 / 100) as u8);
        assert_eq!(metrics.gap_duration_ms, 2000);
    }

    #[test]
    fn close_losses_form_a_burst() {
        // 40 received, burst "xx.xx" (5 packets, 4 lost), 54 received.
        let pattern = format!("{}xx.xx{}", ".".repeat(40), ".".repeat(54));
        let tracker = feed(&pattern);
        let metrics = tracker.metrics(20.0);
        assert_eq!(metrics.burst_density, 204);
        assert_eq!(metrics.burst_duration_ms, 100);
        assert_eq!(metrics.gap_density, 0);
        // Two gaps of 40 and 54 packets.
        assert_eq!(metrics.gap_duration_ms, 940);
        assert!(tracker.burst_ratio() > 1.0);
    }

    #[test]
    fn losses_gmin_apart_are_separate() {
        let pattern = format!("x{}x{}", ".".repeat(16), ".".repeat(16));
        let metrics = feed(&pattern).metrics(10.0);
        assert_eq!(metrics.burst_duration_ms, 0);
        assert_eq!(metrics.gap_density, (2 * 256 / 34) as u8);
    }
}
