//! Redundant audio data (RED, RFC 2198): a primary encoding plus copies of earlier frames,
//! so that a lost packet can be recovered from the next one.

use std::collections::VecDeque;

use thiserror::Error;

/// The most redundant blocks the encoder adds.
pub const MAX_RED_DEPTH: usize = 3;
/// The longest block a RED header can describe (10-bit length).
pub const MAX_BLOCK_LEN: usize = 1023;
/// The largest timestamp offset a RED header can carry (14 bits).
pub const MAX_TIMESTAMP_OFFSET: u32 = 0x3fff;
/// Recently delivered timestamps the decoder remembers to skip redundant copies of.
const DELIVERED_MEMORY: usize = 32;

/// Why a RED payload cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RedError {
    /// The block headers or data run past the end of the payload.
    #[error("RED payload is truncated")]
    Truncated,
}

/// One redundant block: an earlier frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedBlock {
    /// Its payload type.
    pub payload_type: u8,
    /// How far its timestamp lies before the packet's.
    pub timestamp_offset: u16,
    /// The encoded frame.
    pub payload: Vec<u8>,
}

/// A RED payload: redundant blocks oldest first, then the primary encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedPayload {
    /// Redundant blocks in wire order (oldest first).
    pub redundant: Vec<RedBlock>,
    /// The primary encoding's payload type.
    pub primary_payload_type: u8,
    /// The primary encoding.
    pub primary: Vec<u8>,
}

/// A frame recovered from a RED payload, with its own timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedFrame {
    /// Its RTP timestamp.
    pub timestamp: u32,
    /// Its payload type.
    pub payload_type: u8,
    /// The encoded frame.
    pub payload: Vec<u8>,
    /// Whether it is the packet's primary encoding.
    pub primary: bool,
}

impl RedPayload {
    /// Reads the block headers and blocks.
    pub fn parse(bytes: &[u8]) -> Result<Self, RedError> {
        let mut headers = Vec::new();
        let mut offset = 0;
        let primary_payload_type = loop {
            let first = *bytes.get(offset).ok_or(RedError::Truncated)?;
            if first & 0x80 == 0 {
                offset += 1;
                break first & 0x7f;
            }
            let header = bytes.get(offset..offset + 4).ok_or(RedError::Truncated)?;
            let word = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
            headers.push((
                first & 0x7f,
                ((word >> 10) & MAX_TIMESTAMP_OFFSET) as u16,
                (word & 0x3ff) as usize,
            ));
            offset += 4;
        };
        let mut redundant = Vec::with_capacity(headers.len());
        for (payload_type, timestamp_offset, len) in headers {
            let payload = bytes.get(offset..offset + len).ok_or(RedError::Truncated)?;
            offset += len;
            redundant.push(RedBlock {
                payload_type,
                timestamp_offset,
                payload: payload.to_vec(),
            });
        }
        Ok(RedPayload {
            redundant,
            primary_payload_type,
            primary: bytes[offset..].to_vec(),
        })
    }

    /// Writes the payload; blocks longer than 1023 bytes are left out.
    pub fn to_bytes(&self) -> Vec<u8> {
        let blocks: Vec<&RedBlock> = self
            .redundant
            .iter()
            .filter(|block| block.payload.len() <= MAX_BLOCK_LEN)
            .collect();
        let mut out = Vec::new();
        for block in &blocks {
            let word = 0x8000_0000
                | u32::from(block.payload_type & 0x7f) << 24
                | (u32::from(block.timestamp_offset) & MAX_TIMESTAMP_OFFSET) << 10
                | block.payload.len() as u32;
            out.extend_from_slice(&word.to_be_bytes());
        }
        out.push(self.primary_payload_type & 0x7f);
        for block in &blocks {
            out.extend_from_slice(&block.payload);
        }
        out.extend_from_slice(&self.primary);
        out
    }

    /// Every frame with its timestamp, oldest first, for a packet with `rtp_timestamp`.
    pub fn frames(&self, rtp_timestamp: u32) -> Vec<RedFrame> {
        let mut frames: Vec<RedFrame> = self
            .redundant
            .iter()
            .map(|block| RedFrame {
                timestamp: rtp_timestamp.wrapping_sub(u32::from(block.timestamp_offset)),
                payload_type: block.payload_type,
                payload: block.payload.clone(),
                primary: false,
            })
            .collect();
        frames.push(RedFrame {
            timestamp: rtp_timestamp,
            payload_type: self.primary_payload_type,
            payload: self.primary.clone(),
            primary: true,
        });
        frames
    }
}

/// Builds RED payloads, remembering the last frames to repeat.
#[derive(Debug, Clone)]
pub struct RedEncoder {
    depth: usize,
    history: VecDeque<(u32, u8, Vec<u8>)>,
}

impl RedEncoder {
    /// An encoder repeating `depth` earlier frames (at most 3; 0 sends the primary only).
    pub fn new(depth: usize) -> Self {
        let depth = depth.min(MAX_RED_DEPTH);
        RedEncoder {
            depth,
            history: VecDeque::with_capacity(depth + 1),
        }
    }

    /// The RED payload for a frame with `timestamp`, carrying the earlier frames that still
    /// fit (offset within 14 bits, length within 10 bits).
    pub fn encode(&mut self, timestamp: u32, payload_type: u8, payload: &[u8]) -> Vec<u8> {
        let redundant =
            self.history
                .iter()
                .filter_map(|(earlier, earlier_type, frame)| {
                    let offset = timestamp.wrapping_sub(*earlier);
                    (offset > 0 && offset <= MAX_TIMESTAMP_OFFSET && frame.len() <= MAX_BLOCK_LEN)
                        .then(|| RedBlock {
                            payload_type: *earlier_type,
                            timestamp_offset: offset as u16,
                            payload: frame.clone(),
                        })
                })
                .collect();
        let packet = RedPayload {
            redundant,
            primary_payload_type: payload_type,
            primary: payload.to_vec(),
        };
        if self.depth > 0 {
            if self.history.len() == self.depth {
                self.history.pop_front();
            }
            self.history
                .push_back((timestamp, payload_type, payload.to_vec()));
        }
        packet.to_bytes()
    }
}

/// Unpacks RED payloads into the frames not yet delivered.
#[derive(Debug, Clone, Default)]
pub struct RedDecoder {
    delivered: VecDeque<u32>,
}

impl RedDecoder {
    /// A decoder that has delivered nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The primary frame and any redundant frames recovering earlier losses, oldest first.
    /// Redundant copies of frames already delivered are dropped; so is a duplicate primary.
    pub fn decode(
        &mut self,
        rtp_timestamp: u32,
        payload: &[u8],
    ) -> Result<Vec<RedFrame>, RedError> {
        let packet = RedPayload::parse(payload)?;
        // How far before this packet a timestamp lies (negative: after it).
        let age = |timestamp: u32| rtp_timestamp.wrapping_sub(timestamp) as i32;
        let oldest_remembered = self.delivered.iter().map(|&t| age(t)).max();
        let frames: Vec<RedFrame> = packet
            .frames(rtp_timestamp)
            .into_iter()
            .filter(|frame| !self.delivered.contains(&frame.timestamp))
            // A redundant copy from before everything remembered came too late to help.
            .filter(|frame| {
                frame.primary
                    || oldest_remembered.is_none_or(|oldest| age(frame.timestamp) < oldest)
            })
            .collect();
        for frame in &frames {
            if self.delivered.len() == DELIVERED_MEMORY {
                self.delivered.pop_front();
            }
            self.delivered.push_back(frame.timestamp);
        }
        Ok(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_matches_rfc_2198() {
        let payload = RedPayload {
            redundant: vec![RedBlock {
                payload_type: 0,
                timestamp_offset: 160,
                payload: vec![1; 5],
            }],
            primary_payload_type: 0,
            primary: vec![2; 3],
        };
        let bytes = payload.to_bytes();
        // F=1, PT 0, offset 160, length 5; then F=0, PT 0.
        assert_eq!(&bytes[..5], &[0x80, 0x02, 0x80, 0x05, 0x00]);
        assert_eq!(&bytes[5..], &[1, 1, 1, 1, 1, 2, 2, 2]);
        assert_eq!(RedPayload::parse(&bytes).unwrap(), payload);
    }

    #[test]
    fn encoder_carries_depth_frames() {
        let mut encoder = RedEncoder::new(2);
        let first = RedPayload::parse(&encoder.encode(1000, 9, b"a")).unwrap();
        assert!(first.redundant.is_empty());
        encoder.encode(1160, 9, b"b");
        let third = RedPayload::parse(&encoder.encode(1320, 9, b"c")).unwrap();
        let offsets: Vec<u16> = third.redundant.iter().map(|b| b.timestamp_offset).collect();
        assert_eq!(offsets, vec![320, 160]);
        let frames = third.frames(1320);
        assert_eq!(frames[0].timestamp, 1000);
        assert_eq!(frames[0].payload, b"a");
        assert_eq!(frames[2].payload, b"c");
        assert!(frames[2].primary);
        let mut plain = RedEncoder::new(0);
        plain.encode(0, 0, b"x");
        assert!(RedPayload::parse(&plain.encode(160, 0, b"y"))
            .unwrap()
            .redundant
            .is_empty());
        assert_eq!(RedEncoder::new(9).depth, MAX_RED_DEPTH);
    }

    #[test]
    fn encoder_skips_blocks_that_do_not_fit() {
        let mut encoder = RedEncoder::new(3);
        encoder.encode(0, 0, &[0; 1024]);
        encoder.encode(100, 0, b"ok");
        let packet = RedPayload::parse(&encoder.encode(20_000, 0, b"now")).unwrap();
        assert!(
            packet.redundant.is_empty(),
            "too old and too long are dropped"
        );
        let packet = RedPayload::parse(&encoder.encode(20_160, 0, b"next")).unwrap();
        assert_eq!(packet.redundant.len(), 1);
    }

    #[test]
    fn decoder_recovers_losses_once() {
        let mut encoder = RedEncoder::new(2);
        let packets: Vec<(u32, Vec<u8>)> = (0..6u32)
            .map(|n| (n * 160, encoder.encode(n * 160, 0, &[n as u8; 4])))
            .collect();
        let mut decoder = RedDecoder::new();
        let mut got = Vec::new();
        // Packets 2 and 3 are lost.
        for (timestamp, payload) in packets.iter().filter(|(t, _)| ![320, 480].contains(t)) {
            for frame in decoder.decode(*timestamp, payload).unwrap() {
                got.push(frame.timestamp);
            }
        }
        assert_eq!(got, vec![0, 160, 320, 480, 640, 800]);
        // A duplicate yields nothing new.
        assert!(decoder
            .decode(packets[5].0, &packets[5].1)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn malformed_payloads_are_errors_not_panics() {
        assert_eq!(RedPayload::parse(&[]), Err(RedError::Truncated));
        assert_eq!(RedPayload::parse(&[0x80, 0, 0]), Err(RedError::Truncated));
        assert_eq!(
            RedPayload::parse(&[0x80, 0, 0x04, 0x05, 0x00, 1]),
            Err(RedError::Truncated)
        );
        let mut state = 0x7777_u32;
        let mut decoder = RedDecoder::new();
        for n in 0..5000u32 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let len = (state % 40) as usize;
            let bytes: Vec<u8> = (0..len).map(|i| (state >> (i % 24)) as u8).collect();
            if let Ok(packet) = RedPayload::parse(&bytes) {
                assert_eq!(RedPayload::parse(&packet.to_bytes()).unwrap(), packet);
            }
            let _ = decoder.decode(n.wrapping_mul(160), &bytes);
        }
    }
}
