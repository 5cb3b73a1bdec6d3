//! G.726-32 packing against ffmpeg's `g726` (first code in the high nibble: ITU/AAL2) and
//! `g726le` (first code in the low nibble: RFC 3551).
//!
//! ffmpeg's G.726 is not bit-exact with ITU-T G.726 (bit-exactness is checked against spandsp in
//! `g726_spandsp.rs`): it rounds the quantizer scale factor mix (MIX) differently, reduces 16-bit
//! input with a division that truncates towards zero instead of an arithmetic shift, and wraps
//! output that overflows 16 bits. What is comparable is the stream layout and the decoded audio:
//! each side's stream, decoded by the other with the same packing, agrees closely, and decoding
//! with the other packing does not.

mod common;

use common::{comparison_signal, ffmpeg, path, read_pcm, snr_db, tool, write_pcm};
use handset_codec::g726::{G726Decoder, G726Encoder, Packing};
use handset_codec::{AudioDecoder, AudioEncoder};

fn ffmpeg_format(packing: Packing) -> &'static str {
    match packing {
        Packing::Itu => "g726",
        Packing::Ietf => "g726le",
    }
}

fn other(packing: Packing) -> Packing {
    match packing {
        Packing::Itu => Packing::Ietf,
        Packing::Ietf => Packing::Itu,
    }
}

fn our_encode(packing: Packing, pcm: &[i16]) -> Vec<u8> {
    let mut out = vec![0u8; pcm.len() / 2];
    G726Encoder::new(packing)
        .encode(pcm, &mut out)
        .expect("encode");
    out
}

fn our_decode(packing: Packing, codes: &[u8]) -> Vec<i16> {
    let mut out = vec![0i16; codes.len() * 2];
    G726Decoder::new(packing)
        .decode(codes, &mut out)
        .expect("decode");
    out
}

fn compare(packing: Packing) {
    let Some(ffmpeg_path) = tool("ffmpeg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    // Half scale keeps ffmpeg's decoder away from its 16-bit wrap-around.
    let mut signal: Vec<i16> = comparison_signal(dir.path(), &ffmpeg_path, 8000)
        .iter()
        .map(|s| s / 2)
        .collect();
    signal.truncate(signal.len() / 2 * 2);
    let input = dir.path().join("in.raw");
    let theirs_file = dir.path().join("theirs.g726");
    let ours_file = dir.path().join("ours.g726");
    let decoded = dir.path().join("decoded.raw");
    write_pcm(&input, &signal);
    let format = ffmpeg_format(packing);
    ffmpeg(
        &ffmpeg_path,
        &[
            "-f",
            "s16le",
            "-ar",
            "8000",
            "-ac",
            "1",
            "-i",
            path(&input),
            "-c:a",
            format,
            "-b:a",
            "32k",
            "-f",
            format,
            path(&theirs_file),
        ],
    );
    let theirs = std::fs::read(&theirs_file).expect("ffmpeg output");
    assert_eq!(theirs.len(), signal.len() / 2);
    let decode_with_ffmpeg = |file: &std::path::Path| {
        ffmpeg(
            &ffmpeg_path,
            &[
                "-f",
                format,
                "-code_size",
                "4",
                "-sample_rate",
                "8000",
                "-i",
                path(file),
                "-f",
                "s16le",
                "-c:a",
                "pcm_s16le",
                path(&decoded),
            ],
        );
        read_pcm(&decoded)
    };

    // Their stream: our decoder against theirs.
    let reference = decode_with_ffmpeg(&theirs_file);
    let agreement = snr_db(&reference, &our_decode(packing, &theirs));
    let crossed = snr_db(&reference, &our_decode(other(packing), &theirs));
    println!("{packing:?}: our decoder on ffmpeg's stream agrees at {agreement:.1} dB (other packing {crossed:.1} dB)");
    assert!(agreement > 25.0, "{agreement:.1} dB");
    assert!(crossed < 10.0, "{crossed:.1} dB");

    // Our stream: ffmpeg's decoder against ours.
    let ours = our_encode(packing, &signal);
    std::fs::write(&ours_file, &ours).expect("write ours");
    let agreement = snr_db(&our_decode(packing, &ours), &decode_with_ffmpeg(&ours_file));
    println!("{packing:?}: ffmpeg's decoder on our stream agrees at {agreement:.1} dB");
    assert!(agreement > 25.0, "{agreement:.1} dB");
}

#[test]
fn itu_packing_is_ffmpeg_g726() {
    compare(Packing::Itu);
}

#[test]
fn ietf_packing_is_ffmpeg_g726le() {
    compare(Packing::Ietf);
}
