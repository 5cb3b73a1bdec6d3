//! SDES-SRTP (RFC 4568) in offer/answer: the SRTP modes, key lengths, lifetimes, and keys
//! that come from the caller.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{crlf, ASTERISK_LIKE, BARESIP_LIKE, FREESWITCH_LIKE};
use handset_sdp::{
    Attribute, Codec, CryptoSuite, Lifetime, MediaConfig, NegotiationError, Negotiator, Protocol,
    SessionDescription, SrtpKeyLength, SrtpMode,
};

fn config(mode: SrtpMode) -> MediaConfig {
    MediaConfig::new("192.0.2.2".parse().unwrap(), 5004).with_srtp_mode(mode)
}

/// Key material that counts up from `start`, so each key is recognisable.
fn counter(start: u8) -> impl FnMut(&mut [u8]) {
    let mut next = start;
    move |key: &mut [u8]| {
        for byte in key.iter_mut() {
            *byte = next;
            next = next.wrapping_add(1);
        }
    }
}

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(&crlf(text)).unwrap()
}

fn crypto_lines(sdp: &SessionDescription) -> Vec<String> {
    sdp.to_string()
        .lines()
        .filter(|l| l.starts_with("a=crypto"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn forced_offers_savp_with_all_suites_and_lifetime() {
    let mut negotiator = Negotiator::new(config(SrtpMode::EnabledAndForced), 1);
    let offer = negotiator.create_offer(&mut counter(0)).unwrap();
    assert_eq!(offer.media[0].proto, Protocol::RtpSavp);
    let lines = crypto_lines(&offer);
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQF"));
    assert!(lines[0].ends_with("|2^31"));
    assert!(lines[2].starts_with("a=crypto:3 AES_256_CM_HMAC_SHA1_80 "));
    // Each suite has its own key, drawn once per call: a re-offer repeats them.
    let keys: Vec<Vec<u8>> = offer.media[0]
        .attributes
        .iter()
        .filter_map(|a| match a {
            Attribute::Crypto(c) => Some(c.keys[0].key_salt.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        keys.iter().map(Vec::len).collect::<Vec<_>>(),
        [30, 30, 46, 46]
    );
    assert_ne!(keys[0], keys[1]);
    let again = negotiator
        .create_offer(&mut |_: &mut [u8]| panic!("keys are kept"))
        .unwrap();
    assert_eq!(again, offer);
}

#[test]
fn key_length_and_lifetime_settings() {
    let only = |length, lifetime| {
        let config = config(SrtpMode::EnabledButNotForced)
            .with_key_length(length)
            .with_crypto_lifetime(lifetime);
        let offer = Negotiator::new(config, 1)
            .create_offer(&mut counter(0))
            .unwrap();
        assert_eq!(
            offer.media[0].proto,
            Protocol::RtpAvp,
            "not forced: RTP/AVP"
        );
        crypto_lines(&offer)
    };
    let aes128 = only(SrtpKeyLength::Aes128, false);
    assert_eq!(aes128.len(), 2);
    assert!(aes128
        .iter()
        .all(|l| l.contains("AES_CM_128") && !l.contains('|')));
    let aes256 = only(SrtpKeyLength::Aes256, true);
    assert_eq!(aes256.len(), 2);
    assert!(aes256[0].starts_with("a=crypto:1 AES_256_CM_HMAC_SHA1_80"));
    let offer = Negotiator::new(config(SrtpMode::Optional), 1)
        .create_offer(&mut |_: &mut [u8]| panic!("optional offers plain RTP"))
        .unwrap();
    assert!(crypto_lines(&offer).is_empty());
}

#[test]
fn follow_transport() {
    let tls = config(SrtpMode::FollowTransport).with_sip_over_tls(true);
    let offer = Negotiator::new(tls, 1)
        .create_offer(&mut counter(0))
        .unwrap();
    assert_eq!(offer.media[0].proto, Protocol::RtpSavp);
    let udp = config(SrtpMode::FollowTransport);
    let offer = Negotiator::new(udp, 1)
        .create_offer(&mut counter(0))
        .unwrap();
    assert_eq!(offer.media[0].proto, Protocol::RtpAvp);
    assert!(crypto_lines(&offer).is_empty());
}

#[test]
fn answering_a_savp_offer() {
    let offer = parse(ASTERISK_LIKE);
    for mode in [
        SrtpMode::EnabledAndForced,
        SrtpMode::EnabledButNotForced,
        SrtpMode::Optional,
    ] {
        let (answer, agreed) = Negotiator::new(config(mode), 1)
            .answer(&offer, &mut counter(100))
            .unwrap();
        assert_eq!(answer.media[0].proto, Protocol::RtpSavp);
        let srtp = agreed.srtp.unwrap();
        assert_eq!(srtp.suite, CryptoSuite::AesCm128HmacSha1_80);
        assert_eq!(srtp.remote.key_salt, b"this is a test key and salt 12");
        assert_eq!(srtp.local.key_salt, (100..130).collect::<Vec<u8>>());
        assert_eq!(srtp.local.lifetime, Some(Lifetime::PowerOfTwo(31)));
        let lines = crypto_lines(&answer);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:ZGVmZ2hp"));
    }
    assert_eq!(
        Negotiator::new(config(SrtpMode::Disabled), 1)
            .answer(&offer, &mut counter(0))
            .unwrap_err(),
        NegotiationError::SrtpDisabled
    );
    let aes256 = config(SrtpMode::EnabledAndForced).with_key_length(SrtpKeyLength::Aes256);
    assert_eq!(
        Negotiator::new(aes256, 1)
            .answer(&offer, &mut counter(0))
            .unwrap_err(),
        NegotiationError::SrtpRequired
    );
}

#[test]
fn best_effort_srtp_on_rtp_avp() {
    let offer = parse(FREESWITCH_LIKE);
    // Not forced: the first crypto line we allow is taken, keeping RTP/AVP.
    let (answer, agreed) = Negotiator::new(config(SrtpMode::EnabledButNotForced), 1)
        .answer(&offer, &mut counter(0))
        .unwrap();
    assert_eq!(answer.media[0].proto, Protocol::RtpAvp);
    assert_eq!(agreed.srtp.unwrap().suite, CryptoSuite::Aes256CmHmacSha1_80);
    assert!(crypto_lines(&answer)[0].starts_with("a=crypto:1 AES_256_CM_HMAC_SHA1_80 "));
    let aes128 = config(SrtpMode::EnabledButNotForced).with_key_length(SrtpKeyLength::Aes128);
    let (answer, agreed) = Negotiator::new(aes128, 1)
        .answer(&offer, &mut counter(0))
        .unwrap();
    assert_eq!(agreed.srtp.unwrap().suite, CryptoSuite::AesCm128HmacSha1_80);
    assert!(crypto_lines(&answer)[0].starts_with("a=crypto:3 "));
    // Disabled: the crypto lines are ignored and plain RTP answered.
    let (answer, agreed) = Negotiator::new(config(SrtpMode::Disabled), 1)
        .answer(&offer, &mut |_: &mut [u8]| panic!("no keys"))
        .unwrap();
    assert!(agreed.srtp.is_none() && crypto_lines(&answer).is_empty());
    // Forced takes SRTP on RTP/AVP too; a plain offer without crypto it refuses.
    let (_, agreed) = Negotiator::new(config(SrtpMode::EnabledAndForced), 1)
        .answer(&offer, &mut counter(0))
        .unwrap();
    assert!(agreed.srtp.is_some());
    let plain = parse(
        &FREESWITCH_LIKE
            .lines()
            .filter(|l| !l.starts_with("a=crypto"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    assert_eq!(
        Negotiator::new(config(SrtpMode::EnabledAndForced), 1)
            .answer(&plain, &mut counter(0))
            .unwrap_err(),
        NegotiationError::SrtpRequired
    );
    let (_, agreed) = Negotiator::new(config(SrtpMode::EnabledButNotForced), 1)
        .answer(&plain, &mut counter(0))
        .unwrap();
    assert!(agreed.srtp.is_none());
}

#[test]
fn crypto_lines_we_cannot_honour_are_skipped() {
    let offer = parse(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.50\nt=0 0\nm=audio 4000 RTP/SAVP 0\n\
a=crypto:1 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm\n\
a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm UNENCRYPTED_SRTP\n\
a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4\n\
a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|1048576\n",
    );
    let (answer, agreed) = Negotiator::new(config(SrtpMode::EnabledAndForced), 1)
        .answer(&offer, &mut counter(0))
        .unwrap();
    let srtp = agreed.srtp.unwrap();
    assert_eq!(srtp.suite, CryptoSuite::AesCm128HmacSha1_32);
    assert_eq!(srtp.remote.lifetime, Some(Lifetime::Packets(1_048_576)));
    assert!(crypto_lines(&answer)[0].starts_with("a=crypto:4 "));
}

#[test]
fn secure_stream_preferred_among_two_audio_lines() {
    let best_effort = parse(&format!(
        "{}m=audio 4002 RTP/AVP 0 8\n",
        BARESIP_LIKE.replace("a=rtcp-mux\n", "")
    ));
    let (answer, agreed) = Negotiator::new(config(SrtpMode::EnabledButNotForced), 1)
        .answer(&best_effort, &mut counter(0))
        .unwrap();
    assert!(agreed.srtp.is_some());
    assert_eq!((answer.media[0].port, answer.media[1].port), (5004, 0));
    let (answer, agreed) = Negotiator::new(config(SrtpMode::Disabled), 1)
        .answer(&best_effort, &mut counter(0))
        .unwrap();
    assert!(agreed.srtp.is_none());
    assert_eq!((answer.media[0].port, answer.media[1].port), (0, 5004));
    assert_eq!(agreed.remote_rtp, Some("192.0.2.77:4002".parse().unwrap()));
}

#[test]
fn two_phones_exchange_keys() {
    let alice_config = config(SrtpMode::EnabledAndForced).with_codecs(vec![Codec::G722]);
    let bob_config = config(SrtpMode::EnabledButNotForced)
        .with_key_length(SrtpKeyLength::Aes256)
        .with_crypto_lifetime(false);
    let mut alice = Negotiator::new(alice_config, 1);
    let mut bob = Negotiator::new(bob_config, 2);
    let offer = alice.create_offer(&mut counter(0)).unwrap();
    let (answer, at_bob) = bob.answer(&offer, &mut counter(200)).unwrap();
    let at_alice = alice.accept_answer(&answer).unwrap();
    let (a, b) = (at_alice.srtp.unwrap(), at_bob.srtp.unwrap());
    assert_eq!(a.suite, CryptoSuite::Aes256CmHmacSha1_80);
    assert_eq!(a.suite, b.suite);
    assert_eq!(a.local, b.remote);
    assert_eq!(a.remote, b.local);
    assert_eq!(b.local.lifetime, None);
    assert_eq!(a.local.lifetime, Some(Lifetime::PowerOfTwo(31)));
}

#[test]
fn answers_to_our_secure_offer_are_checked() {
    let mut alice = Negotiator::new(config(SrtpMode::EnabledAndForced), 1);
    let offer = alice.create_offer(&mut counter(0)).unwrap();
    let plain = offer
        .to_string()
        .lines()
        .filter(|l| !l.starts_with("a=crypto"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let plain = SessionDescription::parse(plain.as_bytes()).unwrap();
    assert_eq!(
        alice.accept_answer(&plain).unwrap_err(),
        NegotiationError::SrtpRequired
    );
    alice.create_offer(&mut counter(0)).unwrap();
    let other_tag = offer.to_string().replace(
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80",
        "a=crypto:9 AES_CM_128_HMAC_SHA1_80",
    );
    let other_tag = SessionDescription::parse(other_tag.as_bytes()).unwrap();
    assert_eq!(
        alice.accept_answer(&other_tag).unwrap_err(),
        NegotiationError::AnswerMismatch("crypto tag or suite not offered")
    );
    alice.create_offer(&mut counter(0)).unwrap();
    let avp = offer.to_string().replace("RTP/SAVP", "RTP/AVP");
    let avp = SessionDescription::parse(avp.as_bytes()).unwrap();
    assert_eq!(
        alice.accept_answer(&avp).unwrap_err(),
        NegotiationError::AnswerMismatch("transport profile")
    );
    // Not forced: an answer without crypto means plain RTP.
    let mut carol = Negotiator::new(config(SrtpMode::EnabledButNotForced), 1);
    let offer = carol.create_offer(&mut counter(0)).unwrap();
    let plain = offer
        .to_string()
        .lines()
        .filter(|l| !l.starts_with("a=crypto"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let agreed = carol
        .accept_answer(&SessionDescription::parse(plain.as_bytes()).unwrap())
        .unwrap();
    assert!(agreed.srtp.is_none());
}
