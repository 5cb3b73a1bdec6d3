//! What a packet says about itself without decoding it: its duration (RFC 6716 §3.1) and
//! whether it carries in-band FEC.

use super::MAX_PACKET_SAMPLES;
use crate::CodecError;

/// Number of samples at 48 kHz in one packet, from its table-of-contents byte(s) (RFC 6716 §3.1).
pub fn packet_samples(packet: &[u8]) -> Result<usize, CodecError> {
    let bad = |reason| CodecError::BadPayload {
        codec: "opus",
        reason,
    };
    let toc = *packet.first().ok_or(bad("empty packet"))?;
    let config = toc >> 3;
    // Frame length in units of 2.5 ms (120 samples).
    let frame_units = match config {
        0..=11 => [4, 8, 16, 24][usize::from(config % 4)],
        12..=15 => [4, 8][usize::from(config % 2)],
        _ => [1, 2, 4, 8][usize::from(config % 4)],
    };
    let frames = match toc & 0x03 {
        0 => 1,
        1 | 2 => 2,
        _ => usize::from(
            *packet
                .get(1)
                .ok_or(bad("code 3 packet without frame count"))?
                & 0x3F,
        ),
    };
    let samples = frames * frame_units * 120;
    if samples == 0 || samples > MAX_PACKET_SAMPLES {
        return Err(bad("packet duration outside 2.5-120 ms"));
    }
    Ok(samples)
}

/// Whether the first frame of a packet has SILK LBRR (in-band FEC) data (RFC 6716 §4.2.3-4.2.4).
pub fn carries_fec(packet: &[u8]) -> bool {
    let Some(&toc) = packet.first() else {
        return false;
    };
    // CELT-only packets have no SILK layer, hence no LBRR.
    if toc >> 3 >= 16 {
        return false;
    }
    let stereo = toc & 0x04 != 0;
    let first_frame = match toc & 0x03 {
        // Codes 0-2 start the frame data right after the TOC (code 1/2 add a length for 2).
        0 | 1 => packet.get(1..),
        2 => frame_after_length(packet, 1),
        _ => code3_first_frame(packet),
    };
    let Some(&first) = first_frame.and_then(|frame| frame.first()) else {
        return false;
    };
    // The range coder's first symbols are the VAD flags then the LBRR flag, each taking half
    // the probability space: they are the top bits of the first byte.
    let silk_frames = match (toc >> 3) % 4 {
        // 10 and 20 ms SILK frames carry one VAD flag, 40 ms two, 60 ms three (hybrid: 1).
        2 if toc >> 3 < 12 => 2,
        3 if toc >> 3 < 12 => 3,
        _ => 1,
    };
    let lbrr_bit: u32 = 7 - silk_frames;
    let mid_has_lbrr = first & (1 << lbrr_bit) != 0;
    if stereo {
        let side_lbrr_bit = lbrr_bit.saturating_sub(silk_frames + 1);
        mid_has_lbrr || first & (1 << side_lbrr_bit) != 0
    } else {
        mid_has_lbrr
    }
}

/// The frame data after a one- or two-byte frame length at `offset`.
fn frame_after_length(packet: &[u8], offset: usize) -> Option<&[u8]> {
    let first = *packet.get(offset)?;
    let skip = if first < 252 { 1 } else { 2 };
    packet.get(offset + skip..)
}

/// The first frame of a code 3 packet, skipping the frame count and padding lengths.
fn code3_first_frame(packet: &[u8]) -> Option<&[u8]> {
    let count_byte = *packet.get(1)?;
    let mut offset = 2;
    if count_byte & 0x40 != 0 {
        // Padding length bytes: 255 means "254 and another byte follows".
        loop {
            let value = *packet.get(offset)?;
            offset += 1;
            if value != 255 {
                break;
            }
        }
    }
    if count_byte & 0x80 != 0 {
        // VBR: the first frame's length comes first.
        frame_after_length(packet, offset)
    } else {
        packet.get(offset..)
    }
}

/// A frame length of one or two bytes at `offset` (RFC 6716 §3.2.1): the length, and the
/// bytes it took.
fn frame_length(packet: &[u8], offset: usize) -> Option<(usize, usize)> {
    let first = usize::from(*packet.get(offset)?);
    if first < 252 {
        Some((first, 1))
    } else {
        Some((first + 4 * usize::from(*packet.get(offset + 1)?), 2))
    }
}

/// The length in bytes of the shortest frame of a packet (RFC 6716 §3.2), or `None` when the
/// packet is malformed. Frames of 0 or 1 byte carry no audio (discontinuous transmission).
pub(crate) fn shortest_frame(packet: &[u8]) -> Option<usize> {
    let toc = *packet.first()?;
    let body = packet.len() - 1;
    match toc & 0x03 {
        0 => Some(body),
        1 => body.is_multiple_of(2).then_some(body / 2),
        2 => {
            let (first, size) = frame_length(packet, 1)?;
            let second = body.checked_sub(size + first)?;
            Some(first.min(second))
        }
        _ => {
            let count_byte = *packet.get(1)?;
            let frames = usize::from(count_byte & 0x3F);
            let mut offset = 2;
            let mut padding = 0;
            if count_byte & 0x40 != 0 {
                loop {
                    let value = *packet.get(offset)?;
                    offset += 1;
                    padding += usize::from(value.min(254));
                    if value != 255 {
                        break;
                    }
                }
            }
            let data = packet.len().checked_sub(offset + padding)?;
            if frames == 0 {
                return None;
            }
            if count_byte & 0x80 == 0 {
                return data.is_multiple_of(frames).then_some(data / frames);
            }
            let mut shortest = usize::MAX;
            let mut used = 0;
            for _ in 1..frames {
                let (length, size) = frame_length(packet, offset)?;
                offset += size;
                used += size + length;
                shortest = shortest.min(length);
            }
            Some(shortest.min(data.checked_sub(used)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shortest_frame;

    #[test]
    fn shortest_frame_of_each_packet_code() {
        assert_eq!(shortest_frame(&[0x08]), Some(0), "TOC only");
        assert_eq!(shortest_frame(&[0x08, 1, 2, 3]), Some(3));
        assert_eq!(
            shortest_frame(&[0x09, 1, 2, 3, 4]),
            Some(2),
            "two equal frames"
        );
        assert_eq!(shortest_frame(&[0x09, 1, 2, 3]), None, "odd length");
        assert_eq!(
            shortest_frame(&[0x0A, 1, 9, 8, 7]),
            Some(1),
            "first frame 1 byte"
        );
        assert_eq!(shortest_frame(&[0x0A, 5, 9]), None, "first frame too long");
        // Code 3, CBR, three frames of two bytes.
        assert_eq!(shortest_frame(&[0x0B, 3, 1, 2, 3, 4, 5, 6]), Some(2));
        // Code 3, VBR with padding: frames of 3 and 0 bytes, 2 bytes of padding.
        assert_eq!(shortest_frame(&[0x0B, 0xC2, 2, 3, 7, 7, 7, 0, 0]), Some(0));
        assert_eq!(shortest_frame(&[0x0B, 0x00]), None, "no frames");
    }
}
