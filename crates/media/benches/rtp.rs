//! Per-packet costs of the RTP path: parse and serialize, SRTP protect and unprotect for each
//! suite, SRTCP, RED encode/decode, and reception statistics.
//!
//! `cargo bench -p handset-media --bench rtp -- --warm-up-time 1 --measurement-time 3`
//! prints packets per second for each after criterion's own report.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
// Reading the clock here only measures the run and feeds statistics; the library never does.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use handset_media::red::{RedDecoder, RedEncoder};
use handset_media::rtcp::{ReceiverReport, RtcpPacket};
use handset_media::rtp::{RtpPacket, RtpSender};
use handset_media::srtp::{MasterKey, SrtpContext, SrtpProfile};
use handset_media::stats::ReceiverStats;

/// A 20 ms G.711 packet.
fn voice_packet(sender: &mut RtpSender) -> Vec<u8> {
    sender.audio(vec![0x55; 160], 160).to_bytes()
}

fn contexts(profile: SrtpProfile) -> (SrtpContext, SrtpContext) {
    let inline: Vec<u8> = (0..profile.inline_key_len() as u8).collect();
    let key = MasterKey::from_inline(profile, &inline).unwrap();
    (
        SrtpContext::new(profile, &key).unwrap(),
        SrtpContext::new(profile, &key).unwrap(),
    )
}

fn rtp(c: &mut Criterion) {
    let mut group = c.benchmark_group("rtp");
    group.throughput(Throughput::Elements(1));
    let mut sender = RtpSender::new(1, 0, 0, 0);
    let bytes = voice_packet(&mut sender);
    group.bench_function("parse", |b| {
        b.iter(|| RtpPacket::parse(black_box(&bytes)).unwrap())
    });
    let packet = RtpPacket::parse(&bytes).unwrap();
    group.bench_function("serialize", |b| b.iter(|| black_box(&packet).to_bytes()));
    for profile in [SrtpProfile::Aes128CmSha1_80, SrtpProfile::Aes256CmSha1_80] {
        let (mut tx, mut rx) = contexts(profile);
        group.bench_function(format!("protect+unprotect {}", profile.sdes_name()), |b| {
            b.iter(|| {
                let packet = voice_packet(&mut sender);
                let protected = tx.protect_rtp(&packet).unwrap();
                rx.unprotect_rtp(&protected).unwrap()
            })
        });
    }
    let report = RtcpPacket::compound_to_bytes(&[RtcpPacket::ReceiverReport(ReceiverReport {
        ssrc: 1,
        reports: Vec::new(),
    })]);
    let (mut tx, mut rx) = contexts(SrtpProfile::Aes128CmSha1_80);
    group.bench_function("srtcp protect+unprotect", |b| {
        b.iter(|| {
            rx.unprotect_rtcp(&tx.protect_rtcp(&report).unwrap())
                .unwrap()
        })
    });
    let mut encoder = RedEncoder::new(2);
    let mut decoder = RedDecoder::new();
    let mut timestamp = 0u32;
    group.bench_function("red encode+decode depth 2", |b| {
        b.iter(|| {
            timestamp = timestamp.wrapping_add(960);
            let payload = encoder.encode(timestamp, 111, &[7; 80]);
            decoder.decode(timestamp, &payload).unwrap()
        })
    });
    group.finish();
    summary();
}

/// Packets per second for the whole send and receive path, measured plainly.
fn summary() {
    const PACKETS: u32 = 200_000;
    let mut lines = Vec::new();
    for profile in SrtpProfile::ALL {
        let (mut tx, mut rx) = contexts(profile);
        let mut sender = RtpSender::new(9, 0, 65_000, 0);
        let mut stats = ReceiverStats::new(9, 8000);
        let start = Instant::now();
        let arrival = start;
        for n in 0..PACKETS {
            let protected = tx.protect_rtp(&voice_packet(&mut sender)).unwrap();
            let packet = RtpPacket::parse(&rx.unprotect_rtp(&protected).unwrap()).unwrap();
            stats.handle_packet(
                arrival + Duration::from_millis(20) * n,
                packet.header.sequence,
                packet.header.timestamp,
            );
        }
        let rate = f64::from(PACKETS) / start.elapsed().as_secs_f64();
        lines.push(format!(
            "  send+receive {:<24} {rate:>12.0}",
            profile.sdes_name()
        ));
        assert_eq!(stats.lost(), 0);
    }
    println!("\npackets per second (one core, 160-byte payload, SRTP both ways + statistics):");
    for line in lines {
        println!("{line}");
    }
}

criterion_group!(benches, rtp);
criterion_main!(benches);
