//! Two sessions talking through a simulated network: codecs, SRTP, RED, FEC, RFC 4733, RTP
//! timeout, symmetric RTP and filtering, RTCP, re-negotiation.

mod harness;

use std::time::Duration;

use handset_codec::opus::OpusSettings;
use handset_codec::{CodecConfig, CodecId};

use self::harness::{address, config, rms, segmental_snr, speech, voice, Pair, A, B};
use super::*;
use crate::rtcp::{RtcpPacket, XrBlock};
use crate::rtp::{RtpPacket, RtpSender};
use crate::srtp::{MasterKey, SrtpContext, SrtpProfile};

/// Both sides talk for `seconds`; returns what A and what B said, as long as what was heard.
fn talk(pair: &mut Pair, rate: u32, seconds: u64) -> (Vec<i16>, Vec<i16>) {
    let tick = (pair.tick.as_micros() * u128::from(rate) / 1_000_000) as usize;
    let mut signal =
        |is_a: bool, offset: usize| voice(rate, offset, tick, if is_a { 0.0 } else { 1.3 });
    pair.run(Duration::from_secs(seconds), &mut signal);
    (
        voice(rate, 0, pair.b_heard.len(), 0.0),
        voice(rate, 0, pair.a_heard.len(), 1.3),
    )
}

/// A says `said` (B is silent) for as long as it lasts.
fn say(pair: &mut Pair, rate: u32, said: &[i16]) {
    let tick = rate as usize / 50;
    let seconds = said.len() as f64 / f64::from(rate);
    let mut signal = |is_a: bool, offset: usize| {
        let mut frame = vec![0; tick];
        if is_a {
            let available = said.get(offset..).unwrap_or_default();
            let length = available.len().min(tick);
            frame[..length].copy_from_slice(&available[..length]);
        }
        frame
    };
    pair.run(Duration::from_secs_f64(seconds), &mut signal);
}

/// The SNR of what B heard from A, from `from` seconds on.
fn snr_at_b(pair: &Pair, said_by_a: &[i16], rate: u32, from: f64) -> f64 {
    segmental_snr(said_by_a, &pair.b_heard, rate, from, rate as usize * 4 / 10)
}

fn both_ways(codec: CodecId, payload_type: u8, rate: u32, bound: f64) {
    let mut pair = Pair::new(
        config(codec, payload_type, B, rate),
        config(codec, payload_type, A, rate),
    );
    let (a_said, b_said) = talk(&mut pair, rate, 4);
    let at_b = snr_at_b(&pair, &a_said, rate, 1.0);
    let at_a = segmental_snr(&b_said, &pair.a_heard, rate, 1.0, rate as usize * 4 / 10);
    assert!(at_b > bound, "{codec:?} A→B SNR {at_b:.1} dB");
    assert!(at_a > bound, "{codec:?} B→A SNR {at_a:.1} dB");
    let stats = pair.b.stats();
    assert!(stats.packets_received > 190, "{stats:?}");
    assert_eq!(
        stats.receive_codec,
        Some(CodecConfig::new(codec).info().encoding_name)
    );
}

#[test]
fn g711_carries_audio_both_ways() {
    both_ways(CodecId::Pcmu, 0, 8000, 25.0);
}

#[test]
fn g722_carries_audio_both_ways() {
    both_ways(CodecId::G722, 9, 16000, 15.0);
}

#[test]
fn opus_carries_audio_both_ways() {
    both_ways(CodecId::Opus, 111, 16000, 4.0);
}

#[test]
fn ptime_and_tick_may_differ() {
    // 10 ms ticks: A packs two ticks per packet, B one tick per 10 ms packet.
    let mut a = config(CodecId::Pcmu, 0, B, 8000);
    a.frame = Duration::from_millis(10);
    let mut b = config(CodecId::Pcmu, 0, A, 8000);
    b.frame = Duration::from_millis(10);
    if let Some(send) = b.send.as_mut() {
        send.ptime = Duration::from_millis(10);
    }
    let mut pair = Pair::new(a, b);
    let (a_said, b_said) = talk(&mut pair, 8000, 3);
    assert!(snr_at_b(&pair, &a_said, 8000, 1.0) > 25.0);
    assert!(segmental_snr(&b_said, &pair.a_heard, 8000, 1.0, 3200) > 25.0);
    let packets = |log: &[Transmit]| log.iter().filter(|t| !t.rtcp).count();
    assert!((145..=155).contains(&packets(&pair.to_b_log)));
    assert!((295..=305).contains(&packets(&pair.to_a_log)));
}

fn key(byte: u8) -> MasterKey {
    MasterKey::from_inline(SrtpProfile::Aes128CmSha1_80, &[byte; 30]).unwrap()
}

fn srtp(local: u8, remote: u8) -> Option<SrtpKeys> {
    Some(SrtpKeys {
        profile: SrtpProfile::Aes128CmSha1_80,
        local: key(local),
        remote: key(remote),
    })
}

#[test]
fn srtp_with_crossed_keys_carries_audio() {
    let mut a = config(CodecId::Pcmu, 0, B, 8000);
    a.srtp = srtp(1, 2);
    let mut b = config(CodecId::Pcmu, 0, A, 8000);
    b.srtp = srtp(2, 1);
    let mut pair = Pair::new(a, b);
    let (a_said, _) = talk(&mut pair, 8000, 3);
    assert!(snr_at_b(&pair, &a_said, 8000, 1.0) > 25.0);
    assert!(pair.b_events.is_empty(), "{:?}", pair.b_events);
    // Nothing went out in the clear: the payload only reads right after unprotecting.
    let sent = &pair.to_b_log[0].bytes;
    let mut receiver = SrtpContext::new(SrtpProfile::Aes128CmSha1_80, &key(1)).unwrap();
    let clear = RtpPacket::parse(&receiver.unprotect_rtp(sent).unwrap()).unwrap();
    let wire = RtpPacket::parse(sent).unwrap();
    assert_eq!(clear.payload.len(), 160);
    assert_ne!(wire.payload[..160], clear.payload[..]);
}

#[test]
fn srtp_with_a_wrong_key_is_rejected_and_silent() {
    let mut a = config(CodecId::Pcmu, 0, B, 8000);
    a.srtp = srtp(1, 2);
    let mut b = config(CodecId::Pcmu, 0, A, 8000);
    b.srtp = srtp(2, 3);
    let mut pair = Pair::new(a, b);
    talk(&mut pair, 8000, 3);
    let rejected = pair
        .b_events
        .iter()
        .filter(|event| matches!(event, MediaEvent::Rejected { .. }))
        .count();
    // Rate-limited: about one a second, not one per packet.
    assert!((1..=4).contains(&rejected), "{:?}", pair.b_events);
    assert_eq!(rms(&pair.b_heard), 0.0);
    assert_eq!(pair.b.stats().packets_received, 0);
    // The other direction is unaffected.
    assert!(rms(&pair.a_heard[8000..]) > 1000.0);
}

fn red_run(depth: Option<u8>) -> f64 {
    let mut a = config(CodecId::Pcmu, 0, B, 8000);
    let mut b = config(CodecId::Pcmu, 0, A, 8000);
    if let (Some(depth), Some(send)) = (depth, a.send.as_mut()) {
        send.red = Some(RedSend {
            payload_type: 100,
            depth,
        });
        b.receive.red_payload_type = Some(100);
    }
    let mut pair = Pair::new(a, b);
    pair.a_to_b.loss = 0.3;
    let (a_said, _) = talk(&mut pair, 8000, 8);
    if depth.is_some() {
        assert!(pair.b.stats().jitter_buffer.recovered > 50);
    }
    snr_at_b(&pair, &a_said, 8000, 2.0)
}

#[test]
fn red_depth_two_recovers_thirty_percent_loss() {
    let with_red = red_run(Some(2));
    let without = red_run(None);
    assert!(
        with_red > without + 6.0,
        "with RED {with_red:.1} dB, without {without:.1} dB"
    );
    assert!(with_red > 15.0, "with RED {with_red:.1} dB");
}

/// What B hears of Opus from A with or without in-band FEC, at `loss`. The sender expects
/// 20 % loss, so that FEC is strong from the first packet on.
fn fec_run(inband_fec: bool, loss: f64) -> Vec<i16> {
    let opus = CodecConfig::new(CodecId::Opus).with_opus(OpusSettings {
        inband_fec,
        expected_loss_percent: if inband_fec { 20 } else { 0 },
        ..OpusSettings::default()
    });
    let mut a = config(CodecId::Opus, 111, B, 16000);
    if let Some(send) = a.send.as_mut() {
        send.codec = opus;
    }
    let b = config(CodecId::Opus, 111, A, 16000);
    let mut pair = Pair::new(a, b);
    pair.a_to_b.loss = loss;
    say(&mut pair, 16000, &speech(16000, 16000 * 12));
    if loss > 0.0 && inband_fec {
        assert!(pair.b.stats().jitter_buffer.fec > 20);
    }
    pair.b_heard
}

#[test]
fn opus_fec_improves_audio_under_loss() {
    // Against the same stream decoded without loss, so that coding noise cancels out and
    // only what the losses did is measured.
    let score = |inband_fec| {
        let clean = fec_run(inband_fec, 0.0);
        let lossy = fec_run(inband_fec, 0.1);
        segmental_snr(&clean, &lossy, 16000, 2.0, 6400)
    };
    let with_fec = score(true);
    let without = score(false);
    assert!(
        with_fec > without + 2.0,
        "with FEC {with_fec:.1} dB, without {without:.1} dB"
    );
}

#[test]
fn rfc4733_digit_arrives_once_and_voice_resumes() {
    let mut a = config(CodecId::Pcmu, 0, B, 8000);
    if let Some(send) = a.send.as_mut() {
        send.telephone_event = Some(TelephoneEventSend {
            payload_type: 101,
            clock_rate: 8000,
        });
    }
    let mut b = config(CodecId::Pcmu, 0, A, 8000);
    b.receive.telephone_event_payload_type = Some(101);
    let mut pair = Pair::new(a, b);
    talk(&mut pair, 8000, 1);
    let now = pair.now;
    pair.a
        .send_digit(now, '5', Duration::from_millis(100))
        .unwrap();
    assert!(matches!(
        pair.a.send_digit(now, 'x', Duration::from_millis(100)),
        Err(SessionError::NotAKey('x'))
    ));
    let (a_said, _) = talk(&mut pair, 8000, 2);
    let digits: Vec<_> = pair
        .b_events
        .iter()
        .filter_map(|event| match event {
            MediaEvent::Digit { key, duration } => Some((*key, *duration)),
            _ => None,
        })
        .collect();
    assert_eq!(digits.len(), 1, "{digits:?}");
    assert_eq!(digits[0].0, '5');
    assert!(digits[0].1 >= Duration::from_millis(100) && digits[0].1 <= Duration::from_millis(140));
    let events = pair
        .to_b_log
        .iter()
        .filter_map(|transmit| RtpPacket::parse(&transmit.bytes).ok())
        .filter(|packet| packet.header.payload_type == 101)
        .count();
    assert!(events >= 6, "{events} event packets");
    assert!(snr_at_b(&pair, &a_said, 8000, 2.0) > 20.0);
}

#[test]
fn rtp_timeout_fires_after_the_configured_time_only() {
    let a = config(CodecId::Pcmu, 0, B, 8000);
    let mut b = config(CodecId::Pcmu, 0, A, 8000);
    b.rtp_timeout = Some(Duration::from_secs(3));
    let mut pair = Pair::new(a.clone(), b);
    talk(&mut pair, 8000, 1);
    let held = SessionConfig { send: None, ..a };
    let now = pair.now;
    pair.a.update(held, now).unwrap();
    pair.run(Duration::from_millis(2900), &mut |_, _| vec![0; 160]);
    assert!(!pair.b_events.contains(&MediaEvent::RtpTimeout));
    pair.run(Duration::from_millis(300), &mut |_, _| vec![0; 160]);
    let timeouts = pair
        .b_events
        .iter()
        .filter(|e| **e == MediaEvent::RtpTimeout)
        .count();
    assert_eq!(timeouts, 1);
    pair.run(Duration::from_secs(5), &mut |_, _| vec![0; 160]);
    let timeouts = pair
        .b_events
        .iter()
        .filter(|e| **e == MediaEvent::RtpTimeout)
        .count();
    assert_eq!(timeouts, 1, "reported once per silence");
}

#[test]
fn symmetric_rtp_learns_the_source_address() {
    let a = config(CodecId::Pcmu, 0, B, 8000);
    let mut b = config(CodecId::Pcmu, 0, A, 8000);
    b.symmetric_rtp = true;
    let mut pair = Pair::new(a, b);
    let nat = address("127.0.0.9:6000");
    pair.a_source = nat;
    talk(&mut pair, 8000, 1);
    assert_eq!(pair.b_events, vec![MediaEvent::RemoteAddressChanged(nat)]);
    let last = pair.to_a_log.last().unwrap();
    assert_eq!(last.to, nat);
}

#[test]
fn rtp_filter_drops_strangers() {
    let mut sender = RtpSender::new(7, 0, 1, 0);
    let mut packets = (0..4).map(|_| sender.audio(vec![0xff; 160], 160).to_bytes());
    let start = harness::origin();
    for (filter, from, accepted) in [
        (RtpFilter::IpAndPort, A, true),
        (RtpFilter::IpAndPort, "127.0.0.1:40002", false),
        (RtpFilter::Ip, "127.0.0.1:40002", true),
        (RtpFilter::Ip, "127.0.0.3:40000", false),
    ] {
        let mut b = config(CodecId::Pcmu, 0, A, 8000);
        b.rtp_filter = filter;
        let mut session = MediaSession::new(b, 3, start).unwrap();
        session.handle_packet(start, address(from), &packets.next().unwrap());
        let stats = session.stats();
        assert_eq!(
            stats.packets_received,
            u64::from(accepted),
            "{filter:?} {from}"
        );
        assert_eq!(
            stats.packets_rejected,
            u64::from(!accepted),
            "{filter:?} {from}"
        );
    }
}

#[test]
fn rtcp_reports_measure_the_round_trip_and_bye_carries_metrics() {
    let a = config(CodecId::Pcmu, 0, B, 8000);
    let mut b = config(CodecId::Pcmu, 0, A, 8000);
    // B only listens: it reports with RRs.
    b.send = None;
    b.rtcp_mux = false;
    b.remote_rtcp = None;
    let mut a = a;
    a.rtcp_mux = false;
    a.remote_rtcp = Some(address("127.0.0.2:50001"));
    let mut pair = Pair::new(a, b);
    talk(&mut pair, 8000, 20);
    let first_types = |log: &[Transmit]| -> Vec<u8> {
        log.iter()
            .filter(|transmit| transmit.rtcp)
            .map(|transmit| RtcpPacket::parse_compound(&transmit.bytes).unwrap()[0].packet_type())
            .collect()
    };
    let from_a = first_types(&pair.to_b_log);
    let from_b = first_types(&pair.to_a_log);
    assert!(
        from_a.len() >= 3 && from_a.iter().all(|&t| t == crate::rtcp::PT_SR),
        "{from_a:?}"
    );
    assert!(
        from_b.len() >= 3 && from_b.iter().all(|&t| t == crate::rtcp::PT_RR),
        "{from_b:?}"
    );
    assert!(pair
        .to_b_log
        .iter()
        .any(|t| t.rtcp && t.to == address("127.0.0.2:50001")));
    assert!(pair
        .to_a_log
        .iter()
        .any(|t| t.rtcp && t.to == address("127.0.0.1:40001")));
    let rtt = pair.a.stats().round_trip.unwrap();
    assert!(
        rtt >= Duration::from_millis(78) && rtt <= Duration::from_millis(82),
        "{rtt:?}"
    );
    assert_eq!(pair.a.stats().remote_loss_percent, Some(0.0));

    let now = pair.now;
    pair.b.close(now);
    let bye = pair.b.poll_transmit().unwrap();
    assert!(bye.rtcp);
    assert_eq!(pair.b.poll_transmit(), None);
    assert_eq!(pair.b.poll_timeout(), None);
    let packets = RtcpPacket::parse_compound(&bye.bytes).unwrap();
    let Some(RtcpPacket::Goodbye(goodbye)) = packets.last() else {
        panic!("{packets:?}");
    };
    assert_eq!(goodbye.sources.len(), 1);
    let metrics = packets
        .iter()
        .find_map(|packet| match packet {
            RtcpPacket::ExtendedReport(xr) => xr.blocks.iter().find_map(|block| match block {
                XrBlock::VoipMetrics(metrics) => Some(*metrics),
                _ => None,
            }),
            _ => None,
        })
        .unwrap();
    assert_eq!(metrics.loss_rate, 0);
    assert!(metrics.mos_lq >= 40, "{metrics:?}");
    pair.a
        .handle_rtcp(now, address("127.0.0.2:50001"), &bye.bytes);
    assert!(pair.a.stats().remote_bye);
}

fn ssrc_of(transmit: &Transmit) -> Option<(u32, u8)> {
    if transmit.rtcp {
        return None;
    }
    let packet = RtpPacket::parse(&transmit.bytes).ok()?;
    Some((packet.header.ssrc, packet.header.payload_type))
}

#[test]
fn hold_and_resume_keep_the_ssrc() {
    let a = config(CodecId::Pcmu, 0, B, 8000);
    let mut pair = Pair::new(a.clone(), config(CodecId::Pcmu, 0, A, 8000));
    talk(&mut pair, 8000, 1);
    let (ssrc, _) = pair.to_b_log.iter().find_map(ssrc_of).unwrap();
    let now = pair.now;
    pair.a
        .update(
            SessionConfig {
                send: None,
                remote_rtp: None,
                ..a.clone()
            },
            now,
        )
        .unwrap();
    let before = pair.to_b_log.len();
    talk(&mut pair, 8000, 1);
    assert!(
        pair.to_b_log[before..].iter().all(|t| t.rtcp),
        "nothing but RTCP while held"
    );
    let now = pair.now;
    pair.a.update(a, now).unwrap();
    let resumed = pair.to_b_log.len();
    let (a_said, _) = talk(&mut pair, 8000, 2);
    let packets: Vec<_> = pair.to_b_log[resumed..]
        .iter()
        .filter_map(ssrc_of)
        .collect();
    assert!(packets.len() > 90);
    assert!(packets.iter().all(|&(s, _)| s == ssrc));
    assert!(snr_at_b(&pair, &a_said, 8000, 3.0) > 20.0);
}

/// A starts with PCMU, then a re-INVITE moves it to `to`; B accepts both all along.
fn switch_codec(to: CodecId, payload_type: u8, bound: f64) {
    let pcmu = CodecConfig::new(CodecId::Pcmu);
    let next = CodecConfig::new(to);
    let mut b = config(CodecId::Pcmu, 0, A, 16000);
    b.receive.codecs = vec![(0, pcmu), (payload_type, next)];
    let a = config(CodecId::Pcmu, 0, B, 16000);
    let mut pair = Pair::new(a.clone(), b);
    talk(&mut pair, 16000, 2);
    assert_eq!(pair.b.stats().receive_codec, Some("PCMU"));
    let (ssrc, _) = pair.to_b_log.iter().find_map(ssrc_of).unwrap();
    let mut changed = a;
    changed.send = changed.send.map(|send| SendConfig {
        codec: next,
        payload_type,
        ..send
    });
    let now = pair.now;
    pair.a.update(changed, now).unwrap();
    let switched = pair.to_b_log.len();
    let (a_said, _) = talk(&mut pair, 16000, 3);
    let name = next.info().encoding_name;
    assert_eq!(pair.b.stats().receive_codec, Some(name));
    assert_eq!(pair.a.stats().send_codec, Some(name));
    let packets: Vec<_> = pair.to_b_log[switched..]
        .iter()
        .filter_map(ssrc_of)
        .collect();
    assert!(packets.iter().all(|&packet| packet == (ssrc, payload_type)));
    let stats = pair.b.stats();
    assert_eq!(stats.jitter_buffer.received, stats.packets_received);
    let snr = snr_at_b(&pair, &a_said, 16000, 3.0);
    assert!(snr > bound, "{name}: {snr:.1} dB");
}

#[test]
fn codec_change_mid_call() {
    switch_codec(CodecId::G722, 9, 12.0);
}

#[test]
fn codec_change_to_another_clock_rate_mid_call() {
    switch_codec(CodecId::Opus, 111, 4.0);
}

#[test]
fn bad_settings_are_refused() {
    let mut tick = config(CodecId::Pcmu, 0, B, 8000);
    tick.frame = Duration::from_millis(15);
    assert!(matches!(
        MediaSession::new(tick, 1, harness::origin()),
        Err(SessionError::Tick { .. })
    ));
    let mut ptime = config(CodecId::Opus, 111, B, 8000);
    if let Some(send) = ptime.send.as_mut() {
        send.ptime = Duration::from_millis(30);
    }
    assert!(matches!(
        MediaSession::new(ptime, 1, harness::origin()),
        Err(SessionError::Ptime { .. })
    ));
    let mut plain =
        MediaSession::new(config(CodecId::Pcmu, 0, B, 8000), 1, harness::origin()).unwrap();
    assert!(matches!(
        plain.send_digit(harness::origin(), '1', Duration::from_millis(100)),
        Err(SessionError::NoTelephoneEvent)
    ));
}

#[test]
fn rtp_keepalive_goes_out_only_while_no_voice_is_sent() {
    let start = harness::origin();
    let mut held = config(CodecId::Pcmu, 0, B, 8000);
    held.send = None;
    let mut session = MediaSession::new(held, 9, start).unwrap();
    session.set_keepalive(Some(Duration::from_secs(20)), start);
    let mut keepalives = Vec::new();
    let mut now = start;
    while now < start + Duration::from_secs(61) {
        if let Some(at) = session.poll_timeout() {
            if at <= now {
                session.handle_timeout(now);
            }
        }
        while let Some(t) = session.poll_transmit() {
            if !t.rtcp && t.bytes.len() == 12 {
                keepalives.push((now, t.bytes));
            }
        }
        now += Duration::from_millis(20);
    }
    assert_eq!(keepalives.len(), 3, "at 20, 40 and 60 s");
    assert!(
        keepalives.iter().all(|(_, b)| b[0] >> 6 == 1),
        "RTP version 1"
    );
    // While voice flows, none is needed.
    let mut talking = MediaSession::new(config(CodecId::Pcmu, 0, B, 8000), 9, start).unwrap();
    talking.set_keepalive(Some(Duration::from_secs(20)), start);
    let mut now = start;
    let frame = vec![100i16; 160];
    let mut count = 0;
    while now < start + Duration::from_secs(45) {
        talking.push_audio(now, &frame);
        if talking.poll_timeout().is_some_and(|at| at <= now) {
            talking.handle_timeout(now);
        }
        while let Some(t) = talking.poll_transmit() {
            if !t.rtcp && t.bytes.len() == 12 && t.bytes[0] >> 6 == 1 {
                count += 1;
            }
        }
        now += Duration::from_millis(20);
    }
    assert_eq!(count, 0);
}
