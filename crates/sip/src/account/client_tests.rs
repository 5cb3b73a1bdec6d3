//! Requests the account's user sends, against a simulated server in simulated time.

use std::time::Duration;

use super::tests::{config, udp, Harness, LOCAL};
use super::*;

const SERVER: &str = "192.0.2.1:5060";

/// A harness registered at [`SERVER`], with nothing sent or reported yet.
fn registered(config: AccountConfig) -> Harness {
    let mut h = Harness::started(config, &[]);
    let (to, register) = h.last_register();
    h.answer(&register, 200, to);
    h.take_sent();
    h.take_events();
    h
}

/// A request as the phone core would write it, with the Via `branch`.
fn outgoing(method: &str, branch: &str) -> Message {
    Message::parse(outgoing_text(method, branch).as_bytes()).unwrap()
}

fn outgoing_text(method: &str, branch: &str) -> String {
    format!(
        "{method} sip:bob@192.0.2.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP {LOCAL};branch={branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@192.0.2.1>;tag=a1\r\n\
         To: <sip:bob@192.0.2.1>\r\n\
         Call-ID: call-1@10.0.0.9\r\n\
         CSeq: 1 {method}\r\n\
         Contact: <sip:alice@{LOCAL}>\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// The responses passed up for `key`, as status codes.
fn statuses(events: &[AccountEvent], key: &TransactionKey) -> Vec<u16> {
    events
        .iter()
        .filter_map(|e| match e {
            AccountEvent::Response { key: k, response } if k == key => {
                response.status().map(|s| s.as_u16())
            }
            _ => None,
        })
        .collect()
}

fn failures(events: &[AccountEvent]) -> Vec<(TransactionKey, RequestFailure)> {
    events
        .iter()
        .filter_map(|e| match e {
            AccountEvent::RequestFailed { key, reason } => Some((key.clone(), *reason)),
            _ => None,
        })
        .collect()
}

fn of_method(sent: &[(Target, Message)], method: Method) -> Vec<(Target, Message)> {
    sent.iter()
        .filter(|(_, m)| m.method() == Some(&method))
        .cloned()
        .collect()
}

#[test]
fn reports_the_local_address_and_transport_for_the_via() {
    let h = Harness::new(config(&["192.0.2.1"]));
    assert_eq!(h.account.local_address(), None);
    let h = registered(config(&["192.0.2.1"]));
    assert_eq!(h.account.local_address(), Some(LOCAL.parse().unwrap()));
    assert_eq!(h.account.transport(), TransportKind::Udp);
}

#[test]
fn invite_responses_are_passed_up_with_the_key_and_2xx_retransmissions_again() {
    let mut h = registered(config(&["192.0.2.1"]));
    let invite = outgoing("INVITE", "z9hG4bKinv1");
    let key = h.account.send_request(h.now, &invite, None).unwrap();
    assert_eq!(key, TransactionKey::of_sent_request(&invite).unwrap());
    h.pump();
    let sent = h.take_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, udp(SERVER));
    assert_eq!(sent[0].1.as_bytes(), invite.as_bytes(), "sent as written");

    for status in [100, 180, 200] {
        h.answer(&invite, status, udp(SERVER));
    }
    // The 200 again, because the server did not get the ACK: the user sees it again.
    h.answer(&invite, 200, udp(SERVER));
    let events = h.take_events();
    assert_eq!(statuses(&events, &key), [100, 180, 200, 200]);
    assert!(
        h.take_sent().is_empty(),
        "the 2xx ACK is the user's to send"
    );

    // Accepted lasts 64*T1, then the transaction is forgotten without a failure.
    h.advance(Duration::from_secs(33));
    assert_eq!(h.account.open_client_requests(), 0);
    assert!(failures(&h.take_events()).is_empty());
}

#[test]
fn a_failed_invite_is_acked_automatically_and_passed_up_once() {
    let mut h = registered(config(&["192.0.2.1"]));
    let invite = outgoing("INVITE", "z9hG4bKinv2");
    let key = h.account.send_request(h.now, &invite, None).unwrap();
    h.pump();
    h.take_sent();
    h.answer(&invite, 486, udp(SERVER));
    let sent = h.take_sent();
    assert_eq!(sent.len(), 1);
    let (to, ack) = &sent[0];
    assert_eq!(*to, udp(SERVER));
    assert_eq!(ack.method(), Some(&Method::Ack));
    assert_eq!(ack.headers().to().unwrap().tag(), Some("srv"));
    assert_eq!(
        ack.headers().top_via().unwrap().branch(),
        Some("z9hG4bKinv2")
    );
    assert_eq!(ack.headers().cseq().unwrap().seq, 1);

    // The 486 again (the ACK was lost): ACK resent, the user is not told twice.
    h.answer(&invite, 486, udp(SERVER));
    let again = h.take_sent();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1.as_bytes(), ack.as_bytes());
    assert_eq!(statuses(&h.take_events(), &key), [486]);

    // Timer D ends it.
    h.advance(Duration::from_secs(33));
    assert_eq!(h.account.open_client_requests(), 0);
}

#[test]
fn a_bye_over_udp_is_retransmitted_on_timer_e_and_times_out_after_64_t1() {
    let mut h = registered(config(&["192.0.2.1"]));
    let start = h.now;
    let bye = outgoing("BYE", "z9hG4bKbye1");
    let key = h.account.send_request(h.now, &bye, None).unwrap();
    h.pump();
    let mut times = vec![0];
    h.take_sent();
    while h.now < start + Duration::from_secs(40) {
        h.advance(Duration::from_millis(100));
        for _ in of_method(&h.take_sent(), Method::Bye) {
            times.push((h.now - start).as_millis());
        }
        if !failures(&h.events).is_empty() {
            break;
        }
    }
    // T1 doubling up to T2 (4 s), then every T2.
    let expected: Vec<u128> = vec![
        0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ];
    assert_eq!(times, expected);
    assert_eq!(failures(&h.take_events()), [(key, RequestFailure::Timeout)]);
    assert_eq!(h.now - start, Duration::from_secs(32));
    assert_eq!(h.account.open_client_requests(), 0);
}

#[test]
fn a_non_invite_over_tcp_is_sent_once_and_forgotten_at_its_final_response() {
    let mut c = config(&["192.0.2.1"]);
    c.transport = TransportKind::Tcp;
    let mut h = registered(c);
    let tcp = Target {
        addr: SERVER.parse().unwrap(),
        transport: TransportKind::Tcp,
    };
    let message = outgoing("MESSAGE", "z9hG4bKmsg1");
    let key = h.account.send_request(h.now, &message, None).unwrap();
    h.pump();
    h.advance(Duration::from_secs(10));
    assert_eq!(of_method(&h.take_sent(), Method::Message).len(), 1);
    h.answer(&message, 202, tcp);
    assert_eq!(statuses(&h.take_events(), &key), [202]);
    assert_eq!(h.account.open_client_requests(), 0);
}

#[test]
fn an_explicit_target_is_used_instead_of_the_server() {
    let mut h = registered(config(&["192.0.2.1"]));
    let peer = udp("192.0.2.77:5062");
    let invite = outgoing("INVITE", "z9hG4bKdirect");
    let key = h.account.send_request(h.now, &invite, Some(peer)).unwrap();
    h.pump();
    h.advance(Duration::from_millis(600));
    let sent = of_method(&h.take_sent(), Method::Invite);
    assert_eq!(sent.len(), 2, "sent and retransmitted once");
    assert!(sent.iter().all(|(to, _)| *to == peer));
    h.answer(&invite, 404, peer);
    let acks = of_method(&h.take_sent(), Method::Ack);
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].0, peer);
    assert_eq!(statuses(&h.take_events(), &key), [404]);
}

#[test]
fn a_cancel_follows_its_invite_to_the_same_destination() {
    let mut h = registered(config(&["192.0.2.1"]));
    let peer = udp("192.0.2.77:5060");
    let invite = outgoing("INVITE", "z9hG4bKcan1");
    let invite_key = h.account.send_request(h.now, &invite, Some(peer)).unwrap();
    h.answer(&invite, 180, peer);
    h.take_sent();
    let cancel = outgoing("CANCEL", "z9hG4bKcan1");
    let cancel_key = h.account.send_request(h.now, &cancel, None).unwrap();
    assert_ne!(cancel_key, invite_key);
    h.pump();
    let sent = of_method(&h.take_sent(), Method::Cancel);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, peer);
    h.answer(&cancel, 200, peer);
    h.answer(&invite, 487, peer);
    let events = h.take_events();
    assert_eq!(statuses(&events, &cancel_key), [200]);
    assert_eq!(statuses(&events, &invite_key), [180, 487]);
    assert_eq!(of_method(&h.take_sent(), Method::Ack).len(), 1);
}

#[test]
fn requests_to_a_tls_server_name_it_for_the_certificate_check() {
    let mut c = config(&["pbx.example.com"]);
    c.transport = TransportKind::Tls;
    let mut h = Harness::started(c, &[("pbx.example.com", "192.0.2.7")]);
    h.take_sent();
    let options = outgoing("OPTIONS", "z9hG4bKopt1");
    h.account.send_request(h.now, &options, None).unwrap();
    let transmit = h.account.poll_transmit().unwrap();
    assert_eq!(transmit.to.addr, "192.0.2.7:5061".parse().unwrap());
    assert_eq!(transmit.server_name.as_deref(), Some("pbx.example.com"));
    // A peer reached directly has no configured name to check.
    let peer = Target {
        addr: "192.0.2.80:5061".parse().unwrap(),
        transport: TransportKind::Tls,
    };
    let other = outgoing("OPTIONS", "z9hG4bKopt2");
    h.account.send_request(h.now, &other, Some(peer)).unwrap();
    let transmit = h.account.poll_transmit().unwrap();
    assert_eq!(transmit.to, peer);
    assert_eq!(transmit.server_name, None);
}

#[test]
fn without_a_server_or_a_target_nothing_can_be_sent() {
    let mut h = Harness::new(config(&["192.0.2.1"]));
    let invite = outgoing("INVITE", "z9hG4bKearly");
    assert_eq!(
        h.account.send_request(h.now, &invite, None),
        Err(SendError::NoDestination)
    );
    let ack = outgoing("ACK", "z9hG4bKearly");
    assert_eq!(
        h.account.send_stateless(&ack, None),
        Err(SendError::NoDestination)
    );
    assert!(h.account.poll_transmit().is_none());
    assert_eq!(h.account.open_client_requests(), 0);
    // A direct call needs no server.
    let peer = udp("192.0.2.77:5060");
    assert!(h.account.send_request(h.now, &invite, Some(peer)).is_ok());
    assert_eq!(h.account.poll_transmit().map(|t| t.to), Some(peer));
}

#[test]
fn a_transport_error_fails_the_requests_sent_to_that_address() {
    let mut h = registered(config(&["192.0.2.1"]));
    let peer = udp("192.0.2.77:5060");
    let refer = outgoing("REFER", "z9hG4bKref1");
    let lost = h.account.send_request(h.now, &refer, Some(peer)).unwrap();
    let info = outgoing("INFO", "z9hG4bKinfo1");
    let kept = h.account.send_request(h.now, &info, None).unwrap();
    h.pump();
    h.account.handle_transport_error(h.now, peer.addr);
    h.pump();
    assert_eq!(
        failures(&h.take_events()),
        [(lost, RequestFailure::TransportError)]
    );
    assert_eq!(h.account.open_client_requests(), 1);
    h.answer(&info, 200, udp(SERVER));
    assert_eq!(statuses(&h.take_events(), &kept), [200]);
}

#[test]
fn send_stateless_sends_exactly_once() {
    let mut h = registered(config(&["192.0.2.1"]));
    let ack = outgoing("ACK", "z9hG4bKack1");
    h.account.send_stateless(&ack, None).unwrap();
    h.pump();
    h.advance(Duration::from_secs(40));
    let acks = of_method(&h.take_sent(), Method::Ack);
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].0, udp(SERVER));
    assert_eq!(acks[0].1.as_bytes(), ack.as_bytes());
    assert_eq!(h.account.open_client_requests(), 0);
}

#[test]
fn requests_that_cannot_start_a_transaction_are_refused() {
    let mut h = registered(config(&["192.0.2.1"]));
    let ack = outgoing("ACK", "z9hG4bKack2");
    assert_eq!(
        h.account.send_request(h.now, &ack, None),
        Err(SendError::Ack)
    );
    let old_branch = outgoing("BYE", "legacy1");
    assert_eq!(
        h.account.send_request(h.now, &old_branch, None),
        Err(SendError::NoBranch)
    );
    let mismatched = outgoing_text("BYE", "z9hG4bKbye9").replace("CSeq: 1 BYE", "CSeq: 1 INFO");
    let mismatched = Message::parse(mismatched.as_bytes()).unwrap();
    assert!(matches!(
        h.account.send_request(h.now, &mismatched, None),
        Err(SendError::Malformed(_))
    ));
    let response = response_to(&outgoing("BYE", "z9hG4bKbye8"), StatusCode::OK, None)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        h.account.send_request(h.now, &response, None),
        Err(SendError::NotARequest)
    );
    let bye = outgoing("BYE", "z9hG4bKbye7");
    h.account.send_request(h.now, &bye, None).unwrap();
    assert_eq!(
        h.account.send_request(h.now, &bye, None),
        Err(SendError::InFlight)
    );
    h.pump();
    assert_eq!(of_method(&h.take_sent(), Method::Bye).len(), 1);
}

#[test]
fn open_transactions_are_bounded() {
    let mut h = registered(config(&["192.0.2.1"]));
    for n in 0..client::MAX_CLIENT_TRANSACTIONS {
        let message = outgoing("MESSAGE", &format!("z9hG4bKm{n}"));
        h.account.send_request(h.now, &message, None).unwrap();
    }
    let one_more = outgoing("MESSAGE", "z9hG4bKmore");
    assert_eq!(
        h.account.send_request(h.now, &one_more, None),
        Err(SendError::TooMany {
            limit: client::MAX_CLIENT_TRANSACTIONS
        })
    );
    // They time out and make room again.
    h.advance(Duration::from_secs(33));
    assert_eq!(h.account.open_client_requests(), 0);
    assert!(h.account.send_request(h.now, &one_more, None).is_ok());
}

#[test]
fn stop_reports_stopped_without_waiting_for_open_requests() {
    let mut h = registered(config(&["192.0.2.1"]));
    let invite = outgoing("INVITE", "z9hG4bKinv3");
    h.account.send_request(h.now, &invite, None).unwrap();
    h.pump();
    h.take_sent();
    h.account.stop(h.now);
    h.pump();
    let (to, unregister) = h.last_register();
    h.answer(&unregister, 200, to);
    assert!(
        h.events.contains(&AccountEvent::Stopped),
        "the open INVITE does not hold it"
    );
    // The INVITE still runs: its answer comes through.
    h.take_events();
    h.answer(&invite, 180, udp(SERVER));
    let key = TransactionKey::of_sent_request(&invite).unwrap();
    assert_eq!(statuses(&h.take_events(), &key), [180]);
}
