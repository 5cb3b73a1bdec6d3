//! Parse and serialize throughput on a corpus of realistic messages, with the `rsip` crate
//! parsing the same corpus in the same run for comparison.
//!
//! `cargo bench -p handset-sip --bench parse -- --warm-up-time 1 --measurement-time 3`
//! prints messages per second for each after criterion's own report. `rsip` cannot parse
//! folded header lines, so the comparison runs on the messages it accepts (all but the
//! folded 180 Ringing); handset-sip's corpus figures include every message.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
// Reading the clock here only reports how long the run took; the library never does.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use handset_sip::Message;
use rsip::message::HasHeaders;

const INVITE: &[u8] = include_bytes!("../tests/data/corpus/invite_sdp.sip");

const CORPUS: [&[u8]; 7] = [
    INVITE,
    include_bytes!("../tests/data/corpus/register.sip"),
    include_bytes!("../tests/data/corpus/ok_record_route.sip"),
    include_bytes!("../tests/data/corpus/notify.sip"),
    include_bytes!("../tests/data/corpus/folded_response.sip"),
    include_bytes!("../tests/data/corpus/bye.sip"),
    include_bytes!("../tests/data/corpus/refer.sip"),
];

fn ours(messages: &[&[u8]]) -> usize {
    messages
        .iter()
        .map(|m| Message::parse(black_box(m)).unwrap().headers().len())
        .sum()
}

fn ours_validated(messages: &[&[u8]]) -> usize {
    messages
        .iter()
        .map(|m| {
            let message = Message::parse(black_box(m)).unwrap();
            message.validate().unwrap();
            message.headers().len()
        })
        .sum()
}

fn theirs(messages: &[&[u8]]) -> usize {
    messages
        .iter()
        .map(|m| {
            rsip::SipMessage::try_from(black_box(*m))
                .unwrap()
                .headers()
                .iter()
                .count()
        })
        .sum()
}

fn benches(c: &mut Criterion) {
    let parsed: Vec<Message> = CORPUS.iter().map(|m| Message::parse(m).unwrap()).collect();
    let comparable: Vec<&[u8]> = CORPUS
        .iter()
        .copied()
        .filter(|m| rsip::SipMessage::try_from(*m).is_ok())
        .collect();
    println!(
        "rsip parses {} of the {} corpus messages",
        comparable.len(),
        CORPUS.len()
    );
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(CORPUS.len() as u64));
    group.bench_function("handset-sip parse", |b| b.iter(|| ours(&CORPUS)));
    group.bench_function("handset-sip parse+validate", |b| {
        b.iter(|| ours_validated(&CORPUS))
    });
    group.finish();
    let mut shared = c.benchmark_group("comparable");
    shared.throughput(Throughput::Elements(comparable.len() as u64));
    shared.bench_function("handset-sip parse", |b| b.iter(|| ours(&comparable)));
    shared.bench_function("rsip parse", |b| b.iter(|| theirs(&comparable)));
    shared.finish();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(CORPUS.len() as u64));
    group.bench_function("handset-sip serialize", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            for m in &parsed {
                out.clear();
                black_box(m).write_to(&mut out);
            }
            out.len()
        })
    });
    group.finish();
    let mut invite = c.benchmark_group("invite");
    invite.throughput(Throughput::Elements(1));
    invite.bench_function("handset-sip parse", |b| b.iter(|| ours(&[INVITE])));
    invite.bench_function("rsip parse", |b| b.iter(|| theirs(&[INVITE])));
    invite.finish();

    // A plain summary in messages per second, measured the same way for both parsers.
    let rate = |f: &dyn Fn() -> usize, per_call: usize| {
        let started = Instant::now();
        let mut calls = 0u64;
        while started.elapsed() < Duration::from_secs(2) {
            for _ in 0..100 {
                black_box(f());
            }
            calls += 100;
        }
        (calls as f64 * per_call as f64) / started.elapsed().as_secs_f64()
    };
    let corpus_ours = rate(&|| ours(&CORPUS), CORPUS.len());
    let corpus_validated = rate(&|| ours_validated(&CORPUS), CORPUS.len());
    let shared_ours = rate(&|| ours(&comparable), comparable.len());
    let shared_theirs = rate(&|| theirs(&comparable), comparable.len());
    let corpus_serialize = rate(
        &|| {
            let mut out = Vec::with_capacity(4096);
            parsed.iter().for_each(|m| m.write_to(&mut out));
            out.len()
        },
        CORPUS.len(),
    );
    let invite_ours = rate(&|| ours(&[INVITE]), 1);
    let invite_theirs = rate(&|| theirs(&[INVITE]), 1);
    println!("\nmessages per second (one core):");
    println!("  corpus  handset-sip parse           {corpus_ours:>12.0}");
    println!("  corpus  handset-sip parse+validate  {corpus_validated:>12.0}");
    println!("  corpus  handset-sip serialize       {corpus_serialize:>12.0}");
    println!("  shared  handset-sip parse           {shared_ours:>12.0}");
    println!(
        "  shared  rsip parse                  {shared_theirs:>12.0}   (handset-sip {:.1}x)",
        shared_ours / shared_theirs
    );
    println!("  INVITE  handset-sip parse           {invite_ours:>12.0}");
    println!(
        "  INVITE  rsip parse                  {invite_theirs:>12.0}   (handset-sip {:.1}x)",
        invite_ours / invite_theirs
    );
}

criterion_group!(parse, benches);
criterion_main!(parse);
