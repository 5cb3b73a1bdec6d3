//! RTP (RFC 3550): packets, the sending side of a stream and the receiving side's sequence
//! bookkeeping.
//!
//! [`RtpPacket::parse`] turns bytes into a validated packet and [`RtpPacket::to_bytes`] back;
//! [`RtpSender`] numbers outgoing packets; [`SequenceTracker`] extends incoming sequence numbers
//! to 32 bits and holds a new source on probation until it sends in order.

mod packet;
mod sender;
mod sequence;

pub(crate) use packet::read_u32;
pub use packet::{
    is_rtcp, HeaderExtension, RtpError, RtpHeader, RtpPacket, FIXED_HEADER_LEN, RTP_VERSION,
};
pub use sender::RtpSender;
pub use sequence::{SequenceOutcome, SequenceTracker, MAX_DROPOUT, MAX_MISORDER, MIN_SEQUENTIAL};
