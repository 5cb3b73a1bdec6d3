//! Three phones calling each other directly in simulated time, for transfers: Alice
//! (10.0.0.1) transfers Bob (10.0.0.2) to Carol (10.0.0.3).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use handset_sip::account::RequestId;
use handset_sip::transaction::TransactionKey;
use handset_sip::uri::Host;
use handset_sip::{Message, Method};

use super::tests::{drain, methods, origin, phone, statuses, target, Outputs};
use super::*;
use crate::call::CallState;
use crate::call_log::{CallEnding, PlacedEnding};

/// The phones by the last octet of their address, and what each reported.
struct Network {
    phones: BTreeMap<u8, Phone>,
    log: BTreeMap<u8, Outputs>,
}

impl Network {
    fn new() -> Self {
        let phones = [(1, "alice"), (2, "bob"), (3, "carol")]
            .into_iter()
            .map(|(octet, user)| (octet, phone(octet, user)))
            .collect();
        Self {
            phones,
            log: BTreeMap::new(),
        }
    }

    fn at(&mut self, octet: u8) -> &mut Phone {
        self.phones.get_mut(&octet).expect("a phone")
    }

    /// What phone `octet` reported since the last call, and forgets it.
    fn take(&mut self, octet: u8) -> Outputs {
        self.log.remove(&octet).unwrap_or_default()
    }

    /// Carries SIP between the phones until all are quiet.
    fn settle(&mut self, now: Instant) {
        loop {
            let mut moved = false;
            for octet in [1, 2, 3] {
                let out = drain(self.at(octet));
                for command in &out.sip {
                    moved = true;
                    self.deliver(now, octet, command);
                }
                let log = self.log.entry(octet).or_default();
                log.sip.extend(out.sip);
                log.media.extend(out.media);
                log.events.extend(out.events);
                log.ended.extend(out.ended);
            }
            if !moved {
                return;
            }
        }
    }

    fn deliver(&mut self, now: Instant, sender: u8, command: &SipCommand) {
        match command {
            SipCommand::Send { request, to } | SipCommand::SendAck { request, to } => {
                let to = to.expect("direct calls know the address");
                let id = RequestId::of_request(request).unwrap();
                self.at(last_octet(to.addr.ip())).handle_request(
                    now,
                    1,
                    id,
                    request,
                    target(sender),
                );
            }
            SipCommand::Respond { response, .. } => {
                let response = response.build().unwrap();
                let via = response.headers().top_via().unwrap();
                let Host::Ipv4(ip) = via.host() else {
                    panic!("an IPv4 Via");
                };
                let key = TransactionKey::of_response(&response).unwrap();
                self.at(ip.octets()[3])
                    .handle_response(now, 1, &key, &response);
            }
        }
    }

    /// Phone `from` calls phone `to`, who answers; the handles on both sides.
    fn connect(&mut self, now: Instant, from: u8, to: u8, user: &str) -> (CallHandle, CallHandle) {
        let call = self
            .at(from)
            .dial(now, None, &format!("sip:{user}@10.0.0.{to}"))
            .unwrap();
        self.settle(now);
        let ringing = self.at(to).select(None, true).unwrap();
        self.at(to).answer(now, ringing).unwrap();
        self.settle(now);
        (call, ringing)
    }

    fn states(&mut self, octet: u8, now: Instant) -> Vec<CallState> {
        self.at(octet).calls(now).iter().map(|c| c.state).collect()
    }
}

fn last_octet(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(ip) => ip.octets()[3],
        IpAddr::V6(_) => panic!("IPv4 only"),
    }
}

fn has(out: &Outputs, wanted: fn(&PhoneEvent) -> bool) -> bool {
    out.events.iter().any(wanted)
}

#[test]
fn a_blind_transfer_hands_the_call_to_the_target_and_ends_ours() {
    let now = origin();
    let mut net = Network::new();
    let (call, _) = net.connect(now, 1, 2, "bob");
    net.take(1);
    net.at(1)
        .blind_transfer(now, call, "carol@10.0.0.3")
        .unwrap();
    net.settle(now);
    let alice = net.take(1);
    assert!(has(
        &alice,
        |e| matches!(e, PhoneEvent::BlindTransfer { target, .. } if target == "sip:carol@10.0.0.3")
    ));
    // Held first, then referred.
    assert_eq!(methods(&alice.sip)[..2], [Method::Invite, Method::Refer]);
    assert!(net.at(1).calls(now)[0].held);
    let bob = net.take(2);
    assert!(statuses(&bob.sip).contains(&202));
    assert!(methods(&bob.sip).contains(&Method::Notify));
    // Bob's new call rings at Carol.
    assert_eq!(
        net.states(2, now),
        vec![CallState::Established, CallState::Alerting]
    );
    let ringing = net.at(3).select(None, true).unwrap();
    net.at(3).answer(now, ringing).unwrap();
    net.settle(now);
    let alice = net.take(1);
    assert!(has(&alice, |e| matches!(
        e,
        PhoneEvent::TransferCompleted { .. }
    )));
    assert!(methods(&alice.sip).contains(&Method::Bye));
    assert!(net.at(1).calls(now).is_empty());
    let CallEnding::Placed(PlacedEnding::Answered(talk)) = alice.ended[0].ending else {
        panic!("answered: {:?}", alice.ended);
    };
    assert!(talk.transferred);
    assert_eq!(net.states(2, now), vec![CallState::Established]);
    assert_eq!(net.states(3, now), vec![CallState::Established]);
    assert_eq!(net.at(3).calls(now)[0].remote, "sip:bob@10.0.0.2");
}

#[test]
fn a_refused_blind_transfer_gives_the_call_back() {
    let now = origin();
    let mut net = Network::new();
    let (call, _) = net.connect(now, 1, 2, "bob");
    net.at(1)
        .blind_transfer(now, call, "sip:carol@10.0.0.3")
        .unwrap();
    net.settle(now);
    let ringing = net.at(3).select(None, true).unwrap();
    net.at(3).reject(now, ringing).unwrap();
    net.settle(now);
    let alice = net.take(1);
    assert!(has(&alice, |e| matches!(
        e,
        PhoneEvent::TransferFailed { .. }
    )));
    assert!(has(&alice, |e| matches!(e, PhoneEvent::Unhold { .. })));
    let calls = net.at(1).calls(now);
    assert_eq!(calls.len(), 1);
    assert!(!calls[0].held);
    assert_eq!(net.states(2, now), vec![CallState::Established]);
    // The call can be transferred again.
    net.at(1)
        .blind_transfer(now, call, "sip:carol@10.0.0.3")
        .unwrap();
}

#[test]
fn a_blind_transfer_that_hears_nothing_in_time_fails_and_without_recovery_ends() {
    let now = origin();
    let mut net = Network::new();
    let (call, _) = net.connect(now, 1, 2, "bob");
    net.at(1)
        .set_transfer_settings(1, TransferSettings::default().with_wait_timeout_secs(45));
    net.at(1)
        .blind_transfer(now, call, "sip:carol@10.0.0.3")
        .unwrap();
    net.settle(now);
    net.take(1);
    // Carol never answers; Alice gives up at the wait timeout and takes the call back.
    let at = net.at(1).poll_timeout().unwrap();
    assert_eq!(at - now, Duration::from_secs(45));
    net.at(1).handle_timeout(at);
    net.settle(at);
    let alice = net.take(1);
    assert!(has(&alice, |e| matches!(
        e,
        PhoneEvent::TransferFailed { .. }
    )));
    assert!(!net.at(1).calls(at)[0].held);

    // Without recovery, a failed transfer ends the call.
    let settings = TransferSettings {
        recovery: false,
        ..TransferSettings::default()
    };
    net.at(1).set_transfer_settings(1, settings);
    net.at(1)
        .blind_transfer(at, call, "sip:dave@10.0.0.3")
        .unwrap();
    net.settle(at);
    let later = at + Duration::from_secs(30);
    net.at(1).handle_timeout(later);
    net.settle(later);
    assert!(net.at(1).calls(later).is_empty());
}

#[test]
fn an_attended_transfer_joins_the_two_peers_and_ends_both_our_calls() {
    let now = origin();
    let mut net = Network::new();
    let (to_bob, _) = net.connect(now, 1, 2, "bob");
    net.at(1).hold(now, to_bob).unwrap();
    net.settle(now);
    let (to_carol, _) = net.connect(now, 1, 3, "carol");
    net.take(1);
    net.take(3);
    // Without a call named, the held call is the one joined with Carol's.
    let moved = net.at(1).transfer(now, None, None, Some(to_carol)).unwrap();
    assert_eq!(moved, to_bob);
    net.settle(now);
    let alice = net.take(1);
    assert!(has(&alice, |e| matches!(
        e,
        PhoneEvent::AttendedTransfer { .. }
    )));
    assert!(has(&alice, |e| matches!(
        e,
        PhoneEvent::TransferCompleted { .. }
    )));
    assert!(
        net.at(1).calls(now).is_empty(),
        "{:?}",
        net.at(1).calls(now)
    );
    // Carol took Bob's call in place of Alice's without ringing, and hung up on Alice.
    let carol = net.take(3);
    assert!(methods(&carol.sip).contains(&Method::Bye));
    assert!(!has(&carol, |e| matches!(e, PhoneEvent::MissedCall { .. })));
    assert_eq!(net.states(2, now), vec![CallState::Established]);
    assert_eq!(net.states(3, now), vec![CallState::Established]);
    assert_eq!(net.at(3).calls(now)[0].remote, "sip:bob@10.0.0.2");
    assert_eq!(net.at(2).calls(now)[0].remote, "sip:carol@10.0.0.3");
}

#[test]
fn an_invite_replacing_no_call_of_ours_gets_481() {
    let now = origin();
    let mut net = Network::new();
    net.at(2).dial(now, None, "sip:carol@10.0.0.3").unwrap();
    let invite = drain(net.at(2)).sip;
    let SipCommand::Send { request, .. } = &invite[0] else {
        panic!("an INVITE");
    };
    let text = String::from_utf8(request.to_bytes()).unwrap();
    let (first, rest) = text.split_once("\r\n").unwrap();
    let forged = format!("{first}\r\nReplaces: nobody@10.0.0.1;to-tag=a;from-tag=b\r\n{rest}");
    let forged = Message::parse_datagram(forged.as_bytes(), &Default::default()).unwrap();
    let id = RequestId::of_request(&forged).unwrap();
    net.at(3).handle_request(now, 1, id, &forged, target(2));
    let out = drain(net.at(3));
    assert_eq!(statuses(&out.sip), vec![481]);
    assert!(net.at(3).calls(now).is_empty());
}

#[test]
fn transfer_errors_are_clear() {
    let now = origin();
    let mut net = Network::new();
    let (call, _) = net.connect(now, 1, 2, "bob");
    assert!(matches!(
        net.at(1).blind_transfer(now, 99, "carol"),
        Err(PhoneError::NoCall(_))
    ));
    assert!(matches!(
        net.at(1).blind_transfer(now, call, " "),
        Err(PhoneError::BadTarget(_))
    ));
    assert!(matches!(
        net.at(1).attended_transfer(now, call, call),
        Err(PhoneError::BadTarget(_))
    ));
    net.at(1)
        .blind_transfer(now, call, "sip:carol@10.0.0.3")
        .unwrap();
    let again = net.at(1).blind_transfer(now, call, "sip:carol@10.0.0.3");
    assert!(matches!(again, Err(PhoneError::State(_))), "{again:?}");
}
