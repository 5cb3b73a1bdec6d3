//! Two phones calling each other directly in simulated time: what one sends goes to the
//! other as its account would hand it over.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use handset_sip::account::RequestId;
use handset_sip::locate::{Target, TransportKind};
use handset_sip::transaction::TransactionKey;
use handset_sip::{Message, Method, StatusCode};

use super::*;
use crate::account_settings;
use crate::call::{CallState, Direction};
use crate::call_log::{CallEnding, PlacedEnding, ReceivedEnding};
use crate::incoming::AutoAnswerMode;

#[allow(clippy::disallowed_methods)]
pub(super) fn origin() -> Instant {
    Instant::now()
}

pub(super) fn address(last_octet: u8) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, last_octet)), 5060)
}

pub(super) fn target(last_octet: u8) -> Target {
    Target {
        addr: address(last_octet),
        transport: TransportKind::Udp,
    }
}

/// A phone at 10.0.0.`last_octet` with account 1 as `user`, no server.
pub(super) fn phone(last_octet: u8, user: &str) -> Phone {
    let mut phone = Phone::new(
        PhoneSettings {
            rtp_port_base: 5004,
            rtp_port_count: 200,
            user_agent: Some("handset-test".into()),
            audio_rate: 16_000,
            frame: Duration::from_millis(20),
        },
        u64::from(last_octet),
    );
    let user = user.to_owned();
    let get = move |name: &str| match name {
        "account.1.enable" => Some("1".to_owned()),
        "account.1.sip.userid" => Some(user.clone()),
        _ => None,
    };
    let mut settings = account_settings::read(1, &get).expect("settings");
    settings.enabled = true;
    phone.set_account(settings);
    phone.set_local_address(1, Some((address(last_octet), TransportKind::Udp)));
    phone
}

#[derive(Debug, Default)]
pub(super) struct Outputs {
    pub(super) sip: Vec<SipCommand>,
    pub(super) media: Vec<(CallHandle, MediaCommand)>,
    pub(super) events: Vec<PhoneEvent>,
    pub(super) ended: Vec<CallOutcome>,
}

pub(super) fn drain(phone: &mut Phone) -> Outputs {
    let mut out = Outputs::default();
    while let Some(output) = phone.poll_output() {
        match output {
            PhoneOutput::Sip { account, command } => {
                assert_eq!(account, 1);
                out.sip.push(command);
            }
            PhoneOutput::Media { call, command } => out.media.push((call, command)),
            PhoneOutput::Event(event) => out.events.push(event),
            PhoneOutput::Ended { outcome, .. } => out.ended.push(outcome),
        }
    }
    out
}

/// Carries SIP between two phones until both are quiet; returns what each reported.
fn settle(now: Instant, a: &mut Phone, b: &mut Phone) -> (Outputs, Outputs) {
    let (mut from_a, mut from_b) = (Outputs::default(), Outputs::default());
    loop {
        let out_a = drain(a);
        let out_b = drain(b);
        if out_a.sip.is_empty() && out_b.sip.is_empty() {
            for (all, out) in [(&mut from_a, out_a), (&mut from_b, out_b)] {
                all.media.extend(out.media);
                all.events.extend(out.events);
                all.ended.extend(out.ended);
            }
            return (from_a, from_b);
        }
        deliver(now, &out_a.sip, b, target(1));
        deliver(now, &out_b.sip, a, target(2));
        for (all, out) in [(&mut from_a, out_a), (&mut from_b, out_b)] {
            all.sip.extend(out.sip);
            all.media.extend(out.media);
            all.events.extend(out.events);
            all.ended.extend(out.ended);
        }
    }
}

fn deliver(now: Instant, commands: &[SipCommand], to: &mut Phone, from: Target) {
    for command in commands {
        match command {
            SipCommand::Send { request, .. } | SipCommand::SendAck { request, .. } => {
                let id = RequestId::of_request(request).unwrap();
                to.handle_request(now, 1, id, request, from);
            }
            SipCommand::Respond { response, .. } => {
                let response = response.build().unwrap();
                let key = TransactionKey::of_response(&response).unwrap();
                to.handle_response(now, 1, &key, &response);
            }
        }
    }
}

pub(super) fn statuses(commands: &[SipCommand]) -> Vec<u16> {
    commands
        .iter()
        .filter_map(|c| match c {
            SipCommand::Respond { response, .. } => {
                response.build().ok()?.status().map(StatusCode::as_u16)
            }
            _ => None,
        })
        .collect()
}

pub(super) fn methods(commands: &[SipCommand]) -> Vec<Method> {
    commands
        .iter()
        .filter_map(|c| match c {
            SipCommand::Send { request, .. } | SipCommand::SendAck { request, .. } => {
                request.method().cloned()
            }
            SipCommand::Respond { .. } => None,
        })
        .collect()
}

#[test]
fn a_direct_ip_call_rings_is_answered_and_hung_up() {
    let now = origin();
    let (mut alice, mut bob) = (phone(1, "alice"), phone(2, "bob"));
    let call = alice.dial(now, None, "10*0*0*2#5060").unwrap();
    let (a, b) = settle(now, &mut alice, &mut bob);
    assert_eq!(methods(&a.sip), vec![Method::Invite]);
    assert_eq!(statuses(&b.sip), vec![180]);
    assert!(matches!(
        a.events[..],
        [PhoneEvent::OutgoingCall { .. }, PhoneEvent::IdleToBusy]
    ));
    assert!(matches!(
        b.events[..],
        [PhoneEvent::IncomingCall { .. }, PhoneEvent::IdleToBusy]
    ));
    let ringing = bob.select(None, true).unwrap();
    assert_eq!(bob.calls(now)[0].state, CallState::Ringing);
    assert_eq!(bob.calls(now)[0].direction, Direction::Incoming);
    bob.answer(now, ringing).unwrap();
    let (a, b) = settle(now, &mut alice, &mut bob);
    assert_eq!(methods(&a.sip), vec![Method::Ack]);
    let starts: Vec<u16> = a
        .media
        .iter()
        .chain(&b.media)
        .filter_map(|(_, m)| match m {
            MediaCommand::Start(start) => Some(start.local_port),
            _ => None,
        })
        .collect();
    assert_eq!(starts.len(), 2);
    assert!(starts.iter().all(|p| p % 2 == 0));
    assert!(a
        .events
        .iter()
        .any(|e| matches!(e, PhoneEvent::CallEstablished { .. })));
    assert!(b
        .events
        .iter()
        .any(|e| matches!(e, PhoneEvent::CallEstablished { .. })));
    assert_eq!(alice.calls(now)[0].codec.as_deref(), Some("pcmu/8000"));
    let later = now + Duration::from_secs(30);
    alice.hang_up(later, call).unwrap();
    let (a, b) = settle(later, &mut alice, &mut bob);
    assert_eq!(methods(&a.sip), vec![Method::Bye]);
    assert!(alice.calls(later).is_empty() && bob.calls(later).is_empty());
    assert!(a.events.iter().any(|e| matches!(e, PhoneEvent::BusyToIdle)));
    let CallEnding::Placed(PlacedEnding::Answered(talk)) = a.ended[0].ending else {
        panic!("answered: {:?}", a.ended);
    };
    assert_eq!(talk.talk_time, Duration::from_secs(30));
    assert!(matches!(
        b.ended[0].ending,
        CallEnding::Received(ReceivedEnding::Answered(_))
    ));
    assert_eq!(b.ended[0].remote_number, "alice");
}

#[test]
fn an_unanswered_call_stops_ringing_at_the_ring_timeout_and_is_missed() {
    let now = origin();
    let (mut alice, mut bob) = (phone(1, "alice"), phone(2, "bob"));
    alice.dial(now, None, "bob@10.0.0.2").unwrap();
    settle(now, &mut alice, &mut bob);
    let timeout = bob.poll_timeout().expect("ring timeout");
    assert_eq!(timeout - now, Duration::from_secs(60));
    bob.handle_timeout(timeout);
    let (a, b) = settle(timeout, &mut alice, &mut bob);
    assert_eq!(statuses(&b.sip), vec![480]);
    assert!(b
        .events
        .iter()
        .any(|e| matches!(e, PhoneEvent::MissedCall { .. })));
    assert!(matches!(
        b.ended[0].ending,
        CallEnding::Received(ReceivedEnding::CallerCancelled)
    ));
    assert!(matches!(
        a.ended[0].ending,
        CallEnding::Placed(PlacedEnding::Refused { status: 480 })
    ));
}

#[test]
fn auto_answer_answers_after_its_delay() {
    let now = origin();
    let (mut alice, mut bob) = (phone(1, "alice"), phone(2, "bob"));
    let mut settings = bob.accounts[&1].settings.clone();
    settings.incoming.auto_answer = AutoAnswerMode::All;
    settings.incoming.auto_answer_delay = Duration::from_secs(2);
    bob.set_account(settings);
    alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    settle(now, &mut alice, &mut bob);
    let at = bob.poll_timeout().unwrap();
    assert_eq!(at - now, Duration::from_secs(2));
    bob.handle_timeout(at);
    let (a, _) = settle(at, &mut alice, &mut bob);
    assert!(a
        .events
        .iter()
        .any(|e| matches!(e, PhoneEvent::CallEstablished { .. })));
    assert_eq!(bob.calls(at)[0].state, CallState::Established);
}

#[test]
fn do_not_disturb_refuses_without_a_call() {
    let now = origin();
    let (mut alice, mut bob) = (phone(1, "alice"), phone(2, "bob"));
    let mut settings = bob.accounts[&1].settings.clone();
    settings.incoming.do_not_disturb = true;
    bob.set_account(settings);
    alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    let (a, b) = settle(now, &mut alice, &mut bob);
    assert_eq!(statuses(&b.sip), vec![486]);
    assert!(bob.calls(now).is_empty());
    assert!(b
        .events
        .iter()
        .any(|e| matches!(e, PhoneEvent::CallRejected { .. })));
    assert!(alice.calls(now).is_empty());
    assert!(matches!(
        a.ended[0].ending,
        CallEnding::Placed(PlacedEnding::Refused { status: 486 })
    ));
}

#[test]
fn a_second_call_while_busy_rings_as_waiting_and_hold_works() {
    let now = origin();
    let (mut alice, mut bob) = (phone(1, "alice"), phone(2, "bob"));
    let mut carol = phone(3, "carol");
    let first = alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    settle(now, &mut alice, &mut bob);
    let ringing = bob.select(None, true).unwrap();
    bob.answer(now, ringing).unwrap();
    settle(now, &mut alice, &mut bob);
    alice.hold(now, first).unwrap();
    let (a, b) = settle(now, &mut alice, &mut bob);
    assert!(a
        .events
        .iter()
        .any(|e| matches!(e, PhoneEvent::Hold { .. })));
    assert!(b
        .media
        .iter()
        .any(|(_, m)| matches!(m, MediaCommand::Update(_))));
    assert!(alice.calls(now)[0].held);
    assert!(bob.calls(now)[0].remote_held);
    // Carol calls Alice, who is in a held call: it rings (call waiting is on by default).
    carol.dial(now, None, "sip:alice@10.0.0.1").unwrap();
    let invite = drain(&mut carol).sip;
    deliver(now, &invite, &mut alice, target(3));
    let out = drain(&mut alice);
    assert_eq!(statuses(&out.sip), vec![180]);
    assert_eq!(alice.calls(now).len(), 2);
    // With nothing selected, answer takes the ringing call.
    let waiting = alice.select(None, true).unwrap();
    assert_ne!(waiting, first);
}

#[test]
fn dial_errors_are_clear() {
    let now = origin();
    let mut alice = phone(1, "alice");
    let error = alice.dial(now, None, "1234").unwrap_err();
    assert!(error.to_string().contains("no SIP server"), "{error}");
    assert!(alice.dial(now, Some(5), "sip:x@10.0.0.2").is_err());
    assert!(alice.dial(now, None, "   ").is_err());
    assert!(matches!(
        alice.send_dtmf(now, 99, "1"),
        Err(PhoneError::NoCall(_))
    ));
    alice.set_local_address(1, None);
    assert!(matches!(
        alice.dial(now, None, "sip:x@10.0.0.2"),
        Err(PhoneError::NoAccount(_))
    ));
}

#[test]
fn a_request_for_no_call_gets_481_and_options_200() {
    let now = origin();
    let mut bob = phone(2, "bob");
    let bye = Message::parse_datagram(
        b"BYE sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKq1\r\n\
          From: <sip:x@h>;tag=a\r\nTo: <sip:bob@h>;tag=b\r\nCall-ID: gone\r\nCSeq: 2 BYE\r\n\
          Content-Length: 0\r\n\r\n",
        &Default::default(),
    )
    .unwrap();
    bob.handle_request(
        now,
        1,
        RequestId::of_request(&bye).unwrap(),
        &bye,
        target(9),
    );
    assert_eq!(statuses(&drain(&mut bob).sip), vec![481]);
    let options = Message::parse_datagram(
        b"OPTIONS sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKq2\r\n\
          From: <sip:x@h>;tag=a\r\nTo: <sip:bob@h>\r\nCall-ID: probe\r\nCSeq: 1 OPTIONS\r\n\
          Content-Length: 0\r\n\r\n",
        &Default::default(),
    )
    .unwrap();
    bob.handle_request(
        now,
        1,
        RequestId::of_request(&options).unwrap(),
        &options,
        target(9),
    );
    assert_eq!(statuses(&drain(&mut bob).sip), vec![200]);
}
