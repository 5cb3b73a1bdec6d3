//! Two calls talking to each other in simulated time: what one sends is handed to the other
//! as the account would (no transaction layer in between; its retransmissions are the
//! transaction tests' business).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use handset_sdp::{Codec, Direction as SdpDirection, MediaConfig, Negotiator};
use handset_sip::account::RequestId;
use handset_sip::auth::Credentials;
use handset_sip::header::{HeaderKind, NameAddr, Transport as ViaTransport};
use handset_sip::locate::{Target, TransportKind};
use handset_sip::message::response_to;
use handset_sip::transaction::TransactionKey;
use handset_sip::uri::{Host, Uri};
use handset_sip::{Message, Method, StatusCode};

use super::*;

#[allow(clippy::disallowed_methods)]
pub(super) fn origin() -> Instant {
    Instant::now()
}

fn params(last_octet: u8, user: &str, seed: u64) -> CallParams {
    let ip = Ipv4Addr::new(10, 0, 0, last_octet);
    let mut media = MediaConfig::new(IpAddr::V4(ip), 40_000);
    media.codecs = vec![Codec::Opus, Codec::Pcmu];
    CallParams {
        account: 1,
        local: NameAddr::new(Uri::parse(&format!("sip:{user}@example.com")).unwrap())
            .with_display_name(user),
        contact: Uri::parse(&format!("sip:{user}@{ip}:5060")).unwrap(),
        via: ViaSpec {
            transport: ViaTransport::Udp,
            host: Host::Ipv4(ip),
            port: 5060,
        },
        credentials: None,
        user_agent: Some("handset-test".into()),
        media,
        seed,
        invite_headers: Vec::new(),
    }
}

fn target(last_octet: u8) -> Target {
    Target {
        addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, last_octet)), 5060),
        transport: TransportKind::Udp,
    }
}

/// What a call asked for, sorted.
#[derive(Debug, Default)]
pub(super) struct Drained {
    pub(super) sent: Vec<(Message, Option<Target>)>,
    pub(super) acks: Vec<Message>,
    pub(super) responses: Vec<(RequestId, Message)>,
    pub(super) media: Vec<MediaAction>,
    pub(super) events: Vec<CallEvent>,
}

pub(super) fn drain(call: &mut Call) -> Drained {
    let mut out = Drained::default();
    while let Some(output) = call.poll_output() {
        match output {
            CallOutput::Sip(SipCommand::Send { request, to }) => out.sent.push((request, to)),
            CallOutput::Sip(SipCommand::SendAck { request, .. }) => out.acks.push(request),
            CallOutput::Sip(SipCommand::Respond { id, response }) => {
                out.responses.push((id, response.build().unwrap()))
            }
            CallOutput::Media(action) => out.media.push(action),
            CallOutput::Event(event) => out.events.push(event),
        }
    }
    out
}

pub(super) fn key_of(response: &Message) -> TransactionKey {
    TransactionKey::of_response(response).unwrap()
}

pub(super) fn id_of(request: &Message) -> RequestId {
    RequestId::of_request(request).unwrap()
}

/// Alice calls Bob; Bob's phone rings. Returns both calls and Alice's INVITE.
fn ringing(now: Instant) -> (Call, Call, Message) {
    let bob_uri = Uri::parse("sip:bob@10.0.0.2").unwrap();
    let mut alice = Call::dial(
        params(1, "alice", 1),
        bob_uri.clone(),
        NameAddr::new(bob_uri),
        Some(target(2)),
    )
    .unwrap();
    let out = drain(&mut alice);
    assert_eq!(out.sent.len(), 1);
    let (invite, to) = out.sent[0].clone();
    assert_eq!(to, Some(target(2)));
    assert_eq!(invite.method(), Some(&Method::Invite));
    let mut bob = Call::receive(
        params(2, "bob", 2),
        id_of(&invite),
        invite.clone(),
        target(1),
    )
    .unwrap();
    assert_eq!(bob.state(), CallState::Ringing);
    let out = drain(&mut bob);
    let ringing = &out.responses[0].1;
    assert_eq!(ringing.status(), Some(StatusCode::RINGING));
    alice.handle_response(now, &key_of(ringing), ringing);
    let out = drain(&mut alice);
    assert_eq!(
        out.events,
        vec![CallEvent::RemoteRinging { early_media: false }]
    );
    assert_eq!(alice.state(), CallState::Alerting);
    (alice, bob, invite)
}

/// Carries Bob's 200 to Alice and Alice's ACK to Bob; both are established.
pub(super) fn connected(now: Instant) -> (Call, Call) {
    let (mut alice, mut bob, _) = ringing(now);
    bob.answer(now).unwrap();
    let out = drain(&mut bob);
    assert!(matches!(out.media[..], [MediaAction::Start(_)]));
    let ok = &out.responses[0].1;
    assert_eq!(ok.status(), Some(StatusCode::OK));
    alice.handle_response(now, &key_of(ok), ok);
    let out = drain(&mut alice);
    assert!(matches!(out.media[..], [MediaAction::Start(_)]));
    assert_eq!(out.events, vec![CallEvent::Established]);
    assert_eq!(out.acks.len(), 1);
    let ack = &out.acks[0];
    bob.handle_request(now, id_of(ack), ack);
    let out = drain(&mut bob);
    assert_eq!(out.events, vec![CallEvent::Established]);
    assert_eq!(bob.state(), CallState::Established);
    (alice, bob)
}

/// Hands every request `from` sends to `to`, and the answers back; returns what `from`
/// reported.
pub(super) fn exchange(now: Instant, from: &mut Call, to: &mut Call) -> (Drained, Drained) {
    let sent = drain(from);
    let mut answers = Drained::default();
    for (request, _) in &sent.sent {
        to.handle_request(now, id_of(request), request);
        let out = drain(to);
        for (_, response) in &out.responses {
            from.handle_response(now, &key_of(response), response);
        }
        answers.events.extend(out.events);
        answers.media.extend(out.media);
        answers.responses.extend(out.responses);
    }
    let mut back = drain(from);
    for ack in &back.acks {
        to.handle_request(now, id_of(ack), ack);
    }
    let late = drain(to);
    answers.events.extend(late.events);
    answers.media.extend(late.media);
    back.sent.splice(0..0, sent.sent);
    back.events.splice(0..0, sent.events);
    back.media.splice(0..0, sent.media);
    (back, answers)
}

#[test]
fn a_call_is_placed_answered_and_hung_up_by_the_caller() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    let stranger = Message::parse_datagram(
        b"BYE sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:b@h>;tag=zz\r\n\
          To: <sip:a@h>;tag=t\r\nCall-ID: other\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
        &Default::default(),
    )
    .unwrap();
    assert!(!alice.owns(&stranger));
    alice.hang_up(now);
    let (out, answers) = exchange(now, &mut alice, &mut bob);
    assert_eq!(out.sent[0].0.method(), Some(&Method::Bye));
    // Straight to Bob: his contact is an IP address and nothing record-routed.
    assert_eq!(out.sent[0].1, Some(target(2)));
    assert_eq!(out.media, vec![MediaAction::Stop]);
    assert_eq!(out.events, vec![CallEvent::Ended(EndReason::LocalHangup)]);
    assert_eq!(answers.responses[0].1.status(), Some(StatusCode::OK));
    assert_eq!(
        answers.events,
        vec![CallEvent::Ended(EndReason::RemoteHangup)]
    );
    assert_eq!(answers.media, vec![MediaAction::Stop]);
    assert_eq!(bob.state(), CallState::Ended);
}

#[test]
fn both_sides_agree_on_the_first_common_codec() {
    let now = origin();
    let (mut alice, mut bob, _) = ringing(now);
    bob.answer(now).unwrap();
    let out = drain(&mut bob);
    let MediaAction::Start(bob_media) = &out.media[0] else {
        panic!("media starts");
    };
    assert_eq!(bob_media.codec.codec, Codec::Opus);
    let ok = &out.responses[0].1;
    alice.handle_response(now, &key_of(ok), ok);
    let out = drain(&mut alice);
    let MediaAction::Start(alice_media) = &out.media[0] else {
        panic!("media starts");
    };
    assert_eq!(alice_media.codec.codec, Codec::Opus);
    assert_eq!(
        alice_media.remote_rtp,
        Some(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            40_000
        ))
    );
}

#[test]
fn the_callee_rejects_and_the_caller_hears_why() {
    let now = origin();
    let (mut alice, mut bob, _) = ringing(now);
    bob.reject(486).unwrap();
    let out = drain(&mut bob);
    assert_eq!(out.events, vec![CallEvent::Ended(EndReason::Rejected(486))]);
    let busy = &out.responses[0].1;
    assert_eq!(busy.status(), Some(StatusCode::BUSY_HERE));
    alice.handle_response(now, &key_of(busy), busy);
    let out = drain(&mut alice);
    assert_eq!(
        out.events,
        vec![CallEvent::Ended(EndReason::Refused {
            status: 486,
            reason: "Busy Here".into()
        })]
    );
    // The ACK for a failure belongs to the transaction, not to the call.
    assert!(out.acks.is_empty());
}

#[test]
fn the_caller_cancels_while_it_rings() {
    let now = origin();
    let (mut alice, mut bob, invite) = ringing(now);
    alice.hang_up(now);
    let out = drain(&mut alice);
    assert_eq!(out.events, vec![CallEvent::Ended(EndReason::LocalHangup)]);
    let cancel = &out.sent[0].0;
    assert_eq!(cancel.method(), Some(&Method::Cancel));
    assert!(bob.owns(cancel));
    bob.handle_request(now, id_of(cancel), cancel);
    let out = drain(&mut bob);
    let statuses: Vec<u16> = out
        .responses
        .iter()
        .map(|(_, r)| r.status().unwrap().as_u16())
        .collect();
    assert_eq!(statuses, vec![200, 487]);
    // The 487 answers the INVITE's transaction.
    assert_eq!(out.responses[1].0, id_of(&invite));
    assert_eq!(out.events, vec![CallEvent::Ended(EndReason::Cancelled)]);
    let terminated = &out.responses[1].1;
    alice.handle_response(now, &key_of(terminated), terminated);
    let out = drain(&mut alice);
    assert!(out.events.is_empty(), "reported once: {:?}", out.events);
}

#[test]
fn a_cancel_waits_for_the_first_provisional_response() {
    let now = origin();
    let bob_uri = Uri::parse("sip:bob@10.0.0.2").unwrap();
    let mut alice = Call::dial(
        params(1, "alice", 1),
        bob_uri.clone(),
        NameAddr::new(bob_uri),
        None,
    )
    .unwrap();
    let invite = drain(&mut alice).sent[0].0.clone();
    alice.hang_up(now);
    let out = drain(&mut alice);
    assert!(
        out.sent.is_empty(),
        "RFC 3261 §9.1: no CANCEL before a provisional"
    );
    assert_eq!(out.events, vec![CallEvent::Ended(EndReason::LocalHangup)]);
    let trying = response_to(&invite, StatusCode::TRYING, None).unwrap();
    let trying = trying.build().unwrap();
    alice.handle_response(now, &key_of(&trying), &trying);
    let out = drain(&mut alice);
    assert_eq!(out.sent[0].0.method(), Some(&Method::Cancel));
}

#[test]
fn a_2xx_crossing_our_cancel_is_acknowledged_and_ended() {
    let now = origin();
    let (mut alice, mut bob, _) = ringing(now);
    alice.hang_up(now);
    drain(&mut alice);
    bob.answer(now).unwrap();
    let ok = drain(&mut bob).responses[0].1.clone();
    alice.handle_response(now, &key_of(&ok), &ok);
    let out = drain(&mut alice);
    assert_eq!(out.acks.len(), 1);
    assert_eq!(out.sent[0].0.method(), Some(&Method::Bye));
    assert!(out.events.is_empty());
}

#[test]
fn the_2xx_is_resent_until_the_ack_and_the_call_ends_without_one() {
    let now = origin();
    let (_alice, mut bob, _) = ringing(now);
    bob.answer(now).unwrap();
    drain(&mut bob);
    let mut resent = Vec::new();
    let mut t = now;
    while bob.state() != CallState::Ended {
        let Some(at) = bob.poll_timeout() else { break };
        t = at;
        bob.handle_timeout(t);
        let out = drain(&mut bob);
        resent.extend(out.responses.iter().map(|_| t - now));
        if let Some(CallEvent::Ended(reason)) = out.events.last() {
            assert_eq!(reason, &EndReason::NoAck);
            assert_eq!(out.sent[0].0.method(), Some(&Method::Bye));
        }
    }
    let ms: Vec<u128> = resent.iter().map(Duration::as_millis).collect();
    assert_eq!(&ms[..4], &[500, 1500, 3500, 7500]);
    assert!(ms.windows(2).all(|w| w[1] - w[0] <= 4000));
    assert_eq!(t - now, Duration::from_secs(32));
}

#[test]
fn hold_and_resume_by_reinvite() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    alice.hold().unwrap();
    let (out, answers) = exchange(now, &mut alice, &mut bob);
    assert_eq!(out.sent[0].0.method(), Some(&Method::Invite));
    assert_eq!(out.events, vec![CallEvent::Held]);
    assert!(alice.is_held());
    assert!(
        matches!(&out.media[..], [MediaAction::Update(n)] if n.direction == SdpDirection::SendOnly)
    );
    assert_eq!(answers.events, vec![CallEvent::RemoteHold(true)]);
    assert!(
        matches!(&answers.media[..], [MediaAction::Update(n)] if n.direction == SdpDirection::RecvOnly)
    );
    assert_eq!(out.acks.len(), 1);
    alice.resume().unwrap();
    let (out, answers) = exchange(now, &mut alice, &mut bob);
    assert_eq!(out.events, vec![CallEvent::Resumed]);
    assert_eq!(answers.events, vec![CallEvent::RemoteHold(false)]);
    assert!(!alice.is_held() && !bob.is_remote_held());
    // The second re-INVITE counts on in the dialog.
    let cseqs: Vec<u32> = [&out.sent[0].0]
        .iter()
        .map(|m| m.headers().cseq().unwrap().seq)
        .collect();
    assert_eq!(cseqs, vec![3]);
}

#[test]
fn crossing_reinvites_get_491_and_ours_is_retried_later() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    alice.hold().unwrap();
    bob.hold().unwrap();
    let from_alice = drain(&mut alice).sent[0].0.clone();
    let from_bob = drain(&mut bob).sent[0].0.clone();
    bob.handle_request(now, id_of(&from_alice), &from_alice);
    let glare = drain(&mut bob).responses[0].1.clone();
    assert_eq!(glare.status().unwrap().as_u16(), 491);
    alice.handle_response(now, &key_of(&glare), &glare);
    assert!(drain(&mut alice).events.is_empty());
    assert!(!alice.is_held());
    let retry_at = alice.poll_timeout().expect("a retry is planned");
    // The Call-ID owner waits 2.1-4 s (RFC 3261 §14.1).
    assert!(
        retry_at - now >= Duration::from_millis(2100) && retry_at - now <= Duration::from_secs(4)
    );
    alice.handle_request(now, id_of(&from_bob), &from_bob);
    let answer = drain(&mut alice);
    assert_eq!(answer.events, vec![CallEvent::RemoteHold(true)]);
    alice.handle_timeout(retry_at);
    let out = drain(&mut alice);
    assert_eq!(out.sent[0].0.method(), Some(&Method::Invite));
}

#[test]
fn dtmf_by_sip_info_reaches_the_other_side() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    alice.send_info_dtmf('5', 160).unwrap();
    let (out, answers) = exchange(now, &mut alice, &mut bob);
    assert_eq!(out.sent[0].0.method(), Some(&Method::Info));
    assert_eq!(
        answers.events,
        vec![CallEvent::Dtmf {
            digit: '5',
            duration_ms: 160
        }]
    );
    assert_eq!(answers.responses[0].1.status(), Some(StatusCode::OK));
}

#[test]
fn a_challenge_is_answered_once_with_the_next_cseq() {
    let now = origin();
    let mut caller = params(1, "alice", 1);
    caller.credentials = Some(Credentials::new("alice", "secret"));
    let uri = Uri::parse("sip:bob@example.com").unwrap();
    let mut alice = Call::dial(caller, uri.clone(), NameAddr::new(uri), None).unwrap();
    let invite = drain(&mut alice).sent[0].0.clone();
    let mut challenge =
        response_to(&invite, StatusCode::PROXY_AUTHENTICATION_REQUIRED, None).unwrap();
    challenge.with_to_tag("proxy1").header(
        HeaderKind::ProxyAuthenticate,
        "Digest realm=\"example.com\", nonce=\"abc123\", qop=\"auth\"",
    );
    let challenge = challenge.build().unwrap();
    alice.handle_response(now, &key_of(&challenge), &challenge);
    let out = drain(&mut alice);
    assert!(out.events.is_empty());
    let retry = &out.sent[0].0;
    assert_eq!(retry.headers().cseq().unwrap().seq, 2);
    assert_eq!(
        retry.headers().call_id().unwrap(),
        invite.headers().call_id().unwrap()
    );
    let auth = retry
        .headers()
        .get(HeaderKind::ProxyAuthorization)
        .unwrap()
        .value()
        .unwrap()
        .into_owned();
    assert!(auth.contains("username=\"alice\"") && auth.contains("nonce=\"abc123\""));
    assert!(!retry.body().is_empty(), "the offer goes again");
    // The same challenge again means the password is wrong: the call fails.
    let mut again = response_to(retry, StatusCode::PROXY_AUTHENTICATION_REQUIRED, None).unwrap();
    again.with_to_tag("proxy1").header(
        HeaderKind::ProxyAuthenticate,
        "Digest realm=\"example.com\", nonce=\"abc123\", qop=\"auth\"",
    );
    let again = again.build().unwrap();
    alice.handle_response(now, &key_of(&again), &again);
    let out = drain(&mut alice);
    assert!(matches!(
        out.events[..],
        [CallEvent::Ended(EndReason::Refused { status: 407, .. })]
    ));
}

#[test]
fn a_redirect_is_followed_to_its_contact() {
    let now = origin();
    let uri = Uri::parse("sip:bob@example.com").unwrap();
    let mut alice =
        Call::dial(params(1, "alice", 1), uri.clone(), NameAddr::new(uri), None).unwrap();
    let invite = drain(&mut alice).sent[0].0.clone();
    let mut moved = response_to(&invite, StatusCode::new(302).unwrap(), None).unwrap();
    moved
        .with_to_tag("r1")
        .header(HeaderKind::Contact, "<sip:carol@10.0.0.3>");
    let moved = moved.build().unwrap();
    alice.handle_response(now, &key_of(&moved), &moved);
    let out = drain(&mut alice);
    let (retry, to) = &out.sent[0];
    assert_eq!(
        retry.request_uri().unwrap().to_string(),
        "sip:carol@10.0.0.3"
    );
    assert_eq!(*to, Some(target(3)));
    assert!(out.events.is_empty());
}

#[test]
fn no_answer_at_all_ends_the_call_as_unreachable() {
    let now = origin();
    let uri = Uri::parse("sip:bob@example.com").unwrap();
    let mut alice =
        Call::dial(params(1, "alice", 1), uri.clone(), NameAddr::new(uri), None).unwrap();
    let invite = drain(&mut alice).sent[0].0.clone();
    alice.handle_request_failed(now, &TransactionKey::of_sent_request(&invite).unwrap());
    assert_eq!(
        drain(&mut alice).events,
        vec![CallEvent::Ended(EndReason::Unreachable)]
    );
}

#[test]
fn an_offer_we_cannot_answer_is_refused_before_ringing() {
    let uri = Uri::parse("sip:bob@10.0.0.2").unwrap();
    let mut caller = params(1, "alice", 1);
    caller.media.codecs = vec![Codec::G729];
    let mut alice = Call::dial(caller, uri.clone(), NameAddr::new(uri), None).unwrap();
    let invite = drain(&mut alice).sent[0].0.clone();
    let mut callee = params(2, "bob", 2);
    callee.media.codecs = vec![Codec::Pcmu];
    let refused = Call::receive(callee, id_of(&invite), invite, target(1));
    assert!(matches!(refused, Err(CallError::Sdp(_))));
}

#[test]
fn a_late_offer_is_answered_in_the_ack() {
    let now = origin();
    let (_, _, invite) = ringing(now);
    // The same INVITE without its SDP.
    let text = String::from_utf8_lossy(invite.as_bytes()).into_owned();
    let head = text.split("\r\n\r\n").next().unwrap();
    let head: Vec<&str> = head
        .lines()
        .filter(|l| !l.starts_with("Content-Type") && !l.starts_with("Content-Length"))
        .collect();
    let bare = format!("{}\r\nContent-Length: 0\r\n\r\n", head.join("\r\n"));
    let invite = Message::parse_datagram(bare.as_bytes(), &Default::default()).unwrap();
    let mut bob = Call::receive(
        params(2, "bob", 2),
        id_of(&invite),
        invite.clone(),
        target(1),
    )
    .unwrap();
    drain(&mut bob);
    bob.answer(now).unwrap();
    let out = drain(&mut bob);
    assert!(out.media.is_empty(), "no media before the answer");
    let ok = &out.responses[0].1;
    assert!(!ok.body().is_empty(), "our offer rides in the 200");
    // Alice's side answers in the ACK: use a negotiator as the peer would.
    let offer = handset_sdp::SessionDescription::parse(ok.body()).unwrap();
    let mut peer = Negotiator::new(params(1, "alice", 1).media, 9);
    let (answer, _) = peer.answer(&offer, &mut |b: &mut [u8]| b.fill(7)).unwrap();
    let to_tag = ok.headers().to().unwrap().tag().unwrap().to_owned();
    let ack = format!(
        "ACK sip:bob@10.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKack1\r\n\
         From: {}\r\nTo: <sip:bob@10.0.0.2>;tag={to_tag}\r\nCall-ID: {}\r\nCSeq: 1 ACK\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{}",
        invite
            .headers()
            .get(HeaderKind::From)
            .unwrap()
            .value()
            .unwrap(),
        invite.headers().call_id().unwrap(),
        answer.to_bytes().len(),
        String::from_utf8_lossy(&answer.to_bytes()),
    );
    let ack = Message::parse_datagram(ack.as_bytes(), &Default::default()).unwrap();
    assert!(bob.owns(&ack));
    bob.handle_request(now, id_of(&ack), &ack);
    let out = drain(&mut bob);
    assert!(matches!(out.media[..], [MediaAction::Start(_)]));
    assert_eq!(out.events, vec![CallEvent::Established]);
}

#[test]
fn requests_after_the_end_get_481() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    bob.hang_up(now);
    let bye = drain(&mut bob).sent[0].0.clone();
    alice.handle_request(now, id_of(&bye), &bye);
    drain(&mut alice);
    let mut info = bye.clone();
    let text = String::from_utf8_lossy(info.as_bytes())
        .replace("BYE", "INFO")
        .replace(
            &format!("CSeq: {} INFO", bye.headers().cseq().unwrap().seq),
            &format!("CSeq: {} INFO", bye.headers().cseq().unwrap().seq + 1),
        );
    info = Message::parse_datagram(text.as_bytes(), &Default::default()).unwrap();
    alice.handle_request(now, id_of(&info), &info);
    let out = drain(&mut alice);
    assert_eq!(out.responses[0].1.status().unwrap().as_u16(), 481);
}
