//! Directions and hold (RFC 3264 §6.1 and §8.4, RFC 2543 `c=0.0.0.0`), and two phones
//! negotiating with each other through offer, answer and re-offers.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{config, lines, no_keys, offer_with, parse, same, HOLD_RFC2543};
use handset_sdp::{
    Attribute, Codec, Direction, HoldMode, MediaConfig, NegotiationError, Negotiator, PayloadTypes,
    RtcpMode,
};

fn answer(
    config: MediaConfig,
    offer: &handset_sdp::SessionDescription,
) -> Result<(handset_sdp::SessionDescription, handset_sdp::Negotiated), NegotiationError> {
    Negotiator::new(config, 99).answer(offer, &mut no_keys)
}

#[test]
fn answer_mirrors_the_offered_direction() {
    for (offered, answered) in [
        (Direction::SendRecv, Direction::SendRecv),
        (Direction::SendOnly, Direction::RecvOnly),
        (Direction::RecvOnly, Direction::SendOnly),
        (Direction::Inactive, Direction::Inactive),
    ] {
        let offer = offer_with("0", &format!("a={}\n", offered.as_str()));
        let (sdp, agreed) = answer(config(), &offer).unwrap();
        assert_eq!(agreed.direction, answered, "{offered:?}");
        assert!(sdp.media[0]
            .attributes
            .contains(&Attribute::Direction(answered)));
    }
    // Session-level direction applies when the media section says nothing.
    let offer = parse("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\na=sendonly\nm=audio 4000 RTP/AVP 0\n");
    assert_eq!(
        answer(config(), &offer).unwrap().1.direction,
        Direction::RecvOnly
    );
}

#[test]
fn answer_to_an_rfc2543_hold() {
    let (sdp, agreed) = answer(config(), &parse(HOLD_RFC2543)).unwrap();
    assert_eq!(agreed.remote_rtp, None);
    assert_eq!(agreed.remote_rtcp, None);
    assert_eq!(agreed.direction, Direction::RecvOnly);
    assert_eq!(sdp.connection.as_ref().unwrap().address, "192.0.2.2");
}

#[test]
fn hold_and_resume_reoffers_increment_the_version() {
    for (mode, direction, connection) in [
        (HoldMode::SendOnly, "a=sendonly", "c=IN IP4 192.0.2.2"),
        (HoldMode::Inactive, "a=inactive", "c=IN IP4 192.0.2.2"),
        (HoldMode::ConnectionZero, "a=sendonly", "c=IN IP4 0.0.0.0"),
    ] {
        let mut negotiator = Negotiator::new(config().with_hold_mode(mode), 5);
        let first = negotiator.create_offer(&mut no_keys).unwrap();
        assert_eq!(first.origin.session_version, 1);
        let again = negotiator.create_offer(&mut no_keys).unwrap();
        assert_eq!(again, first, "an unchanged offer keeps its version");
        negotiator.set_hold(true);
        let hold = negotiator.create_offer(&mut no_keys).unwrap();
        assert_eq!(hold.origin.session_version, 2);
        let text = lines(&hold);
        assert!(text.contains(&direction.to_string()), "{mode:?}: {text:?}");
        assert!(text.contains(&connection.to_string()), "{mode:?}: {text:?}");
        assert_eq!(hold.origin.address.address, "192.0.2.2");
        // The held peer answers recvonly (or inactive).
        let peer =
            Negotiator::new(config().with_rtp_port_for_test(6000), 77).answer(&hold, &mut no_keys);
        let (peer_answer, peer_agreed) = peer.unwrap();
        let agreed = negotiator.accept_answer(&peer_answer).unwrap();
        let expected = if mode == HoldMode::Inactive {
            Direction::Inactive
        } else {
            Direction::SendOnly
        };
        assert_eq!(agreed.direction, expected, "{mode:?}");
        assert!(
            !peer_agreed.direction.sends(),
            "{mode:?}: the held side does not send"
        );
        negotiator.set_hold(false);
        let resume = negotiator.create_offer(&mut no_keys).unwrap();
        assert_eq!(resume.origin.session_version, 3);
        assert!(lines(&resume).contains(&"a=sendrecv".to_string()));
    }
}

trait TestPort {
    fn with_rtp_port_for_test(self, port: u16) -> Self;
}

impl TestPort for MediaConfig {
    fn with_rtp_port_for_test(mut self, port: u16) -> Self {
        self.rtp_port = port;
        self.address = "192.0.2.3".parse().unwrap();
        self
    }
}

#[test]
fn two_phones_agree() {
    let alice_config = config()
        .with_codecs(vec![Codec::Opus, Codec::G722, Codec::Pcma])
        .with_rtcp_mode(RtcpMode::Mux);
    let bob_config = config()
        .with_rtp_port_for_test(6000)
        .with_codecs(vec![Codec::Pcma, Codec::G722])
        .with_rtcp_mode(RtcpMode::Mux);
    let mut alice = Negotiator::new(alice_config, 1);
    let mut bob = Negotiator::new(bob_config, 2);
    let offer = alice.create_offer(&mut no_keys).unwrap();
    let (answer, at_bob) = bob.answer(&offer, &mut no_keys).unwrap();
    let at_alice = alice.accept_answer(&answer).unwrap();
    // Bob answers in his order; Alice sends her favourite of those, so each side sends a
    // different codec and receives both.
    assert_eq!(at_bob.codec.codec, Codec::Pcma);
    assert_eq!(at_bob.receive_codecs, [(8, Codec::Pcma), (9, Codec::G722)]);
    assert_eq!(at_alice.codec.codec, Codec::G722);
    assert_eq!(
        at_alice.receive_codecs,
        [(8, Codec::Pcma), (9, Codec::G722)]
    );
    // With "use first matching vocoder" Alice follows Bob.
    alice.set_config(alice.config().clone().with_use_first_match(true));
    alice.create_offer(&mut no_keys).unwrap();
    let at_alice = alice.accept_answer(&answer).unwrap();
    assert_eq!(at_alice.codec.codec, Codec::Pcma);
    assert_eq!(at_alice.codec.payload_type, same(8));
    assert!(at_alice.rtcp_mux && at_bob.rtcp_mux);
    assert_eq!(at_alice.remote_rtp, Some("192.0.2.3:6000".parse().unwrap()));
    assert_eq!(at_alice.remote_rtcp, at_alice.remote_rtp);
    assert_eq!(at_bob.remote_rtp, Some("192.0.2.2:5004".parse().unwrap()));
    assert_eq!(at_alice.telephone_event, Some(same(101)));
    assert_eq!(
        alice.accept_answer(&answer).unwrap_err(),
        NegotiationError::NoOfferPending
    );
}

#[test]
fn answer_checks() {
    let mut alice = Negotiator::new(config().with_codecs(vec![Codec::Pcmu, Codec::Pcma]), 1);
    let answer_with = |formats: &str, extra: &str| {
        parse(&format!("v=0\no=- 3 3 IN IP4 h\ns=-\nc=IN IP4 192.0.2.8\nt=0 0\nm=audio 7000 RTP/AVP {formats}\n{extra}"))
    };
    alice.create_offer(&mut no_keys).unwrap();
    assert_eq!(
        alice.accept_answer(&answer_with("18", "")).unwrap_err(),
        NegotiationError::AnswerMismatch("no codec of the offer")
    );
    alice.create_offer(&mut no_keys).unwrap();
    let two = parse("v=0\no=- 3 3 IN IP4 h\ns=-\nc=IN IP4 192.0.2.8\nt=0 0\nm=audio 7000 RTP/AVP 0\nm=video 0 RTP/AVP 31\n");
    assert_eq!(
        alice.accept_answer(&two).unwrap_err(),
        NegotiationError::AnswerMismatch("number of m= lines")
    );
    alice.create_offer(&mut no_keys).unwrap();
    let rejected =
        parse("v=0\no=- 3 3 IN IP4 h\ns=-\nc=IN IP4 192.0.2.8\nt=0 0\nm=audio 0 RTP/AVP 0\n");
    assert_eq!(
        alice.accept_answer(&rejected).unwrap_err(),
        NegotiationError::NoAcceptableStream
    );
    // Several codecs in the answer: ours first unless "use first matching vocoder".
    alice.create_offer(&mut no_keys).unwrap();
    let both = answer_with("8 0 100", "a=rtpmap:100 telephone-event/8000\na=sendonly\n");
    let agreed = alice.accept_answer(&both).unwrap();
    assert_eq!(agreed.codec.codec, Codec::Pcmu);
    assert_eq!(
        agreed.telephone_event,
        Some(PayloadTypes {
            send: 100,
            receive: 101
        })
    );
    assert_eq!(agreed.direction, Direction::RecvOnly);
    alice.set_config(alice.config().clone().with_use_first_match(true));
    alice.create_offer(&mut no_keys).unwrap();
    assert_eq!(alice.accept_answer(&both).unwrap().codec.codec, Codec::Pcma);
    // A cancelled offer leaves nothing to answer.
    alice.create_offer(&mut no_keys).unwrap();
    alice.cancel_offer();
    assert_eq!(
        alice.accept_answer(&both).unwrap_err(),
        NegotiationError::NoOfferPending
    );
}
