//! Cost of one call's media per 20 ms tick: two sessions back to back, each pushing a tick of
//! audio, handing its packets to the other and pulling a tick to play, for G.711 with SRTP
//! and for Opus.
//!
//! `cargo bench -p handset-media --bench session` prints the time per iteration and ticks per
//! second; a phone handles one tick every 20 ms per call.
// criterion's macros generate undocumented items; the origin instant is arbitrary.
#![allow(missing_docs, clippy::disallowed_methods)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use handset_codec::{CodecConfig, CodecId};
use handset_media::session::{MediaSession, RtpFilter, SessionConfig, SrtpKeys};
use handset_media::srtp::{MasterKey, SrtpProfile};

/// Ticks per iteration.
const TICKS: u64 = 250;
const RATE: u32 = 16000;

fn config(
    codec: CodecId,
    payload_type: u8,
    remote: SocketAddr,
    srtp: Option<SrtpKeys>,
) -> SessionConfig {
    let mut config =
        SessionConfig::one_codec(CodecConfig::new(codec), payload_type, RATE, Some(remote));
    config.rtcp_mux = true;
    config.rtp_filter = RtpFilter::IpAndPort;
    config.srtp = srtp;
    config.cname = "bench@127.0.0.1".to_owned();
    config
}

fn keys(local: u8, remote: u8) -> Option<SrtpKeys> {
    let key = |byte| {
        MasterKey::from_inline(SrtpProfile::Aes128CmSha1_80, &[byte; 30])
            .expect("30 bytes is the inline length of this suite")
    };
    Some(SrtpKeys {
        profile: SrtpProfile::Aes128CmSha1_80,
        local: key(local),
        remote: key(remote),
    })
}

/// Runs `TICKS` ticks of a call between two fresh sessions.
fn call(codec: CodecId, payload_type: u8, srtp: bool) -> u64 {
    let a_address: SocketAddr = "127.0.0.1:40000".parse().expect("a literal address");
    let b_address: SocketAddr = "127.0.0.2:50000".parse().expect("a literal address");
    let start = Instant::now();
    let (a_keys, b_keys) = if srtp {
        (keys(1, 2), keys(2, 1))
    } else {
        (None, None)
    };
    let mut a = MediaSession::new(config(codec, payload_type, b_address, a_keys), 1, start)
        .expect("a valid configuration");
    let mut b = MediaSession::new(config(codec, payload_type, a_address, b_keys), 2, start)
        .expect("a valid configuration");
    let samples = RATE as usize / 50;
    let tone: Vec<i16> = (0..samples)
        .map(|n| ((n as f64 * 0.39).sin() * 8000.0) as i16)
        .collect();
    let mut out = vec![0i16; samples];
    for tick in 0..TICKS {
        let now = start + Duration::from_millis(tick * 20);
        a.push_audio(now, &tone);
        b.push_audio(now, &tone);
        while let Some(transmit) = a.poll_transmit() {
            b.handle_packet(now, a_address, &transmit.bytes);
        }
        while let Some(transmit) = b.poll_transmit() {
            a.handle_packet(now, b_address, &transmit.bytes);
        }
        a.pull_audio(now, &mut out);
        b.pull_audio(now, black_box(&mut out));
    }
    b.stats().packets_received
}

fn per_tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("session");
    group.throughput(Throughput::Elements(TICKS));
    group.sample_size(10);
    group.bench_function("g711_srtp_per_tick", |b| {
        b.iter(|| call(CodecId::Pcmu, 0, true))
    });
    group.bench_function("opus_per_tick", |b| {
        b.iter(|| call(CodecId::Opus, 111, false))
    });
    group.finish();
}

criterion_group!(benches, per_tick);
criterion_main!(benches);
