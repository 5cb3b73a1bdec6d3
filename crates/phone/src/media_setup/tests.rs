use std::net::{IpAddr, Ipv4Addr};

use handset_codec::CodecId;
use handset_media::jitter::JitterConfig;
use handset_media::session::MediaSession;
use handset_sdp::{Codec, MediaConfig, Negotiator, SrtpMode};

use super::*;

fn settings() -> MediaSettings {
    MediaSettings {
        audio_rate: 16_000,
        frame: Duration::from_millis(20),
        jitter: JitterConfig::default(),
        red_depth: 2,
        symmetric_rtp: false,
        rtp_filter: RtpFilter::None,
        rtp_timeout: None,
        rtp_keepalive: None,
        cname: "test@handset".into(),
    }
}

fn config(last_octet: u8, codecs: Vec<Codec>) -> MediaConfig {
    let mut config = MediaConfig::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, last_octet)), 40_000);
    config.codecs = codecs;
    config
}

/// Runs an offer/answer between two phones; returns what each side agreed.
fn exchange(offerer: MediaConfig, answerer: MediaConfig) -> (Negotiated, Negotiated) {
    let mut counter = 0u8;
    let mut keys = |bytes: &mut [u8]| {
        for byte in bytes {
            counter = counter.wrapping_add(37);
            *byte = counter;
        }
    };
    let mut caller = Negotiator::new(offerer, 1);
    let mut callee = Negotiator::new(answerer, 2);
    let offer = caller.create_offer(&mut keys).unwrap();
    let (answer, callee_agreed) = callee.answer(&offer, &mut keys).unwrap();
    let caller_agreed = caller.accept_answer(&answer).unwrap();
    (caller_agreed, callee_agreed)
}

#[test]
fn both_ends_set_up_matching_sessions() {
    let mut offerer = config(1, vec![Codec::Opus, Codec::G722, Codec::Pcmu]);
    offerer.red_with_fec = true;
    let answerer = config(2, vec![Codec::G722, Codec::Opus]);
    let (caller, callee) = exchange(offerer, answerer);
    let caller = session_config(&caller, &settings()).unwrap();
    let callee = session_config(&callee, &settings()).unwrap();

    let caller_send = caller.send.clone().unwrap();
    let callee_send = callee.send.clone().unwrap();
    assert_eq!(caller_send.codec.id, CodecId::Opus);
    assert_eq!(caller_send.ptime, Duration::from_millis(20));
    // What one sends, the other decodes under the same payload type.
    assert!(callee
        .receive
        .codecs
        .iter()
        .any(|&(pt, codec)| pt == caller_send.payload_type && codec.id == caller_send.codec.id));
    assert!(caller
        .receive
        .codecs
        .iter()
        .any(|&(pt, codec)| pt == callee_send.payload_type && codec.id == callee_send.codec.id));
    assert_eq!(
        caller_send.telephone_event.map(|event| event.clock_rate),
        Some(48_000)
    );
    assert_eq!(
        caller_send.telephone_event.map(|event| event.payload_type),
        callee.receive.telephone_event_payload_type
    );
    assert_eq!(caller.remote_rtp, Some("10.0.0.2:40000".parse().unwrap()));
    assert_eq!(caller.audio_rate, 16_000);
    // Both build.
    MediaSession::new(caller, 1, origin()).unwrap();
    MediaSession::new(callee, 2, origin()).unwrap();
}

#[test]
fn srtp_keys_cross_over() {
    let mut offerer = config(1, vec![Codec::Pcmu]);
    offerer.srtp_mode = SrtpMode::EnabledAndForced;
    let mut answerer = config(2, vec![Codec::Pcmu]);
    answerer.srtp_mode = SrtpMode::EnabledAndForced;
    let (caller, callee) = exchange(offerer, answerer);
    let caller = session_config(&caller, &settings()).unwrap();
    let callee = session_config(&callee, &settings()).unwrap();
    let (caller_keys, callee_keys) = (caller.srtp.unwrap(), callee.srtp.unwrap());
    assert_eq!(caller_keys.profile, callee_keys.profile);
    assert_eq!(caller_keys.local, callee_keys.remote);
    assert_eq!(caller_keys.remote, callee_keys.local);
    assert_ne!(caller_keys.local, caller_keys.remote);
}

#[test]
fn a_held_call_does_not_send() {
    let offerer = config(1, vec![Codec::Pcmu]);
    let answerer = config(2, vec![Codec::Pcmu]);
    let mut caller = Negotiator::new(offerer, 1);
    let mut callee = Negotiator::new(answerer, 2);
    let mut keys = |bytes: &mut [u8]| bytes.fill(7);
    caller.set_hold(true);
    let offer = caller.create_offer(&mut keys).unwrap();
    let (answer, callee_agreed) = callee.answer(&offer, &mut keys).unwrap();
    let caller_agreed = caller.accept_answer(&answer).unwrap();
    // The held side does not send; the holding side sends at most (music on hold).
    let held = session_config(&callee_agreed, &settings()).unwrap();
    assert!(held.send.is_none());
    assert_ne!(caller_agreed.direction, Direction::SendRecv);
}

#[test]
fn unknown_suites_and_codecs_are_errors() {
    assert!(matches!(
        profile(&CryptoSuite::Other("F8_128_HMAC_SHA1_80".into())),
        Err(MediaSetupError::Suite(_))
    ));
    assert!(matches!(
        codec_config(Codec::Ilbc, 8000, 1, "mode=30"),
        Err(MediaSetupError::Codec { name: "iLBC", .. })
    ));
}

#[test]
fn mki_values_fill_their_length() {
    assert_eq!(
        mki_bytes(Mki {
            value: 1,
            length: 1
        }),
        vec![1]
    );
    assert_eq!(
        mki_bytes(Mki {
            value: 0x0102,
            length: 4
        }),
        vec![0, 0, 1, 2]
    );
    let long = mki_bytes(Mki {
        value: 5,
        length: 10,
    });
    assert_eq!(long.len(), 10);
    assert_eq!(long[9], 5);
}

#[allow(clippy::disallowed_methods)]
fn origin() -> std::time::Instant {
    std::time::Instant::now()
}
