//! G.726-32 against spandsp (an independent implementation that follows ITU-T G.726 and is
//! checked against the ITU test sequences), byte for byte and sample for sample, both ways and
//! with both packings. A small C program linked with libspandsp is built for the test.
//!
//! One known difference: when the reconstructed 14-bit signal overflows 16 bits after scaling,
//! spandsp lets it wrap around (a full-scale click of the opposite sign) where we saturate.
//! Such samples are accepted where ours sits at the 16-bit limit; the codec state does not
//! depend on it, so every later sample must still match exactly.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{comparison_signal, first_difference, path, tool};
use handset_codec::g726::{G726Decoder, G726Encoder, Packing};
use handset_codec::{AudioDecoder, AudioEncoder};

const HEADER: &str = "/usr/include/spandsp/g726.h";

/// Builds the oracle program, or says why it cannot (libspandsp-dev missing).
fn build_oracle(dir: &Path) -> Option<PathBuf> {
    let cc = tool("cc")?;
    if !Path::new(HEADER).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "libspandsp-dev is required under CI"
        );
        eprintln!("skipped: libspandsp-dev is not installed");
        return None;
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/spandsp_g726.c");
    let program = dir.join("spandsp_g726");
    common::run(
        &cc,
        &["-O2", "-o", path(&program), path(&source), "-lspandsp"],
    );
    Some(program)
}

fn oracle(program: &Path, mode: &str, packing: Packing, input: &[u8]) -> Vec<u8> {
    let packing = match packing {
        Packing::Itu => "itu",
        Packing::Ietf => "ietf",
    };
    let mut child = Command::new(program)
        .args([mode, packing])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("oracle starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data).expect("write to oracle"));
    let output = child.wait_with_output().expect("oracle output");
    writer.join().expect("writer");
    assert!(output.status.success(), "oracle failed");
    output.stdout
}

fn our_encode(packing: Packing, pcm: &[i16]) -> Vec<u8> {
    let mut encoder = G726Encoder::new(packing);
    let mut out = Vec::new();
    let mut payload = [0u8; 80];
    for frame in pcm.chunks(160) {
        let length = encoder.encode(frame, &mut payload).expect("encode");
        out.extend_from_slice(&payload[..length]);
    }
    out
}

fn our_decode(packing: Packing, codes: &[u8]) -> Vec<i16> {
    let mut decoder = G726Decoder::new(packing);
    let mut out = Vec::new();
    let mut pcm = [0i16; 160];
    for payload in codes.chunks(80) {
        let samples = decoder.decode(payload, &mut pcm).expect("decode");
        out.extend_from_slice(&pcm[..samples]);
    }
    out
}

/// Asserts the two decodes are equal except where ours saturated and theirs wrapped around;
/// returns the number of such samples.
fn assert_same_decode(ours: &[i16], theirs: &[i16], what: &str) -> usize {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    let mut saturated = 0;
    for (index, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let wrapped = *a == i16::MAX || *a == i16::MIN;
        assert!(
            a == b || wrapped,
            "{what}: sample {index}: ours {a}, spandsp {b}"
        );
        saturated += usize::from(a != b);
    }
    saturated
}

fn pcm_bytes(pcm: &[i16]) -> Vec<u8> {
    pcm.iter().flat_map(|s| s.to_ne_bytes()).collect()
}

fn pcm_from(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_ne_bytes([b[0], b[1]]))
        .collect()
}

fn compare(packing: Packing) {
    let Some(ffmpeg_path) = tool("ffmpeg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(program) = build_oracle(dir.path()) else {
        return;
    };
    let mut signal = comparison_signal(dir.path(), &ffmpeg_path, 8000);
    signal.truncate(signal.len() / 2 * 2);

    let theirs = oracle(&program, "encode", packing, &pcm_bytes(&signal));
    let ours = our_encode(packing, &signal);
    assert_eq!(theirs.len(), ours.len());
    assert_eq!(
        first_difference(&ours, &theirs),
        None,
        "{packing:?} encoder: (byte, ours, spandsp)"
    );

    let their_pcm = pcm_from(&oracle(&program, "decode", packing, &theirs));
    let our_pcm = our_decode(packing, &theirs);
    let saturated = assert_same_decode(&our_pcm, &their_pcm, &format!("{packing:?} decoder"));
    // Only the full-scale burst of the test signal should get there.
    assert!(
        saturated * 50 < our_pcm.len(),
        "{saturated} saturated samples"
    );
}

#[test]
fn itu_packing_matches_spandsp() {
    compare(Packing::Itu);
}

#[test]
fn ietf_packing_matches_spandsp() {
    compare(Packing::Ietf);
}

#[test]
fn arbitrary_codes_decode_like_spandsp() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(program) = build_oracle(dir.path()) else {
        return;
    };
    let mut seed = 99u32;
    let codes: Vec<u8> = (0..16000)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) as u8
        })
        .collect();
    let theirs = pcm_from(&oracle(&program, "decode", Packing::Ietf, &codes));
    let ours = our_decode(Packing::Ietf, &codes);
    let saturated = assert_same_decode(&ours, &theirs, "random codes");
    assert!(saturated < ours.len() / 10, "{saturated} saturated samples");
}
