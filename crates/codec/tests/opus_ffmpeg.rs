//! Opus against libopus (through ffmpeg): our decoder on a libopus stream, and libopus on our
//! stream. Ours is libopus 1.3.1 translated to Rust, like Debian's libopus but without its SIMD
//! code paths, whose float rounding differs: the two decodes of the same packets agree to the
//! last bit in nearly every sample, and within one unit everywhere.

mod common;

use common::{
    comparison_signal, libopus_decode, libopus_encode, ogg, read_pcm, snr_db, tool, write_pcm,
};
use handset_codec::opus::{OpusAudioDecoder, OpusAudioEncoder, OpusSettings};
use handset_codec::{AudioDecoder, AudioEncoder};

/// Checks that two decodes of the same packets differ by at most one unit, in at most one
/// sample in a thousand, and prints how they agree.
fn assert_near_bit_exact(what: &str, reference: &[i16], ours: &[i16]) {
    let differences: Vec<i32> = reference
        .iter()
        .zip(ours)
        .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
        .filter(|difference| *difference != 0)
        .collect();
    let largest = differences.iter().copied().max().unwrap_or(0);
    println!(
        "{what}: {:.1} dB, {} of {} samples differ, by at most {largest}",
        snr_db(reference, ours),
        differences.len(),
        reference.len()
    );
    assert!(largest <= 1, "{what}: samples differ by {largest}");
    assert!(
        differences.len() * 1000 <= reference.len(),
        "{what}: {} samples differ",
        differences.len()
    );
}

fn decode_all(packets: &[Vec<u8>]) -> Vec<i16> {
    let mut decoder = OpusAudioDecoder::new().expect("decoder");
    let mut out = Vec::new();
    let mut pcm = vec![0i16; 5760];
    for packet in packets {
        let samples = decoder.decode(packet, &mut pcm).expect("decode");
        out.extend_from_slice(&pcm[..samples]);
    }
    out
}

#[test]
fn our_decoder_agrees_with_libopus_on_a_libopus_stream() {
    let Some(ffmpeg_path) = tool("ffmpeg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let signal = comparison_signal(dir.path(), &ffmpeg_path, 48000);
    let input = dir.path().join("in.raw");
    let encoded = dir.path().join("libopus.opus");
    let decoded = dir.path().join("libopus.raw");
    write_pcm(&input, &signal);
    libopus_encode(&ffmpeg_path, &input, &encoded, "voip", "32k");
    libopus_decode(&ffmpeg_path, &encoded, &decoded);
    let reference = read_pcm(&decoded);

    let packets = ogg::read_packets(&std::fs::read(&encoded).expect("ogg file"));
    let skip = ogg::pre_skip(&packets[0]);
    let ours = decode_all(&packets[2..]);
    let ours = &ours[skip..];
    let length = ours.len().min(reference.len());
    assert!(
        length + 960 >= signal.len(),
        "decoded {length} of {} samples",
        signal.len()
    );
    assert_near_bit_exact(
        "our decoder vs libopus on a libopus 32 kbit/s VoIP stream",
        &reference[..length],
        &ours[..length],
    );
}

#[test]
fn libopus_decodes_our_stream() {
    let Some(ffmpeg_path) = tool("ffmpeg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let signal = comparison_signal(dir.path(), &ffmpeg_path, 48000);
    let mut encoder = OpusAudioEncoder::new(OpusSettings::default()).expect("encoder");
    let mut packets = Vec::new();
    let mut payload = [0u8; 1500];
    for frame in signal.chunks_exact(960) {
        let length = encoder.encode(frame, &mut payload).expect("encode");
        packets.push(payload[..length].to_vec());
    }
    let encoded = dir.path().join("ours.opus");
    let decoded = dir.path().join("ours.raw");
    std::fs::write(&encoded, ogg::write_opus(&packets, 960, 0)).expect("write ogg");
    libopus_decode(&ffmpeg_path, &encoded, &decoded);
    let theirs = read_pcm(&decoded);
    let ours = decode_all(&packets);
    assert_eq!(theirs.len(), ours.len());
    let bytes: usize = packets.iter().map(Vec::len).sum();
    let bitrate = bytes as f64 * 8.0 / (packets.len() as f64 * 0.02);
    assert_near_bit_exact(
        &format!(
            "libopus vs our decoder on our stream ({:.1} kbit/s)",
            bitrate / 1000.0
        ),
        &theirs,
        &ours,
    );
    // VBR spends less on pauses and more on transients, but stays near its 32 kbit/s target.
    assert!((28_000.0..33_600.0).contains(&bitrate), "{bitrate} bit/s");
}

#[test]
fn library_conceals_losses_in_a_celt_only_stream() {
    let Some(ffmpeg_path) = tool("ffmpeg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let signal = comparison_signal(dir.path(), &ffmpeg_path, 48000);
    let input = dir.path().join("in.raw");
    let encoded = dir.path().join("celt.opus");
    write_pcm(&input, &signal);
    // The restricted low-delay application codes CELT only.
    libopus_encode(&ffmpeg_path, &input, &encoded, "lowdelay", "48k");
    let packets = ogg::read_packets(&std::fs::read(&encoded).expect("ogg file"));
    let packets = &packets[2..];
    assert!(
        packets.iter().all(|packet| packet[0] >> 3 >= 16),
        "CELT only"
    );
    let reference = decode_all(packets);

    let lost: Vec<usize> = (20..packets.len() - 5).step_by(13).collect();
    let mut decoder = OpusAudioDecoder::new().expect("decoder");
    let mut out = Vec::new();
    let mut pcm = [0i16; 960];
    for (index, packet) in packets.iter().enumerate() {
        if lost.contains(&index) {
            assert!(decoder.conceal(&mut pcm).expect("conceal"), "frame {index}");
        } else {
            decoder.decode(packet, &mut pcm).expect("decode");
        }
        out.extend_from_slice(&pcm);
    }
    let peak = |pcm: &[i16]| pcm.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
    for &index in &lost {
        let frames = |pcm: &[i16], from: usize, to: usize| pcm[from * 960..to * 960].to_vec();
        // Concealment continues the signal near its level around the loss.
        let around = u32::from(peak(&frames(&reference, index - 1, index + 2)));
        let concealed = u32::from(peak(&frames(&out, index, index + 1)));
        assert!(
            concealed * 2 <= around * 3,
            "frame {index}: {concealed} against {around}"
        );
        // And the decoder is back in step a few frames later.
        let later = snr_db(
            &frames(&reference, index + 3, index + 5),
            &frames(&out, index + 3, index + 5),
        );
        assert!(later > 12.0, "frame {index}: {later:.1} dB after the loss");
    }
}
