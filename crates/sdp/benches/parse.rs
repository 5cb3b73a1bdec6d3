//! Parse and serialize throughput on a typical SRTP audio offer, and the cost of answering it.
//!
//! `cargo bench -p handset-sdp --bench parse -- --warm-up-time 1 --measurement-time 3`
//! prints descriptions per second for each after criterion's own report.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
// Reading the clock here only reports how long the run took; the library never does.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use handset_sdp::{Codec, MediaConfig, Negotiator, SessionDescription, SrtpMode};

const OFFER: &[u8] = include_bytes!("../tests/data/offer_crypto.sdp");

fn config() -> MediaConfig {
    MediaConfig::new("192.0.2.2".parse().unwrap(), 5004)
        .with_codecs(vec![Codec::Opus, Codec::G722, Codec::Pcmu, Codec::Pcma])
        .with_srtp_mode(SrtpMode::EnabledButNotForced)
}

fn benches(c: &mut Criterion) {
    let parsed = SessionDescription::parse(OFFER).unwrap();
    let mut group = c.benchmark_group("sdp");
    group.throughput(Throughput::Bytes(OFFER.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| SessionDescription::parse(black_box(OFFER)).unwrap())
    });
    group.bench_function("serialize", |b| b.iter(|| black_box(&parsed).to_bytes()));
    group.bench_function("parse+serialize", |b| {
        b.iter(|| {
            SessionDescription::parse(black_box(OFFER))
                .unwrap()
                .to_bytes()
        })
    });
    group.bench_function("answer", |b| {
        b.iter(|| {
            let mut negotiator = Negotiator::new(config(), 1);
            negotiator
                .answer(black_box(&parsed), &mut |k: &mut [u8]| k.fill(1))
                .unwrap()
        })
    });
    group.finish();
    report(&parsed);
}

/// Plain rates, easier to compare between runs than criterion's intervals.
fn report(parsed: &SessionDescription) {
    let rate = |name: &str, work: &dyn Fn()| {
        let started = Instant::now();
        let mut count = 0u64;
        while started.elapsed() < Duration::from_millis(500) {
            for _ in 0..100 {
                work();
            }
            count += 100;
        }
        let per_second = count as f64 / started.elapsed().as_secs_f64();
        println!("{name:<16} {per_second:>12.0} descriptions/s");
    };
    rate("parse", &|| {
        black_box(SessionDescription::parse(black_box(OFFER)).unwrap());
    });
    rate("serialize", &|| {
        black_box(black_box(parsed).to_bytes());
    });
    rate("parse+serialize", &|| {
        black_box(
            SessionDescription::parse(black_box(OFFER))
                .unwrap()
                .to_bytes(),
        );
    });
}

criterion_group!(sdp, benches);
criterion_main!(sdp);
