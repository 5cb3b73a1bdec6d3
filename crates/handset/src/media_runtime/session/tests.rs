//! Two real call sessions on one worker, over loopback: what one plays, the other records.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use handset_codec::{CodecConfig, CodecId};
use handset_media::session::{MediaEvent, MediaSession, SessionConfig, TelephoneEventSend};
use handset_media::wav;

use crate::media_runtime::test_support::{allocator, Events};
use crate::media_runtime::{
    CallSpec, MediaControl, MediaSink, MediaSockets, MediaSource, MediaWorker, WavFileSink,
    WorkerConfig, WorkerEvent,
};

const RATE: u32 = 8000;

fn config(remote: &MediaSockets, codec: CodecId, pt: u8) -> SessionConfig {
    let mut config =
        SessionConfig::one_codec(CodecConfig::new(codec), pt, RATE, remote.rtp_addr().ok());
    config.remote_rtcp = remote.rtcp_addr().ok();
    config.cname = "test@127.0.0.1".into();
    config
}

/// Normalised cross-correlation of `a` against `b` at the best offset of `b`.
fn best_correlation(reference: &[i16], recorded: &[i16]) -> f64 {
    let energy = |x: &[i16]| x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>();
    let reference_energy = energy(reference);
    let mut best = 0.0f64;
    for offset in 0..recorded.len().saturating_sub(reference.len()) {
        let window = &recorded[offset..offset + reference.len()];
        let dot: f64 = reference
            .iter()
            .zip(window)
            .map(|(&a, &b)| f64::from(a) * f64::from(b))
            .sum();
        let denominator = (reference_energy * energy(window)).sqrt();
        if denominator > 0.0 {
            best = best.max(dot / denominator);
        }
    }
    best
}

#[test]
fn a_prompt_played_on_one_session_is_heard_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let prompt = dir.path().join("prompt.wav");
    let recording = dir.path().join("recording.wav");
    // A second of two harmonics: G.711 keeps it nearly intact.
    let samples: Vec<i16> = (0..RATE)
        .map(|n| {
            let t = f64::from(n) / f64::from(RATE);
            let s = 6000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                + 3000.0 * (2.0 * std::f64::consts::PI * 660.0 * t).sin();
            s as i16
        })
        .collect();
    std::fs::write(&prompt, wav::encode(RATE, &samples)).unwrap();

    let ports = allocator(47_500);
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let a_sockets = ports.allocate(loopback, false).unwrap();
    let b_sockets = ports.allocate(loopback, false).unwrap();
    let now = Instant::now();
    let a = MediaSession::new(config(&b_sockets, CodecId::Pcmu, 0), 1, now).unwrap();
    let b = MediaSession::new(config(&a_sockets, CodecId::Pcmu, 0), 2, now).unwrap();

    let (worker, receiver) = MediaWorker::<MediaEvent>::spawn(WorkerConfig::default()).unwrap();
    let mut events = Events::new(receiver);
    let a_spec = CallSpec::new(Box::new(a), a_sockets, RATE)
        .with_source(MediaSource::wav_file(&prompt, RATE, false).unwrap());
    let b_spec = CallSpec::new(Box::new(b), b_sockets, RATE)
        .with_sink(MediaSink::WavFile(WavFileSink::new(&recording, RATE)));
    let a = worker.add_call(a_spec).unwrap();
    let b = worker.add_call(b_spec).unwrap();

    let mut next = || events.next().expect("the worker runs");
    while !matches!(next(), WorkerEvent::SourceEnded { call } if call == a) {}
    // Let the jitter buffer play out what is still in flight.
    std::thread::sleep(Duration::from_millis(600));
    worker.remove_call(a).unwrap();
    worker.remove_call(b).unwrap();
    while !matches!(next(), WorkerEvent::RecordingSaved { call, complete: true, .. } if call == b) {
    }
    worker.shutdown().unwrap();

    let recorded = wav::decode(&std::fs::read(&recording).unwrap()).unwrap();
    // The middle half of the prompt, found in the recording.
    let middle = &samples[2000..6000];
    let correlation = best_correlation(middle, &recorded.samples);
    assert!(correlation > 0.98, "correlation {correlation}");
}

fn with_telephone_event(mut config: SessionConfig) -> SessionConfig {
    if let Some(send) = config.send.as_mut() {
        send.telephone_event = Some(TelephoneEventSend {
            payload_type: 101,
            clock_rate: RATE,
        });
    }
    config.receive.telephone_event_payload_type = Some(101);
    config
}

#[test]
fn a_digit_sent_through_the_worker_is_received_once_and_a_refused_one_is_reported() {
    let ports = allocator(48_500);
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let a_sockets = ports.allocate(loopback, false).unwrap();
    let b_sockets = ports.allocate(loopback, false).unwrap();
    let now = Instant::now();
    let a_config = with_telephone_event(config(&b_sockets, CodecId::Pcma, 8));
    let b_config = with_telephone_event(config(&a_sockets, CodecId::Pcma, 8));
    let a = MediaSession::new(a_config, 3, now).unwrap();
    let b = MediaSession::new(b_config, 4, now).unwrap();
    let (worker, receiver) = MediaWorker::<MediaEvent>::spawn(WorkerConfig::default()).unwrap();
    let mut events = Events::new(receiver);
    let a = worker
        .add_call(CallSpec::new(Box::new(a), a_sockets, RATE))
        .unwrap();
    let b = worker
        .add_call(CallSpec::new(Box::new(b), b_sockets, RATE))
        .unwrap();
    let mut next = || events.next().expect("the worker runs");
    worker
        .control(
            a,
            MediaControl::SendDigit {
                key: '5',
                duration: Duration::from_millis(100),
            },
        )
        .unwrap();
    let heard = loop {
        if let WorkerEvent::Media {
            call,
            event: MediaEvent::Digit { key, .. },
        } = next()
        {
            assert_eq!(call, b);
            break key;
        }
    };
    assert_eq!(heard, '5');
    worker
        .control(
            a,
            MediaControl::SendDigit {
                key: 'x',
                duration: Duration::from_millis(100),
            },
        )
        .unwrap();
    loop {
        if let WorkerEvent::ControlFailed { call, reason } = next() {
            assert_eq!(call, a);
            assert!(!reason.is_empty());
            break;
        }
    }
    worker.shutdown().unwrap();
}
