//! Reception statistics for one source (RFC 3550 Appendix A.1–A.8) and the call-quality
//! figures built on them: burst/gap metrics (RFC 3611) and an E-model MOS estimate.
//!
//! Feed every arriving packet to [`ReceiverStats::handle_packet`] and every sender report
//! from the source to [`ReceiverStats::handle_sender_report`]; take a [`ReportBlock`] for
//! each RTCP report with [`ReceiverStats::report_block`].

mod burst;
mod emodel;

use std::time::{Duration, Instant};

pub use burst::{BurstMetrics, BurstTracker, GMIN};
pub use emodel::{
    delay_impairment, effective_impairment, listening_r_factor, mos_from_r, r_factor,
    CodecImpairment, EModelInput,
};

use crate::rtcp::{NtpTime, ReportBlock, SenderReport};
use crate::rtp::{SequenceOutcome, SequenceTracker};

/// Gaps longer than this many packets are not replayed into the burst model one by one.
const MAX_RECORDED_GAP: u32 = 3000;

/// What is known about one remote source's stream.
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    ssrc: u32,
    clock_rate: u32,
    sequence: Option<SequenceTracker>,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    discarded: u64,
    origin: Option<Instant>,
    last_transit: Option<u32>,
    jitter: f64,
    last_sender_report: Option<(u32, Instant)>,
    bursts: BurstTracker,
}

impl ReceiverStats {
    /// Statistics for `ssrc`, whose RTP clock runs at `clock_rate` Hz.
    pub fn new(ssrc: u32, clock_rate: u32) -> Self {
        ReceiverStats {
            ssrc,
            clock_rate: clock_rate.max(1),
            sequence: None,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            discarded: 0,
            origin: None,
            last_transit: None,
            jitter: 0.0,
            last_sender_report: None,
            bursts: BurstTracker::default(),
        }
    }

    /// The source described.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Feeds a packet from the source that arrived at `now`; the outcome says whether it is
    /// usable (not on probation, not rejected).
    pub fn handle_packet(
        &mut self,
        now: Instant,
        sequence: u16,
        timestamp: u32,
    ) -> SequenceOutcome {
        let tracker = self
            .sequence
            .get_or_insert_with(|| SequenceTracker::new(sequence));
        let outcome = tracker.update(sequence);
        match outcome {
            SequenceOutcome::Probation | SequenceOutcome::Rejected => return outcome,
            SequenceOutcome::Restarted { .. } => {
                self.received = 0;
                self.expected_prior = 0;
                self.received_prior = 0;
                self.bursts = BurstTracker::default();
                self.bursts.record(false);
            }
            SequenceOutcome::Advanced { skipped, .. } => {
                for _ in 0..skipped.min(MAX_RECORDED_GAP) {
                    self.bursts.record(true);
                }
                self.bursts.record(false);
            }
            SequenceOutcome::Late { .. } => {}
        }
        self.received += 1;
        self.update_jitter(now, timestamp);
        outcome
    }

    /// Interarrival jitter (RFC 3550 A.8) from the difference in relative transit times.
    fn update_jitter(&mut self, now: Instant, timestamp: u32) {
        let origin = *self.origin.get_or_insert(now);
        let elapsed = now.saturating_duration_since(origin);
        // Arrival time in timestamp units; only differences matter, so it may wrap.
        let arrival = (elapsed.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000) as u32;
        let transit = arrival.wrapping_sub(timestamp);
        if let Some(last) = self.last_transit {
            let difference = f64::from((transit.wrapping_sub(last) as i32).unsigned_abs());
            self.jitter += (difference - self.jitter) / 16.0;
        }
        self.last_transit = Some(transit);
    }

    /// Notes a packet the jitter buffer threw away (too late or overflow), for the discard
    /// rate of the XR report.
    pub fn handle_discard(&mut self) {
        self.discarded += 1;
    }

    /// Notes a sender report from the source, received at `now` (for LSR and DLSR).
    pub fn handle_sender_report(&mut self, now: Instant, report: &SenderReport) {
        let compact = NtpTime(report.ntp_timestamp).compact();
        self.last_sender_report = Some((compact, now));
    }

    /// Packets received and counted (after probation, duplicates included as RFC 3550 does).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Packets the jitter buffer discarded.
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    /// The highest extended sequence number received, if the source is valid.
    pub fn extended_max(&self) -> Option<u32> {
        self.sequence
            .as_ref()
            .filter(|tracker| tracker.is_valid())
            .map(SequenceTracker::extended_max)
    }

    /// Packets expected: highest extended sequence minus the first plus one (A.3).
    pub fn expected(&self) -> u64 {
        match &self.sequence {
            Some(tracker) if tracker.is_valid() => {
                u64::from(tracker.extended_max().wrapping_sub(tracker.base())) + 1
            }
            _ => 0,
        }
    }

    /// Cumulative packets lost (negative when duplicates outnumber losses).
    pub fn lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Fraction of expected packets lost over the whole stream, 0.0–1.0.
    pub fn loss_fraction(&self) -> f64 {
        ratio(self.lost().max(0) as u64, self.expected())
    }

    /// Fraction of expected packets discarded by the jitter buffer, 0.0–1.0.
    pub fn discard_fraction(&self) -> f64 {
        ratio(self.discarded, self.expected())
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter as u32
    }

    /// Interarrival jitter as a duration.
    pub fn jitter_duration(&self) -> Duration {
        Duration::from_secs_f64(self.jitter / f64::from(self.clock_rate))
    }

    /// Burst/gap metrics for packets of `packet_duration` each.
    pub fn burst_metrics(&self, packet_duration: Duration) -> BurstMetrics {
        self.bursts.metrics(packet_duration.as_secs_f64() * 1000.0)
    }

    /// The burst ratio of the losses seen so far (1 for random loss).
    pub fn burst_ratio(&self) -> f64 {
        self.bursts.burst_ratio()
    }

    /// The report block for an RTCP report sent at `now`; starts a new reporting interval
    /// for the fraction lost. `None` until the source is valid.
    pub fn report_block(&mut self, now: Instant) -> Option<ReportBlock> {
        let extended_max = self.extended_max()?;
        let expected = self.expected();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        let received_interval = self.received.saturating_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = expected_interval.saturating_sub(received_interval);
        let fraction_lost = (lost_interval << 8)
            .checked_div(expected_interval)
            .map_or(0, |fraction| fraction.min(255) as u8);
        let (last_sender_report, delay_since_last_sender_report) = match self.last_sender_report {
            Some((compact, at)) => (compact, to_compact_units(now.saturating_duration_since(at))),
            None => (0, 0),
        };
        Some(ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: self.lost().clamp(-0x80_0000, 0x7f_ffff) as i32,
            extended_highest_sequence: extended_max,
            jitter: self.jitter(),
            last_sender_report,
            delay_since_last_sender_report,
        })
    }
}

/// The round-trip time a report block about our stream shows (RFC 3550 §6.4.1: arrival time
/// minus LSR minus DLSR), given the wall-clock time it arrived. `None` if the peer has not
/// had a sender report from us, or the figures are inconsistent.
pub fn round_trip_time(arrival: NtpTime, block: &ReportBlock) -> Option<Duration> {
    if block.last_sender_report == 0 {
        return None;
    }
    let elapsed = arrival
        .compact()
        .wrapping_sub(block.last_sender_report)
        .checked_sub(block.delay_since_last_sender_report)?;
    // More than a minute is a clock step or garbage, not a round trip.
    let rtt = from_compact_units(elapsed);
    (rtt < Duration::from_secs(60)).then_some(rtt)
}

/// A duration in 1/65536 second units, as DLSR carries it.
pub fn to_compact_units(duration: Duration) -> u32 {
    let units = duration.as_nanos() * 65536 / 1_000_000_000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// A duration from 1/65536 second units.
pub fn from_compact_units(units: u32) -> Duration {
    Duration::from_nanos(u64::from(units) * 1_000_000_000 / 65536)
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64).min(1.0)
    }
}

#[cfg(test)]
pub(crate) mod tests;
