//! RFC 3264 offer/answer: codec choice, payload types, telephone-event, RED, ptime, RTCP
//! modes and bandwidth lines.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{
    config, lines, no_keys, offer_with, parse, same, AUDIO_VIDEO, BARESIP_LIKE, FREESWITCH_LIKE,
};
use handset_sdp::{
    Attribute, BandwidthMode, BandwidthType, Codec, MediaConfig, MediaType, NegotiationError,
    NegotiationPriority, Negotiator, RtcpMode, SessionDescription,
};

#[test]
fn default_offer_lists_the_codecs_in_order() {
    let mut negotiator = Negotiator::new(config(), 4242);
    let offer = negotiator.create_offer(&mut no_keys).unwrap();
    assert_eq!(
        lines(&offer),
        [
            "v=0",
            "o=- 4242 1 IN IP4 192.0.2.2",
            "s=-",
            "c=IN IP4 192.0.2.2",
            "t=0 0",
            "m=audio 5004 RTP/AVP 0 8 18 9 97 101",
            "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:8 PCMA/8000",
            "a=rtpmap:18 G729/8000",
            "a=rtpmap:9 G722/8000",
            "a=rtpmap:97 iLBC/8000",
            "a=fmtp:97 mode=30",
            "a=rtpmap:101 telephone-event/8000",
            "a=fmtp:101 0-15",
            "a=ptime:20",
            "a=sendrecv",
        ]
    );
    assert!(negotiator.has_pending_offer());
}

#[test]
fn configured_payload_types_opus_and_ptime() {
    let config = config()
        .with_vocoder_choices(&[123, 2, 0, 4, 0])
        .with_frames_per_packet(3);
    assert_eq!(config.codecs, [Codec::Opus, Codec::G726_32, Codec::Pcmu]);
    let offer = Negotiator::new(config, 1)
        .create_offer(&mut no_keys)
        .unwrap();
    let text = lines(&offer);
    assert!(
        text.contains(&"m=audio 5004 RTP/AVP 123 127 0 101 96".to_string()),
        "{text:?}"
    );
    assert!(text.contains(&"a=rtpmap:123 opus/48000/2".to_string()));
    assert!(text.contains(&"a=rtpmap:127 G726-32/8000".to_string()));
    assert!(text.contains(&"a=rtpmap:96 telephone-event/48000".to_string()));
    assert!(text.contains(&"a=ptime:30".to_string()));
}

#[test]
fn clashing_payload_types_get_free_numbers() {
    let mut config = config().with_codecs(vec![Codec::Opus, Codec::Ilbc]);
    config.payload_types.ilbc = 123;
    config.payload_types.dtmf = 123;
    let offer = Negotiator::new(config, 1)
        .create_offer(&mut no_keys)
        .unwrap();
    assert_eq!(offer.media[0].formats, ["123", "96", "97", "98"]);
}

#[test]
fn callee_priority_picks_our_order_caller_priority_theirs() {
    let offer = offer_with("8 9 0 101", "a=rtpmap:101 telephone-event/8000\n");
    let (sdp, agreed) = answer(config(), &offer).unwrap();
    assert_eq!(agreed.codec.codec, Codec::Pcmu);
    assert_eq!(sdp.media[0].formats, ["0", "8", "9", "101"]);
    assert_eq!(agreed.telephone_event, Some(same(101)));

    let caller = config().with_priority(NegotiationPriority::Caller);
    let (sdp, agreed) = answer(caller, &offer).unwrap();
    assert_eq!(agreed.codec.codec, Codec::Pcma);
    assert_eq!(sdp.media[0].formats, ["8", "9", "0", "101"]);

    let first = config().with_use_first_match(true);
    let (sdp, agreed) = answer(first, &offer).unwrap();
    assert_eq!(agreed.codec.codec, Codec::Pcmu);
    assert_eq!(sdp.media[0].formats, ["0", "101"]);
}

#[test]
fn answerer_uses_the_offerers_dynamic_numbers_and_any_case() {
    let offer = offer_with(
        "111 97 9",
        "a=rtpmap:111 OPUS/48000/2\na=fmtp:111 maxplaybackrate=16000\na=rtpmap:97 Ilbc/8000\na=rtpmap:9 G722/8000\n",
    );
    let config = config().with_codecs(vec![Codec::Opus, Codec::G722]);
    let (sdp, agreed) = answer(config, &offer).unwrap();
    assert_eq!(agreed.codec.codec, Codec::Opus);
    assert_eq!(agreed.codec.payload_type, same(111));
    assert_eq!(
        (agreed.codec.clock_rate, agreed.codec.channels),
        (48_000, 2)
    );
    assert_eq!(agreed.codec.fmtp.as_deref(), Some("maxplaybackrate=16000"));
    assert_eq!(sdp.media[0].formats, ["111", "9"]);
    assert!(lines(&sdp).contains(&"a=rtpmap:111 opus/48000/2".to_string()));
    // No telephone-event offered, none agreed.
    assert_eq!(agreed.telephone_event, None);
}

#[test]
fn opus_needs_two_channels_and_g722_an_8000_clock() {
    let offer = offer_with("96 9", "a=rtpmap:96 opus/48000\na=rtpmap:9 G722/16000\n");
    let config = config().with_codecs(vec![Codec::Opus, Codec::G722]);
    assert_eq!(
        answer(config, &offer).unwrap_err(),
        NegotiationError::NoAcceptableStream
    );
}

#[test]
fn static_types_without_rtpmap() {
    let sdp = parse(AUDIO_VIDEO);
    let (answer_sdp, agreed) = answer(config(), &sdp).unwrap();
    assert_eq!(agreed.codec.codec, Codec::Pcmu);
    assert_eq!(agreed.ptime, 30, "the peer's a=ptime");
    assert_eq!(agreed.remote_rtp, Some("192.0.2.90:49274".parse().unwrap()));
    assert_eq!(
        agreed.remote_rtcp,
        Some("192.0.2.90:49275".parse().unwrap())
    );
    // The video stream comes first and is rejected with port 0, formats kept.
    assert_eq!(answer_sdp.media.len(), 2);
    assert_eq!(
        (answer_sdp.media[0].kind.clone(), answer_sdp.media[0].port),
        (MediaType::Video, 0)
    );
    assert_eq!(answer_sdp.media[0].formats, ["31"]);
    assert_eq!(answer_sdp.media[1].port, 5004);
    assert_eq!(answer_sdp.media[1].formats, ["0", "8", "18"]);
}

#[test]
fn unusable_streams() {
    let rejected = offer_with("0", "").to_string().replace("30000", "0");
    let rejected = SessionDescription::parse(rejected.as_bytes()).unwrap();
    assert_eq!(
        answer(config(), &rejected).unwrap_err(),
        NegotiationError::NoAcceptableStream
    );
    let nothing_common = offer_with("3 4", "");
    assert_eq!(
        answer(config(), &nothing_common).unwrap_err(),
        NegotiationError::NoAcceptableStream
    );
    let host_name = parse(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 pbx.example.com\nt=0 0\nm=audio 4000 RTP/AVP 0\n",
    );
    assert_eq!(
        answer(config(), &host_name).unwrap_err(),
        NegotiationError::BadConnection
    );
    let mut negotiator = Negotiator::new(config().with_codecs(Vec::new()), 1);
    assert_eq!(
        negotiator.create_offer(&mut no_keys).unwrap_err(),
        NegotiationError::NoCodecs
    );
}

#[test]
fn telephone_event_rate_follows_the_codec_clock() {
    let sdp = parse(FREESWITCH_LIKE);
    let opus = config().with_codecs(vec![Codec::Opus, Codec::Pcmu]);
    let (_, agreed) = answer(opus, &sdp).unwrap();
    assert_eq!(agreed.codec.payload_type, same(102));
    assert_eq!(agreed.telephone_event, Some(same(103)));
    let (answer_sdp, agreed) = answer(config(), &sdp).unwrap();
    assert_eq!(agreed.codec.codec, Codec::Pcmu);
    assert_eq!(agreed.telephone_event, Some(same(101)));
    assert!(lines(&answer_sdp).contains(&"a=rtpmap:101 telephone-event/8000".to_string()));
    // Only an 8 kHz telephone-event offered beside Opus: still used.
    let offer = offer_with(
        "96 101",
        "a=rtpmap:96 opus/48000/2\na=rtpmap:101 telephone-event/8000\n",
    );
    let (_, agreed) = answer(config().with_codecs(vec![Codec::Opus]), &offer).unwrap();
    assert_eq!(agreed.telephone_event, Some(same(101)));
    // Turned off locally: not answered.
    let (sdp, agreed) = answer(
        config().with_telephone_event(false),
        &parse(FREESWITCH_LIKE),
    )
    .unwrap();
    assert_eq!(agreed.telephone_event, None);
    assert!(!sdp.to_string().contains("telephone-event"));
}

#[test]
fn ptime_and_maxptime() {
    let offer = offer_with("0", "a=maxptime:20\n");
    let (sdp, agreed) = answer(config().with_frames_per_packet(4), &offer).unwrap();
    assert_eq!(agreed.ptime, 20, "capped by the peer's maxptime");
    assert!(
        sdp.media[0].attributes.contains(&Attribute::Ptime(40)),
        "what we want to receive"
    );
    let offer = offer_with("0", "a=ptime:25\n");
    assert_eq!(
        answer(config(), &offer).unwrap().1.ptime,
        20,
        "whole 10 ms frames"
    );
    let offer = offer_with("97", "a=rtpmap:97 iLBC/8000\na=fmtp:97 mode=20\n");
    let twenty = config()
        .with_codecs(vec![Codec::Ilbc])
        .with_ilbc_frame_ms(20);
    let (_, agreed) = answer(twenty, &offer).unwrap();
    assert_eq!((agreed.codec.ilbc_mode, agreed.ptime), (20, 20));
    let (sdp, agreed) = answer(config().with_codecs(vec![Codec::Ilbc]), &offer).unwrap();
    assert_eq!(
        (agreed.codec.ilbc_mode, agreed.ptime),
        (30, 30),
        "30 unless both say 20"
    );
    assert!(lines(&sdp).contains(&"a=fmtp:97 mode=30".to_string()));
}

#[test]
fn red_with_fec() {
    let config = config()
        .with_codecs(vec![Codec::Opus, Codec::Pcmu])
        .with_red_with_fec(true);
    let offer = Negotiator::new(config.clone(), 1)
        .create_offer(&mut no_keys)
        .unwrap();
    let text = lines(&offer);
    assert!(
        text.contains(&"m=audio 5004 RTP/AVP 123 0 124 121 101 96".to_string()),
        "{text:?}"
    );
    assert!(text.contains(&"a=rtpmap:124 red/48000/2".to_string()));
    assert!(text.contains(&"a=fmtp:124 123/123".to_string()));
    assert!(text.contains(&"a=rtpmap:121 ulpfec/48000".to_string()));
    // Another phone with the same settings answers with RED and FEC.
    let (sdp, agreed) = answer(config.clone(), &offer).unwrap();
    let red = agreed.red.unwrap();
    assert_eq!(
        (red.payload_type, red.codec_payload_type),
        (same(124), same(123))
    );
    assert_eq!(agreed.fec, Some(same(121)));
    assert_eq!(agreed.telephone_event, Some(same(96)));
    assert!(lines(&sdp).contains(&"a=fmtp:124 123/123".to_string()));
    // RED for another codec than the chosen one is not taken.
    let offer = offer_with("0 100", "a=rtpmap:100 red/8000\na=fmtp:100 8/8\n");
    assert_eq!(answer(config, &offer).unwrap().1.red, None);
}

#[test]
fn rtcp_modes() {
    let offer_of = |mode| {
        let sdp = Negotiator::new(config().with_rtcp_mode(mode).with_rtcp_port(5010), 1)
            .create_offer(&mut no_keys)
            .unwrap();
        lines(&sdp)
            .into_iter()
            .filter(|l| l.starts_with("a=rtcp"))
            .collect::<Vec<_>>()
    };
    assert!(offer_of(RtcpMode::Default).is_empty());
    assert_eq!(offer_of(RtcpMode::Negotiated), ["a=rtcp:5010"]);
    assert_eq!(offer_of(RtcpMode::Mux), ["a=rtcp:5010", "a=rtcp-mux"]);
    assert_eq!(offer_of(RtcpMode::MuxOnly), ["a=rtcp:5004", "a=rtcp-mux"]);

    let muxed = parse(BARESIP_LIKE)
        .to_string()
        .replace("RTP/SAVP", "RTP/AVP");
    let muxed = SessionDescription::parse(muxed.as_bytes()).unwrap();
    let (sdp, agreed) = answer(config(), &muxed).unwrap();
    assert!(!agreed.rtcp_mux, "default mode declines mux");
    assert!(!sdp.media[0].attributes.contains(&Attribute::RtcpMux));
    assert_eq!(
        agreed.remote_rtcp,
        Some("192.0.2.77:10007".parse().unwrap())
    );
    let (sdp, agreed) = answer(config().with_rtcp_mode(RtcpMode::Mux), &muxed).unwrap();
    assert!(agreed.rtcp_mux);
    assert!(sdp.media[0].attributes.contains(&Attribute::RtcpMux));
    assert_eq!(agreed.remote_rtcp, agreed.remote_rtp);

    let plain = offer_with("0", "a=rtcp:31000 IN IP4 198.51.100.10\n");
    let (_, agreed) = answer(config().with_rtcp_mode(RtcpMode::Mux), &plain).unwrap();
    assert_eq!(
        agreed.remote_rtcp,
        Some("198.51.100.10:31000".parse().unwrap())
    );
    assert_eq!(
        answer(config().with_rtcp_mode(RtcpMode::MuxOnly), &plain).unwrap_err(),
        NegotiationError::RtcpMuxRequired
    );
}

#[test]
fn bandwidth_modes() {
    let bandwidth = |mode| {
        let sdp = Negotiator::new(
            config()
                .with_bandwidth_mode(mode)
                .with_codecs(vec![Codec::Pcmu]),
            1,
        )
        .create_offer(&mut no_keys)
        .unwrap();
        let kinds = |list: &[handset_sdp::Bandwidth]| {
            list.iter()
                .map(|b| (b.kind.clone(), b.value))
                .collect::<Vec<_>>()
        };
        (kinds(&sdp.bandwidths), kinds(&sdp.media[0].bandwidths))
    };
    assert_eq!(bandwidth(BandwidthMode::None), (vec![], vec![]));
    assert_eq!(
        bandwidth(BandwidthMode::MediaLevel),
        (vec![], vec![(BandwidthType::As, 80)])
    );
    assert_eq!(
        bandwidth(BandwidthMode::SessionLevel),
        (vec![(BandwidthType::As, 80)], vec![])
    );
    assert_eq!(
        bandwidth(BandwidthMode::Standard),
        (
            vec![(BandwidthType::As, 80)],
            vec![(BandwidthType::Tias, 64_000)]
        )
    );
}

#[test]
fn answers_serialize_and_parse_back() {
    for (name, body) in common::samples() {
        let offer = SessionDescription::parse(&body).unwrap();
        let config = config()
            .with_srtp_mode(handset_sdp::SrtpMode::EnabledButNotForced)
            .with_codecs(Codec::ALL.to_vec());
        if let Ok((sdp, _)) =
            Negotiator::new(config, 3).answer(&offer, &mut |k: &mut [u8]| k.fill(9))
        {
            assert_eq!(sdp.media.len(), offer.media.len(), "{name}");
            assert_eq!(
                SessionDescription::parse(&sdp.to_bytes()).unwrap(),
                sdp,
                "{name}"
            );
        }
    }
}

fn answer(
    config: MediaConfig,
    offer: &SessionDescription,
) -> Result<(SessionDescription, handset_sdp::Negotiated), NegotiationError> {
    Negotiator::new(config, 99).answer(offer, &mut no_keys)
}
