//! Just enough of the Ogg container (RFC 3533) and Ogg Opus (RFC 7845) to move Opus packets
//! to and from ffmpeg.

/// CRC-32 of Ogg pages: polynomial 0x04C11DB7, most significant bit first, no reflection.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for byte in data {
        crc ^= u32::from(*byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The packets of the first logical stream of an Ogg file, in order.
pub fn read_packets(file: &[u8]) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    let mut current = Vec::new();
    let mut offset = 0;
    while offset + 27 <= file.len() {
        assert_eq!(
            &file[offset..offset + 4],
            b"OggS",
            "page capture pattern at {offset}"
        );
        let segments = usize::from(file[offset + 26]);
        let table = &file[offset + 27..offset + 27 + segments];
        let mut data = offset + 27 + segments;
        for lacing in table {
            let length = usize::from(*lacing);
            current.extend_from_slice(&file[data..data + length]);
            data += length;
            if length < 255 {
                packets.push(std::mem::take(&mut current));
            }
        }
        offset = data;
    }
    packets
}

/// The pre-skip field of an OpusHead packet.
pub fn pre_skip(head: &[u8]) -> usize {
    assert_eq!(&head[..8], b"OpusHead");
    usize::from(u16::from_le_bytes([head[10], head[11]]))
}

/// A mono Ogg Opus file holding `packets` of `frame_samples` samples each (48 kHz), with the
/// given pre-skip.
pub fn write_opus(packets: &[Vec<u8>], frame_samples: u64, pre_skip: u16) -> Vec<u8> {
    let mut head = b"OpusHead".to_vec();
    head.push(1); // version
    head.push(1); // channels
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&48_000u32.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // channel mapping family
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&4u32.to_le_bytes());
    tags.extend_from_slice(b"test");
    tags.extend_from_slice(&0u32.to_le_bytes());

    let mut file = Vec::new();
    let serial = 0x0BAD_CAFEu32;
    let mut sequence = 0u32;
    let mut page = |file: &mut Vec<u8>, packet: &[u8], granule: u64, flags: u8| {
        assert!(packet.len() < 255 * 255, "one packet per page");
        let mut lacing = vec![255u8; packet.len() / 255];
        lacing.push((packet.len() % 255) as u8);
        let mut bytes = b"OggS".to_vec();
        bytes.push(0);
        bytes.push(flags);
        bytes.extend_from_slice(&granule.to_le_bytes());
        bytes.extend_from_slice(&serial.to_le_bytes());
        bytes.extend_from_slice(&sequence.to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
        bytes.push(lacing.len() as u8);
        bytes.extend_from_slice(&lacing);
        bytes.extend_from_slice(packet);
        let crc = crc32(&bytes);
        bytes[22..26].copy_from_slice(&crc.to_le_bytes());
        file.extend_from_slice(&bytes);
        sequence += 1;
    };
    page(&mut file, &head, 0, 0x02);
    page(&mut file, &tags, 0, 0);
    for (index, packet) in packets.iter().enumerate() {
        let granule = (index as u64 + 1) * frame_samples;
        let flags = if index + 1 == packets.len() { 0x04 } else { 0 };
        page(&mut file, packet, granule, flags);
    }
    file
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc_of_known_input() {
        // CRC-32/MPEG-2 without the final inversion and initial all-ones: the Ogg variant.
        assert_eq!(super::crc32(b"123456789"), 0x89A1_897F);
    }
}
