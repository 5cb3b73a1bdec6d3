//! The RTP fixed header, CSRC list, header extension and padding (RFC 3550 §5.1, §5.3.1).

use thiserror::Error;

/// The only RTP version in use (RFC 3550 §5.1).
pub const RTP_VERSION: u8 = 2;
/// Length of the fixed header before CSRCs and extension.
pub const FIXED_HEADER_LEN: usize = 12;

/// Why bytes are not an acceptable RTP packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtpError {
    /// Fewer bytes than the fixed header.
    #[error("packet of {0} bytes is shorter than the RTP fixed header")]
    TooShort(usize),
    /// The version field is not 2.
    #[error("RTP version {0} is not 2")]
    BadVersion(u8),
    /// The CSRC count promises more identifiers than the packet holds.
    #[error("CSRC list runs past the end of the packet")]
    CsrcTruncated,
    /// The extension header or its data runs past the end of the packet.
    #[error("header extension runs past the end of the packet")]
    ExtensionTruncated,
    /// The padding count is zero or larger than what follows the header.
    #[error("padding length {0} is invalid")]
    BadPadding(u8),
}

/// The header extension (RFC 3550 §5.3.1), kept as it came: profile word and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderExtension {
    /// The 16-bit "defined by profile" field (0xBEDE for RFC 8285 one-byte headers).
    pub profile: u16,
    /// The extension data; written padded with zeros to a multiple of four bytes.
    pub data: Vec<u8>,
}

/// The RTP header fields other than version, padding and counts, which follow from them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RtpHeader {
    /// The marker bit: for audio, the first packet of a talkspurt or of an RFC 4733 event.
    pub marker: bool,
    /// Payload type (7 bits; higher bits are dropped when written).
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Sampling instant of the first octet of the payload, in the payload's clock.
    pub timestamp: u32,
    /// Synchronization source.
    pub ssrc: u32,
    /// Contributing sources (at most 15 are written).
    pub csrcs: Vec<u32>,
    /// The header extension, if present.
    pub extension: Option<HeaderExtension>,
}

impl RtpHeader {
    /// Parses the header, returning it with its length in bytes (where the payload starts).
    pub fn parse(bytes: &[u8]) -> Result<(Self, usize), RtpError> {
        if bytes.len() < FIXED_HEADER_LEN {
            return Err(RtpError::TooShort(bytes.len()));
        }
        let version = bytes[0] >> 6;
        if version != RTP_VERSION {
            return Err(RtpError::BadVersion(version));
        }
        let has_extension = bytes[0] & 0x10 != 0;
        let csrc_count = usize::from(bytes[0] & 0x0f);
        let marker = bytes[1] & 0x80 != 0;
        let payload_type = bytes[1] & 0x7f;
        let mut offset = FIXED_HEADER_LEN;
        let csrc_end = offset + 4 * csrc_count;
        let csrc_bytes = bytes.get(offset..csrc_end).ok_or(RtpError::CsrcTruncated)?;
        let csrcs = csrc_bytes.chunks_exact(4).map(read_u32).collect();
        offset = csrc_end;
        let extension = if has_extension {
            let head = bytes
                .get(offset..offset + 4)
                .ok_or(RtpError::ExtensionTruncated)?;
            let profile = u16::from_be_bytes([head[0], head[1]]);
            let words = usize::from(u16::from_be_bytes([head[2], head[3]]));
            let data_end = offset + 4 + 4 * words;
            let data = bytes
                .get(offset + 4..data_end)
                .ok_or(RtpError::ExtensionTruncated)?
                .to_vec();
            offset = data_end;
            Some(HeaderExtension { profile, data })
        } else {
            None
        };
        let header = RtpHeader {
            marker,
            payload_type,
            sequence: u16::from_be_bytes([bytes[2], bytes[3]]),
            timestamp: read_u32(&bytes[4..8]),
            ssrc: read_u32(&bytes[8..12]),
            csrcs,
            extension,
        };
        Ok((header, offset))
    }

    /// The number of bytes [`RtpHeader::write_to`] produces.
    pub fn len(&self) -> usize {
        let extension = self
            .extension
            .as_ref()
            .map_or(0, |e| 4 + e.data.len().div_ceil(4) * 4);
        FIXED_HEADER_LEN + 4 * self.csrcs.len().min(15) + extension
    }

    /// Always false: a header has at least the fixed twelve bytes.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends the header; `padding` sets the P bit.
    pub fn write_to(&self, padding: bool, out: &mut Vec<u8>) {
        let csrcs = &self.csrcs[..self.csrcs.len().min(15)];
        let mut first = RTP_VERSION << 6;
        if padding {
            first |= 0x20;
        }
        if self.extension.is_some() {
            first |= 0x10;
        }
        // At most 15 CSRCs are written, so the count fits in four bits.
        first |= csrcs.len() as u8;
        out.push(first);
        out.push(u8::from(self.marker) << 7 | (self.payload_type & 0x7f));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for csrc in csrcs {
            out.extend_from_slice(&csrc.to_be_bytes());
        }
        if let Some(extension) = &self.extension {
            // The length field is 16 bits of words; longer data is cut at that limit.
            let words = extension.data.len().div_ceil(4).min(usize::from(u16::MAX));
            out.extend_from_slice(&extension.profile.to_be_bytes());
            out.extend_from_slice(&(words as u16).to_be_bytes());
            let data = &extension.data[..extension.data.len().min(words * 4)];
            out.extend_from_slice(data);
            out.resize(out.len() + (words * 4 - data.len()), 0);
        }
    }
}

/// A whole RTP packet: header, payload and padding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RtpPacket {
    /// The header.
    pub header: RtpHeader,
    /// The payload, without padding.
    pub payload: Vec<u8>,
    /// Number of padding bytes including the final count byte; 0 means no padding.
    pub padding: u8,
}

impl RtpPacket {
    /// Parses and validates a packet (RFC 3550 §5.1 and the checks of Appendix A.1).
    pub fn parse(bytes: &[u8]) -> Result<Self, RtpError> {
        let (header, offset) = RtpHeader::parse(bytes)?;
        let mut end = bytes.len();
        let mut padding = 0;
        if bytes[0] & 0x20 != 0 {
            padding = bytes[end - 1];
            if padding == 0 || usize::from(padding) > end - offset {
                return Err(RtpError::BadPadding(padding));
            }
            end -= usize::from(padding);
        }
        Ok(RtpPacket {
            header,
            payload: bytes[offset..end].to_vec(),
            padding,
        })
    }

    /// Serializes the packet.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.header.len() + self.payload.len() + 4);
        self.write_to(&mut out);
        out
    }

    /// Appends the serialized packet to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        self.header.write_to(self.padding > 0, out);
        out.extend_from_slice(&self.payload);
        if self.padding > 0 {
            out.resize(out.len() + usize::from(self.padding) - 1, 0);
            out.push(self.padding);
        }
    }
}

/// Whether a datagram on a multiplexed port is RTCP rather than RTP (RFC 5761 §4: the second
/// byte, an RTCP packet type, is 192–223).
pub fn is_rtcp(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] >> 6 == RTP_VERSION && (192..=223).contains(&bytes[1])
}

pub(crate) fn read_u32(bytes: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_be_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RtpPacket {
        RtpPacket {
            header: RtpHeader {
                marker: true,
                payload_type: 8,
                sequence: 0xfffe,
                timestamp: 0x1234_5678,
                ssrc: 0xdead_beef,
                csrcs: vec![1, 2],
                extension: Some(HeaderExtension {
                    profile: 0xbede,
                    data: vec![0x10, 0xaa, 0, 0],
                }),
            },
            payload: vec![1, 2, 3, 4, 5],
            padding: 3,
        }
    }

    #[test]
    fn round_trip_with_everything() {
        let packet = sample();
        let bytes = packet.to_bytes();
        assert_eq!(bytes[0], 0b1011_0010);
        assert_eq!(bytes[1], 0x88);
        assert_eq!(bytes.len(), 12 + 8 + 8 + 5 + 3);
        assert_eq!(*bytes.last().unwrap(), 3);
        assert_eq!(RtpPacket::parse(&bytes).unwrap(), packet);
    }

    #[test]
    fn plain_packet_layout() {
        let packet = RtpPacket {
            header: RtpHeader {
                payload_type: 0,
                sequence: 1,
                timestamp: 160,
                ssrc: 7,
                ..RtpHeader::default()
            },
            payload: vec![0xff; 160],
            padding: 0,
        };
        let bytes = packet.to_bytes();
        assert_eq!(&bytes[..12], &[0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7]);
        let (header, len) = RtpHeader::parse(&bytes).unwrap();
        assert_eq!(len, 12);
        assert_eq!(header.len(), 12);
    }

    #[test]
    fn extension_data_is_padded_to_words() {
        let mut packet = sample();
        packet.header.extension = Some(HeaderExtension {
            profile: 1,
            data: vec![9; 5],
        });
        let parsed = RtpPacket::parse(&packet.to_bytes()).unwrap();
        assert_eq!(
            parsed.header.extension.unwrap().data,
            vec![9, 9, 9, 9, 9, 0, 0, 0]
        );
    }

    #[test]
    fn rejects_malformed_packets() {
        let good = sample().to_bytes();
        assert_eq!(RtpPacket::parse(&good[..11]), Err(RtpError::TooShort(11)));
        let mut bad_version = good.clone();
        bad_version[0] = (bad_version[0] & 0x3f) | 0x40;
        assert_eq!(RtpPacket::parse(&bad_version), Err(RtpError::BadVersion(1)));
        assert_eq!(RtpPacket::parse(&good[..16]), Err(RtpError::CsrcTruncated));
        assert_eq!(
            RtpPacket::parse(&good[..24]),
            Err(RtpError::ExtensionTruncated)
        );
        let mut zero_padding = good.clone();
        *zero_padding.last_mut().unwrap() = 0;
        assert_eq!(
            RtpPacket::parse(&zero_padding),
            Err(RtpError::BadPadding(0))
        );
        let mut huge_padding = good;
        *huge_padding.last_mut().unwrap() = 200;
        assert_eq!(
            RtpPacket::parse(&huge_padding),
            Err(RtpError::BadPadding(200))
        );
    }

    #[test]
    fn demultiplexes_rtcp() {
        assert!(is_rtcp(&[0x80, 200, 0, 6]));
        assert!(is_rtcp(&[0x81, 201, 0, 7]));
        assert!(!is_rtcp(&[0x80, 0x08]));
        assert!(!is_rtcp(&[0x80, 0xe5]));
        assert!(!is_rtcp(&[0x80]));
    }

    #[test]
    fn truncations_and_bit_flips_never_panic() {
        let good = sample().to_bytes();
        for len in 0..good.len() {
            let _ = RtpPacket::parse(&good[..len]);
        }
        let mut state = 0x2545_f491_u32;
        for _ in 0..5000 {
            let mut bytes = good.clone();
            for _ in 0..3 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let index = state as usize % bytes.len();
                bytes[index] ^= (state >> 24) as u8;
            }
            if let Ok(packet) = RtpPacket::parse(&bytes) {
                assert_eq!(RtpPacket::parse(&packet.to_bytes()).unwrap(), packet);
            }
        }
    }
}
