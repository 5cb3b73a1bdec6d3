//! G.729 (feature `g729`): ffmpeg's own G.729 decoder, an independent implementation, decodes
//! the bcg729 stream we send. ffmpeg implements the full G.729 decoder and bcg729 the Annex A
//! one (a simpler postfilter), so the two decodes agree only loosely (about 9 dB on this
//! signal), which still tells a correctly framed stream from a broken one.
#![cfg(feature = "g729")]

mod common;

use common::{ffmpeg, path, read_pcm, snr_db, tool, voiced_signal};
use handset_codec::g729::{G729Decoder, G729Encoder};
use handset_codec::{AudioDecoder, AudioEncoder};

#[test]
fn ffmpeg_decodes_our_stream() {
    let Some(ffmpeg_path) = tool("ffmpeg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let signal = voiced_signal(8000, 4.0);
    let mut encoder = G729Encoder::new().expect("encoder");
    let mut decoder = G729Decoder::new().expect("decoder");
    let mut stream = Vec::new();
    let mut ours = Vec::new();
    let mut payload = [0u8; 20];
    let mut pcm = [0i16; 160];
    for frame in signal.chunks_exact(160) {
        let length = encoder.encode(frame, &mut payload).expect("encode");
        stream.extend_from_slice(&payload[..length]);
        let samples = decoder
            .decode(&payload[..length], &mut pcm)
            .expect("decode");
        ours.extend_from_slice(&pcm[..samples]);
    }
    let encoded = dir.path().join("ours.g729");
    let decoded = dir.path().join("theirs.raw");
    std::fs::write(&encoded, &stream).expect("write stream");
    ffmpeg(
        &ffmpeg_path,
        &[
            "-f",
            "g729",
            "-i",
            path(&encoded),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            "8000",
            path(&decoded),
        ],
    );
    let theirs = read_pcm(&decoded);
    assert_eq!(theirs.len(), ours.len());
    let agreement = snr_db(&theirs, &ours);
    // A decode of a wrongly framed or mangled stream, or one shifted by a single sample, scores
    // below 4 dB here.
    let shifted = snr_db(&theirs[1..], &ours[..ours.len() - 1]);
    println!("G.729: ffmpeg's decode against bcg729's {agreement:.1} dB (one sample apart: {shifted:.1} dB)");
    assert!(
        agreement > 7.0 && agreement > shifted + 3.0,
        "{agreement:.1} dB"
    );
}
