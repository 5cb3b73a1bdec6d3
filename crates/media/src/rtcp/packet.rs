//! The RTCP common header and compound packets (RFC 3550 §6.1, Appendix A.2).

use thiserror::Error;

use super::app::AppPacket;
use super::bye::Goodbye;
use super::report::{ReceiverReport, SenderReport};
use super::sdes::SourceDescription;
use super::xr::ExtendedReport;

/// Sender report packet type.
pub const PT_SR: u8 = 200;
/// Receiver report packet type.
pub const PT_RR: u8 = 201;
/// Source description packet type.
pub const PT_SDES: u8 = 202;
/// Goodbye packet type.
pub const PT_BYE: u8 = 203;
/// Application-defined packet type.
pub const PT_APP: u8 = 204;
/// Extended report packet type (RFC 3611).
pub const PT_XR: u8 = 207;

/// Why bytes are not an acceptable RTCP packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtcpError {
    /// Fewer bytes than a header, or nothing at all.
    #[error("RTCP packet too short")]
    TooShort,
    /// The version field is not 2.
    #[error("RTCP version {0} is not 2")]
    BadVersion(u8),
    /// A length field points past the end of the datagram.
    #[error("RTCP length field runs past the end of the datagram")]
    BadLength,
    /// A packet other than the last one is padded, or the padding count is impossible.
    #[error("RTCP padding is invalid")]
    BadPadding,
    /// A compound packet does not start with a sender or receiver report.
    #[error("compound RTCP packet starts with type {0}, not SR or RR")]
    NotReportFirst(u8),
    /// The body of a packet is shorter than its count or structure requires.
    #[error("RTCP {0} body is truncated")]
    Truncated(&'static str),
}

/// One RTCP packet of a compound datagram.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RtcpPacket {
    /// Sender report (SR).
    SenderReport(SenderReport),
    /// Receiver report (RR).
    ReceiverReport(ReceiverReport),
    /// Source description (SDES).
    SourceDescription(SourceDescription),
    /// Goodbye (BYE).
    Goodbye(Goodbye),
    /// Application-defined (APP), kept as received.
    App(AppPacket),
    /// Extended report (XR, RFC 3611).
    ExtendedReport(ExtendedReport),
    /// Any other packet type, kept as received (for example RFC 4585 feedback).
    Unknown {
        /// The packet type.
        packet_type: u8,
        /// The five-bit count/format field.
        count: u8,
        /// The body after the four-byte header, without padding.
        body: Vec<u8>,
    },
}

impl RtcpPacket {
    /// Parses every packet of a compound datagram; the first must be SR or RR
    /// (RFC 3550 §6.1). Use [`RtcpPacket::parse_all`] for reduced-size RTCP (RFC 5506).
    pub fn parse_compound(bytes: &[u8]) -> Result<Vec<RtcpPacket>, RtcpError> {
        let packets = Self::parse_all(bytes)?;
        match packets.first() {
            Some(RtcpPacket::SenderReport(_) | RtcpPacket::ReceiverReport(_)) => Ok(packets),
            Some(other) => Err(RtcpError::NotReportFirst(other.packet_type())),
            None => Err(RtcpError::TooShort),
        }
    }

    /// Parses every packet of a datagram without requiring a report first.
    pub fn parse_all(bytes: &[u8]) -> Result<Vec<RtcpPacket>, RtcpError> {
        if bytes.is_empty() {
            return Err(RtcpError::TooShort);
        }
        let mut packets = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            if rest.len() < 4 {
                return Err(RtcpError::TooShort);
            }
            let version = rest[0] >> 6;
            if version != 2 {
                return Err(RtcpError::BadVersion(version));
            }
            let total = 4 * (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1);
            let packet = rest.get(..total).ok_or(RtcpError::BadLength)?;
            let mut body = &packet[4..];
            if packet[0] & 0x20 != 0 {
                // Only the last packet of a compound may carry padding (Appendix A.2).
                let padding = usize::from(packet[total - 1]);
                if total != rest.len() || padding == 0 || padding > body.len() {
                    return Err(RtcpError::BadPadding);
                }
                body = &body[..body.len() - padding];
            }
            packets.push(Self::parse_one(packet[1], packet[0] & 0x1f, body)?);
            rest = &rest[total..];
        }
        Ok(packets)
    }

    fn parse_one(packet_type: u8, count: u8, body: &[u8]) -> Result<Self, RtcpError> {
        Ok(match packet_type {
            PT_SR => RtcpPacket::SenderReport(SenderReport::parse_body(count, body)?),
            PT_RR => RtcpPacket::ReceiverReport(ReceiverReport::parse_body(count, body)?),
            PT_SDES => RtcpPacket::SourceDescription(SourceDescription::parse_body(count, body)?),
            PT_BYE => RtcpPacket::Goodbye(Goodbye::parse_body(count, body)?),
            PT_APP => RtcpPacket::App(AppPacket::parse_body(count, body)?),
            PT_XR => RtcpPacket::ExtendedReport(ExtendedReport::parse_body(body)?),
            _ => RtcpPacket::Unknown {
                packet_type,
                count,
                body: body.to_vec(),
            },
        })
    }

    /// The packet type field.
    pub fn packet_type(&self) -> u8 {
        match self {
            RtcpPacket::SenderReport(_) => PT_SR,
            RtcpPacket::ReceiverReport(_) => PT_RR,
            RtcpPacket::SourceDescription(_) => PT_SDES,
            RtcpPacket::Goodbye(_) => PT_BYE,
            RtcpPacket::App(_) => PT_APP,
            RtcpPacket::ExtendedReport(_) => PT_XR,
            RtcpPacket::Unknown { packet_type, .. } => *packet_type,
        }
    }

    /// Appends this packet, header included.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        let count = match self {
            RtcpPacket::SenderReport(report) => report.write_body(out),
            RtcpPacket::ReceiverReport(report) => report.write_body(out),
            RtcpPacket::SourceDescription(sdes) => sdes.write_body(out),
            RtcpPacket::Goodbye(bye) => bye.write_body(out),
            RtcpPacket::App(app) => app.write_body(out),
            RtcpPacket::ExtendedReport(xr) => xr.write_body(out),
            RtcpPacket::Unknown { count, body, .. } => {
                out.extend_from_slice(body);
                *count
            }
        };
        // Bodies are whole words except an unknown one kept as received; pad that with zeros.
        out.resize(start + (out.len() - start).div_ceil(4) * 4, 0);
        let words = (out.len() - start) / 4 - 1;
        out[start] = 0x80 | (count & 0x1f);
        out[start + 1] = self.packet_type();
        let words = u16::try_from(words).unwrap_or(u16::MAX);
        out[start + 2..start + 4].copy_from_slice(&words.to_be_bytes());
    }

    /// Serializes packets into one compound datagram.
    pub fn compound_to_bytes(packets: &[RtcpPacket]) -> Vec<u8> {
        let mut out = Vec::new();
        for packet in packets {
            packet.write_to(&mut out);
        }
        out
    }
}

pub(crate) fn take<'a>(
    body: &mut &'a [u8],
    len: usize,
    what: &'static str,
) -> Result<&'a [u8], RtcpError> {
    if body.len() < len {
        return Err(RtcpError::Truncated(what));
    }
    let (head, tail) = body.split_at(len);
    *body = tail;
    Ok(head)
}

pub(crate) fn take_u32(body: &mut &[u8], what: &'static str) -> Result<u32, RtcpError> {
    take(body, 4, what).map(crate::rtp::read_u32)
}
