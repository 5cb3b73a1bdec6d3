//! Sender and receiver reports with their report blocks (RFC 3550 §6.4).

use super::packet::{take, take_u32, RtcpError};

/// The most report blocks one SR or RR can carry (five-bit count).
pub const MAX_REPORT_BLOCKS: usize = 31;

/// Reception statistics about one source (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source these statistics describe.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256 units.
    pub fraction_lost: u8,
    /// Cumulative number of packets lost (24-bit signed; negative with duplicates).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_sequence: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR from the source (LSR), 0 if none.
    pub last_sender_report: u32,
    /// Delay since that SR was received, in 1/65536 seconds (DLSR).
    pub delay_since_last_sender_report: u32,
}

impl ReportBlock {
    fn parse(body: &mut &[u8]) -> Result<Self, RtcpError> {
        let bytes = take(body, 24, "report block")?;
        let word = |at: usize| crate::rtp::read_u32(&bytes[at..]);
        let lost_field = word(4) & 0x00ff_ffff;
        // Sign-extend the 24-bit cumulative loss.
        let cumulative_lost = ((lost_field << 8) as i32) >> 8;
        Ok(ReportBlock {
            ssrc: word(0),
            fraction_lost: bytes[4],
            cumulative_lost,
            extended_highest_sequence: word(8),
            jitter: word(12),
            last_sender_report: word(16),
            delay_since_last_sender_report: word(20),
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        let lost = self.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff) as u32 & 0x00ff_ffff;
        out.extend_from_slice(&(u32::from(self.fraction_lost) << 24 | lost).to_be_bytes());
        out.extend_from_slice(&self.extended_highest_sequence.to_be_bytes());
        out.extend_from_slice(&self.jitter.to_be_bytes());
        out.extend_from_slice(&self.last_sender_report.to_be_bytes());
        out.extend_from_slice(&self.delay_since_last_sender_report.to_be_bytes());
    }
}

/// A sender report (SR, packet type 200).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderReport {
    /// The sender's SSRC.
    pub ssrc: u32,
    /// Wall-clock time of the report as a 64-bit NTP timestamp.
    pub ntp_timestamp: u64,
    /// The same instant in the RTP clock of the sender's media.
    pub rtp_timestamp: u32,
    /// Packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
    /// Reception reports (at most 31 are written).
    pub reports: Vec<ReportBlock>,
}

impl SenderReport {
    pub(crate) fn parse_body(count: u8, mut body: &[u8]) -> Result<Self, RtcpError> {
        let ssrc = take_u32(&mut body, "sender report")?;
        let high = take_u32(&mut body, "sender report")?;
        let low = take_u32(&mut body, "sender report")?;
        let rtp_timestamp = take_u32(&mut body, "sender report")?;
        let packet_count = take_u32(&mut body, "sender report")?;
        let octet_count = take_u32(&mut body, "sender report")?;
        let reports = parse_blocks(count, &mut body)?;
        Ok(SenderReport {
            ssrc,
            ntp_timestamp: u64::from(high) << 32 | u64::from(low),
            rtp_timestamp,
            packet_count,
            octet_count,
            reports,
        })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> u8 {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&self.ntp_timestamp.to_be_bytes());
        out.extend_from_slice(&self.rtp_timestamp.to_be_bytes());
        out.extend_from_slice(&self.packet_count.to_be_bytes());
        out.extend_from_slice(&self.octet_count.to_be_bytes());
        write_blocks(&self.reports, out)
    }
}

/// A receiver report (RR, packet type 201).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiverReport {
    /// The reporter's SSRC.
    pub ssrc: u32,
    /// Reception reports (at most 31 are written).
    pub reports: Vec<ReportBlock>,
}

impl ReceiverReport {
    pub(crate) fn parse_body(count: u8, mut body: &[u8]) -> Result<Self, RtcpError> {
        let ssrc = take_u32(&mut body, "receiver report")?;
        let reports = parse_blocks(count, &mut body)?;
        Ok(ReceiverReport { ssrc, reports })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> u8 {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        write_blocks(&self.reports, out)
    }
}

fn parse_blocks(count: u8, body: &mut &[u8]) -> Result<Vec<ReportBlock>, RtcpError> {
    // Anything after the blocks is a profile-specific extension, which is not used here.
    (0..count).map(|_| ReportBlock::parse(body)).collect()
}

fn write_blocks(reports: &[ReportBlock], out: &mut Vec<u8>) -> u8 {
    let reports = &reports[..reports.len().min(MAX_REPORT_BLOCKS)];
    for report in reports {
        report.write(out);
    }
    reports.len() as u8
}
