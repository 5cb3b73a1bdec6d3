//! Cost of one mixing round of a five-party local conference (six legs with the phone) at
//! 8, 16 and 48 kHz leg rates, for both internal rates and frame lengths.
//!
//! `cargo bench -p handset-media --bench mixer -- --warm-up-time 1 --measurement-time 3`
//! prints, after criterion's report, the share of real time one conference takes.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
// Reading the clock here only reports how long the run took; the library never does.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use handset_media::mixer::{LegId, Mixer, MixerConfig};

const LEG_RATES: [u32; 6] = [8000, 8000, 16000, 16000, 48000, 16000];

fn conference(config: MixerConfig) -> (Mixer, Vec<(LegId, Vec<i16>)>) {
    let mut mixer = Mixer::new(config).unwrap();
    let legs = LEG_RATES
        .iter()
        .enumerate()
        .map(|(i, &rate)| {
            let id = mixer.add_leg(rate).unwrap();
            let frame = mixer.frame_len(id).unwrap();
            let audio = (0..frame)
                .map(|n| ((n * (i + 3) * 97) % 20000) as i16 - 10000)
                .collect();
            (id, audio)
        })
        .collect();
    (mixer, legs)
}

fn round(mixer: &mut Mixer, legs: &[(LegId, Vec<i16>)]) -> i64 {
    for (id, frame) in legs {
        mixer.push(*id, black_box(frame)).unwrap();
    }
    mixer.mix();
    legs.iter()
        .map(|(id, _)| i64::from(mixer.output(*id).unwrap()[0]))
        .sum()
}

const CONFIGS: [(&str, MixerConfig); 3] = [
    (
        "16k_20ms",
        MixerConfig {
            internal_rate: 16_000,
            frame_ms: 20,
        },
    ),
    (
        "48k_20ms",
        MixerConfig {
            internal_rate: 48_000,
            frame_ms: 20,
        },
    ),
    (
        "48k_10ms",
        MixerConfig {
            internal_rate: 48_000,
            frame_ms: 10,
        },
    ),
];

fn bench(c: &mut Criterion) {
    for (name, config) in CONFIGS {
        let (mut mixer, legs) = conference(config);
        c.bench_function(&format!("mix_6_legs_{name}"), |b| {
            b.iter(|| round(&mut mixer, &legs))
        });
    }
    for (name, config) in CONFIGS {
        let (mut mixer, legs) = conference(config);
        let rounds = 500;
        let start = Instant::now();
        for _ in 0..rounds {
            black_box(round(&mut mixer, &legs));
        }
        let per_round = start.elapsed() / rounds;
        let audio = f64::from(config.frame_ms) / 1000.0;
        println!(
            "mixer {name}: {per_round:?} per frame, {:.2}% of real time for 6 legs",
            100.0 * per_round.as_secs_f64() / audio
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
