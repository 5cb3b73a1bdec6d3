//! G.722 against ffmpeg's encoder and decoder (an independent implementation of ITU-T G.722),
//! byte for byte and sample for sample, in both directions.
//!
//! ffmpeg's encoder is used without its optional trellis search (the default), which is the
//! plain G.722 quantizer.

mod common;

use common::{comparison_signal, ffmpeg, first_difference, path, read_pcm, tool, write_pcm};
use handset_codec::g722::{G722Decoder, G722Encoder};
use handset_codec::{AudioDecoder, AudioEncoder};

fn our_encode(pcm: &[i16]) -> Vec<u8> {
    let mut encoder = G722Encoder::new();
    let mut out = Vec::with_capacity(pcm.len() / 2);
    let mut payload = [0u8; 160];
    // 20 ms frames, as on the wire; the state carries across them.
    for frame in pcm.chunks(320) {
        let length = encoder.encode(frame, &mut payload).expect("encode");
        out.extend_from_slice(&payload[..length]);
    }
    out
}

fn our_decode(codes: &[u8]) -> Vec<i16> {
    let mut decoder = G722Decoder::new();
    let mut out = Vec::with_capacity(codes.len() * 2);
    let mut pcm = [0i16; 320];
    for payload in codes.chunks(160) {
        let samples = decoder.decode(payload, &mut pcm).expect("decode");
        out.extend_from_slice(&pcm[..samples]);
    }
    out
}

#[test]
fn encoder_and_decoder_match_ffmpeg() {
    let Some(ffmpeg_path) = tool("ffmpeg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut signal = comparison_signal(dir.path(), &ffmpeg_path, 16000);
    signal.truncate(signal.len() / 2 * 2);
    let input = dir.path().join("in.raw");
    let encoded = dir.path().join("theirs.g722");
    let decoded = dir.path().join("theirs.raw");
    write_pcm(&input, &signal);

    ffmpeg(
        &ffmpeg_path,
        &[
            "-f",
            "s16le",
            "-ar",
            "16000",
            "-ac",
            "1",
            "-i",
            path(&input),
            "-c:a",
            "g722",
            "-f",
            "g722",
            path(&encoded),
        ],
    );
    let theirs = std::fs::read(&encoded).expect("ffmpeg output");
    let ours = our_encode(&signal);
    assert_eq!(theirs.len(), ours.len());
    assert_eq!(
        first_difference(&ours, &theirs),
        None,
        "encoder: (byte, ours, ffmpeg)"
    );

    // Our decoder on ffmpeg's stream, against ffmpeg's decoder on the same stream.
    ffmpeg(
        &ffmpeg_path,
        &[
            "-f",
            "g722",
            "-i",
            path(&encoded),
            "-f",
            "s16le",
            "-c:a",
            "pcm_s16le",
            path(&decoded),
        ],
    );
    let their_pcm = read_pcm(&decoded);
    let our_pcm = our_decode(&theirs);
    assert_eq!(their_pcm.len(), our_pcm.len());
    assert_eq!(
        first_difference(&our_pcm, &their_pcm),
        None,
        "decoder: (sample, ours, ffmpeg)"
    );
}

#[test]
fn ffmpeg_decodes_arbitrary_codes_like_we_do() {
    let Some(ffmpeg_path) = tool("ffmpeg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    // Every byte value many times over, in a scrambled order, drives both decoders through
    // states a real encoder would rarely reach (saturation, large scale factors).
    let mut seed = 7u32;
    let codes: Vec<u8> = (0..32000)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) as u8
        })
        .collect();
    let encoded = dir.path().join("random.g722");
    let decoded = dir.path().join("random.raw");
    std::fs::write(&encoded, &codes).expect("write codes");
    ffmpeg(
        &ffmpeg_path,
        &[
            "-f",
            "g722",
            "-i",
            path(&encoded),
            "-f",
            "s16le",
            "-c:a",
            "pcm_s16le",
            path(&decoded),
        ],
    );
    let their_pcm = read_pcm(&decoded);
    let our_pcm = our_decode(&codes);
    assert_eq!(their_pcm.len(), our_pcm.len());
    assert_eq!(
        first_difference(&our_pcm, &their_pcm),
        None,
        "(sample, ours, ffmpeg)"
    );
}
