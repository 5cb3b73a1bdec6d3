//! Encode and decode one second of speech-like audio with every codec.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use handset_codec::{CodecConfig, CodecId};

/// One second of a gliding tone with noise, at `rate`.
fn test_signal(rate: usize) -> Vec<i16> {
    let mut seed = 0x1234_5678u32;
    let mut phase = 0.0f64;
    (0..rate)
        .map(|n| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = f64::from((seed >> 16) as i16) / 8.0;
            let frequency = 200.0 + 1800.0 * (n as f64 / rate as f64);
            phase += 2.0 * std::f64::consts::PI * frequency / rate as f64;
            (phase.sin() * 8000.0 + noise) as i16
        })
        .collect()
}

fn encode_decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode+decode 1 s");
    for id in [
        CodecId::Pcmu,
        CodecId::Pcma,
        CodecId::G722,
        CodecId::G726_32,
        CodecId::Opus,
    ] {
        let config = CodecConfig::new(id);
        let info = config.info();
        let frame = info.default_frame_samples();
        let pcm = test_signal(info.sample_rate as usize);
        let mut encoder = config.encoder().expect("encoder");
        let mut decoder = config.decoder().expect("decoder");
        let mut payload = vec![0u8; 1500];
        let mut out = vec![0i16; frame];
        group.bench_function(info.encoding_name, |b| {
            b.iter(|| {
                for chunk in pcm.chunks_exact(frame) {
                    let length = encoder.encode(chunk, &mut payload).expect("encode");
                    decoder
                        .decode(&payload[..length], &mut out)
                        .expect("decode");
                }
                black_box(&out);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, encode_decode);
criterion_main!(benches);
