//! Opus against libopus (through ffmpeg): our decoder on a libopus stream, and libopus on our
//! stream. `opus-rs` is a port, not bit-exact, so agreement is measured as an SNR between the
//! two decodes of the same packets and printed.

mod common;

use common::{comparison_signal, ffmpeg, ogg, path, read_pcm, snr_db, tool, write_pcm};
use handset_codec::opus::{OpusAudioDecoder, OpusAudioEncoder, OpusSettings};
use handset_codec::{AudioDecoder, AudioEncoder};

/// Agreement the port reaches with libopus on these signals is about 25-35 dB; anything below
/// this means a broken decoder or encoder rather than the port's rounding.
const MINIMUM_AGREEMENT_DB: f64 = 15.0;

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
    ffmpeg(
        &ffmpeg_path,
        &[
            "-f",
            "s16le",
            "-ar",
            "48000",
            "-ac",
            "1",
            "-i",
            path(&input),
            "-c:a",
            "libopus",
            "-application",
            "voip",
            "-b:a",
            "32k",
            "-frame_duration",
            "20",
            path(&encoded),
        ],
    );
    ffmpeg(
        &ffmpeg_path,
        &[
            "-c:a",
            "libopus",
            "-i",
            path(&encoded),
            "-ac",
            "1",
            "-ar",
            "48000",
            "-f",
            "s16le",
            path(&decoded),
        ],
    );
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
    let agreement = snr_db(&reference[..length], &ours[..length]);
    println!("our decoder vs libopus on a libopus 32 kbit/s VoIP stream: {agreement:.1} dB");
    assert!(agreement > MINIMUM_AGREEMENT_DB, "{agreement:.1} dB");
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
    ffmpeg(
        &ffmpeg_path,
        &[
            "-c:a",
            "libopus",
            "-i",
            path(&encoded),
            "-ac",
            "1",
            "-ar",
            "48000",
            "-f",
            "s16le",
            path(&decoded),
        ],
    );
    let theirs = read_pcm(&decoded);
    let ours = decode_all(&packets);
    assert_eq!(theirs.len(), ours.len());
    let agreement = snr_db(&theirs, &ours);
    let bytes: usize = packets.iter().map(Vec::len).sum();
    let bitrate = bytes as f64 * 8.0 / (packets.len() as f64 * 0.02);
    println!(
        "libopus vs our decoder on our stream ({:.1} kbit/s): {agreement:.1} dB",
        bitrate / 1000.0
    );
    assert!(agreement > MINIMUM_AGREEMENT_DB, "{agreement:.1} dB");
    // The encoder honours its target rate (VBR, so loosely).
    assert!((20_000.0..44_000.0).contains(&bitrate), "{bitrate} bit/s");
}
