//! Cost of the jitter buffer per packet (push and pop in steady state, with reordering and a
//! RED copy), and of the PCM concealment and time stretching it drives.
//!
//! `cargo bench -p handset-media --bench jitter` prints the time per iteration and, for the
//! buffer, packets per second.
// criterion's macros generate undocumented items; the origin instant is arbitrary.
#![allow(missing_docs, clippy::disallowed_methods)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use handset_media::jitter::{JitterBuffer, JitterConfig, Packet};
use handset_media::plc::Concealer;
use handset_media::stretch;

/// Frames pushed and popped per iteration.
const PACKETS: u64 = 1000;

fn per_packet(c: &mut Criterion) {
    let mut group = c.benchmark_group("jitter");
    group.throughput(Throughput::Elements(PACKETS));
    let config = JitterConfig::new(8000).frame_duration(Duration::from_millis(20));
    group.bench_function("push_pop_per_packet", |b| {
        b.iter(|| {
            let mut buffer = JitterBuffer::new(config.clone());
            let start = Instant::now();
            for n in 0..PACKETS {
                // Pairs swap places: every other packet arrives after its successor.
                let sent = if n % 2 == 0 { n + 1 } else { n - 1 };
                let arrival = start + Duration::from_millis(n * 20 + (n * 7 % 30));
                let timestamp = (sent * 160) as u32;
                let packet = Packet::new(sent as u16, timestamp, [0u8; 160])
                    .with_redundant(timestamp.wrapping_sub(160), [0u8; 160]);
                black_box(buffer.push(arrival, packet));
                black_box(buffer.pop(start + Duration::from_millis(n * 20)));
            }
            buffer.stats()
        });
    });
    group.finish();
}

fn pcm(c: &mut Criterion) {
    let frame: Vec<i16> = (0..160)
        .map(|n| ((f64::from(n) * 0.11).sin() * 8000.0) as i16)
        .collect();
    c.bench_function("plc/conceal_8k_frame", |b| {
        b.iter(|| {
            let mut concealer = Concealer::new(8000);
            for _ in 0..4 {
                concealer.good_frame(&mut frame.clone());
            }
            let mut out = [0i16; 160];
            concealer.conceal(&mut out);
            out
        });
    });
    c.bench_function("stretch/expand_8k_frame", |b| {
        b.iter(|| stretch::expand(black_box(&frame), 8000));
    });
    c.bench_function("stretch/compress_8k_frames", |b| {
        b.iter(|| stretch::compress(black_box(&frame), black_box(&frame), 8000));
    });
}

criterion_group!(benches, per_packet, pcm);
criterion_main!(benches);
