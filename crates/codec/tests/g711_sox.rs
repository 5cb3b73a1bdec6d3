//! G.711 against sox, byte for byte and sample for sample.
//!
//! Decoding is compared on all 256 codes of each law. sox's encoders differ from ITU-T G.711 in
//! how they reduce 16-bit input to the 14 (µ-law) or 13 (A-law) bits G.711 quantizes: sox rounds
//! to nearest where G.711 truncates, and its µ-law takes the two's complement magnitude of
//! negative values where G.711 takes the one's complement. Encoding is therefore compared on
//! every 16-bit input for which both reductions give the same value: for µ-law the non-negative
//! multiples of 4 and the values one below a negative multiple of 4, for A-law the multiples of
//! 8. Together they reach every code. sox runs with `-D`: its automatic dither would otherwise add
//! noise before encoding.

mod common;

use common::{first_difference, path, read_pcm, run, tool, write_pcm};
use handset_codec::g711::{G711Decoder, G711Encoder, Law};
use handset_codec::{AudioDecoder, AudioEncoder};

fn sox_type(law: Law) -> &'static str {
    match law {
        Law::MuLaw => "ul",
        Law::ALaw => "al",
    }
}

fn our_encode(law: Law, pcm: &[i16]) -> Vec<u8> {
    let mut out = vec![0u8; pcm.len()];
    G711Encoder::new(law).encode(pcm, &mut out).expect("encode");
    out
}

fn our_decode(law: Law, codes: &[u8]) -> Vec<i16> {
    let mut out = vec![0i16; codes.len()];
    G711Decoder::new(law)
        .decode(codes, &mut out)
        .expect("decode");
    out
}

fn sox_encode(sox: &std::path::Path, dir: &std::path::Path, law: Law, pcm: &[i16]) -> Vec<u8> {
    let input = dir.join("in.raw");
    let output = dir.join("out.g711");
    write_pcm(&input, pcm);
    run(
        sox,
        &[
            "-D",
            "-t",
            "s16",
            "-r",
            "8000",
            "-c",
            "1",
            path(&input),
            "-t",
            sox_type(law),
            path(&output),
        ],
    );
    std::fs::read(&output).expect("sox output")
}

fn sox_decode(sox: &std::path::Path, dir: &std::path::Path, law: Law, codes: &[u8]) -> Vec<i16> {
    let input = dir.join("in.g711");
    let output = dir.join("out.raw");
    std::fs::write(&input, codes).expect("write codes");
    run(
        sox,
        &[
            "-t",
            sox_type(law),
            "-r",
            "8000",
            "-c",
            "1",
            path(&input),
            "-t",
            "s16",
            path(&output),
        ],
    );
    read_pcm(&output)
}

fn every_code_decodes_like_sox(law: Law) {
    let Some(sox) = tool("sox") else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let codes: Vec<u8> = (0..=255).collect();
    let theirs = sox_decode(&sox, dir.path(), law, &codes);
    let ours = our_decode(law, &codes);
    assert_eq!(theirs.len(), 256);
    assert_eq!(
        first_difference(&ours, &theirs),
        None,
        "{law:?}: (code, ours, sox)"
    );
}

/// Whether sox and G.711 reduce `sample` to the same 14/13-bit value (see the file comment).
fn reduction_agrees(law: Law, sample: i16) -> bool {
    match law {
        Law::MuLaw => {
            (sample >= 0 && sample % 4 == 0) || (sample < -4 && sample.rem_euclid(4) == 3)
        }
        Law::ALaw => sample % 8 == 0,
    }
}

fn every_input_encodes_like_sox(law: Law) {
    let Some(sox) = tool("sox") else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let all: Vec<i16> = (i16::MIN..=i16::MAX)
        .filter(|s| reduction_agrees(law, *s))
        .collect();
    let theirs = sox_encode(&sox, dir.path(), law, &all);
    let ours = our_encode(law, &all);
    assert_eq!(theirs.len(), all.len());
    let mismatch = first_difference(&ours, &theirs).map(|(i, a, b)| (all[i], a, b));
    assert_eq!(mismatch, None, "{law:?}: (input, ours, sox)");
    let distinct: std::collections::HashSet<u8> = ours.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        if law == Law::MuLaw { 255 } else { 256 },
        "all codes exercised"
    );
}

#[test]
fn mulaw_decoding_matches_sox() {
    every_code_decodes_like_sox(Law::MuLaw);
}

#[test]
fn alaw_decoding_matches_sox() {
    every_code_decodes_like_sox(Law::ALaw);
}

#[test]
fn mulaw_encoding_matches_sox() {
    every_input_encodes_like_sox(Law::MuLaw);
}

#[test]
fn alaw_encoding_matches_sox() {
    every_input_encodes_like_sox(Law::ALaw);
}
