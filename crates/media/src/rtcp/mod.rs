//! RTCP (RFC 3550 §6): compound packets of sender and receiver reports, source descriptions,
//! goodbyes and application packets, extended reports with VoIP metrics (RFC 3611), NTP
//! timestamps and the report interval.
//!
//! [`RtcpPacket::parse_compound`] reads a datagram; [`RtcpPacket::compound_to_bytes`] writes
//! one. Reception statistics for the report blocks come from [`crate::stats`].

mod app;
mod bye;
mod interval;
mod ntp;
mod packet;
mod report;
mod sdes;
mod xr;

pub use app::AppPacket;
pub use bye::Goodbye;
pub use interval::{IntervalConfig, RtcpScheduler};
pub use ntp::NtpTime;
pub use packet::{RtcpError, RtcpPacket, PT_APP, PT_BYE, PT_RR, PT_SDES, PT_SR, PT_XR};
pub use report::{ReceiverReport, ReportBlock, SenderReport, MAX_REPORT_BLOCKS};
pub use sdes::{SdesChunk, SdesItem, SourceDescription, SDES_CNAME};
pub use xr::{
    CallQualityInput, Concealment, ExtendedReport, JitterBufferReport, VoipMetrics, XrBlock,
    BT_VOIP_METRICS, UNAVAILABLE,
};

#[cfg(test)]
mod tests;
