//! Speech quality of our Opus against libopus (ffmpeg's `-c:a libopus`): wideband PESQ
//! (ITU-T P.862.2) of espeak-ng speech coded at 24 and 32 kbit/s, and the bit rate reached.
//! Run with `--nocapture` to see the table. Needs the python3 module `pesq`.

mod common;

use std::path::Path;

use common::{libopus_decode, libopus_encode, ogg, pesq, read_pcm, tool, write_pcm};
use handset_codec::opus::{OpusAudioDecoder, OpusAudioEncoder, OpusSettings};
use handset_codec::{AudioDecoder, AudioEncoder};

const FRAME: usize = 960;
/// The encoder's delay at 48 kHz (2.5 ms plus the VoIP delay compensation of 4 ms), which an
/// Ogg stream's pre-skip removes and our raw decode keeps.
const LOOKAHEAD: usize = 312;
/// PESQ differences below this are noise of the measurement, not of the codec.
const PESQ_TOLERANCE: f64 = 0.05;

/// Our encoder then our decoder; returns the decode and the bit rate in bit/s.
fn ours(pcm: &[i16], bitrate: u32) -> (Vec<i16>, f64) {
    let settings = OpusSettings {
        bitrate,
        ..OpusSettings::default()
    };
    let mut encoder = OpusAudioEncoder::new(settings).expect("encoder");
    let mut decoder = OpusAudioDecoder::new().expect("decoder");
    let mut payload = [0u8; 1500];
    let mut frame = [0i16; FRAME];
    let mut decoded = Vec::new();
    let mut bytes = 0;
    for chunk in pcm.chunks_exact(FRAME) {
        let length = encoder.encode(chunk, &mut payload).expect("encode");
        bytes += length;
        let samples = decoder
            .decode(&payload[..length], &mut frame)
            .expect("decode");
        decoded.extend_from_slice(&frame[..samples]);
    }
    let seconds = (pcm.len() / FRAME) as f64 * 0.02;
    (decoded.split_off(LOOKAHEAD), bytes as f64 * 8.0 / seconds)
}

/// ffmpeg's libopus encoder then decoder (VoIP, 20 ms); returns the decode and the bit rate.
fn libopus(ffmpeg_path: &Path, dir: &Path, pcm: &[i16], bitrate: u32) -> (Vec<i16>, f64) {
    let input = dir.join("libopus-in.raw");
    let encoded = dir.join("libopus.opus");
    let decoded = dir.join("libopus-out.raw");
    write_pcm(&input, pcm);
    let rate = bitrate.to_string();
    libopus_encode(ffmpeg_path, &input, &encoded, "voip", &rate);
    libopus_decode(ffmpeg_path, &encoded, &decoded);
    let packets = ogg::read_packets(&std::fs::read(&encoded).expect("ogg file"));
    let bytes: usize = packets[2..].iter().map(Vec::len).sum();
    let seconds = (packets.len() - 2) as f64 * 0.02;
    (read_pcm(&decoded), bytes as f64 * 8.0 / seconds)
}

#[test]
fn speech_quality_and_bitrate_match_libopus() {
    let (Some(ffmpeg_path), Some(espeak)) = (tool("ffmpeg"), tool("espeak-ng")) else {
        return;
    };
    if !pesq::available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let speech_16k = pesq::speech_16k(dir, &espeak, &ffmpeg_path);
    let speech = pesq::resample(dir, &ffmpeg_path, &speech_16k, 16000, 48000);
    let score = |decoded: &[i16]| {
        let narrow = pesq::resample(dir, &ffmpeg_path, decoded, 48000, 16000);
        pesq::score(dir, &speech_16k, &narrow)
    };

    println!("| encoder and decoder | target | kbit/s | PESQ-WB |");
    println!("| --- | --- | --- | --- |");
    for target in [24_000, 32_000] {
        let (our_decode, our_rate) = ours(&speech, target);
        let (their_decode, their_rate) = libopus(&ffmpeg_path, dir, &speech, target);
        let (our_score, their_score) = (score(&our_decode), score(&their_decode));
        for (name, rate, pesq) in [
            ("handset-codec", our_rate, our_score),
            ("ffmpeg libopus", their_rate, their_score),
        ] {
            println!(
                "| {name} | {} | {:.1} | {pesq:.2} |",
                target / 1000,
                rate / 1000.0
            );
        }
        assert!(
            our_score >= their_score - PESQ_TOLERANCE,
            "PESQ {our_score:.2} against libopus's {their_score:.2} at {target} bit/s"
        );
        assert!(
            (our_rate - their_rate).abs() < f64::from(target) * 0.03,
            "{our_rate:.0} bit/s against libopus's {their_rate:.0} for {target}"
        );
    }
}
