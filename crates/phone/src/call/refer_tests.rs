//! Transfer between two calls in simulated time: Alice refers Bob elsewhere and Bob reports
//! how the new call goes.

use handset_sip::dialog::ReplacesOutcome;
use handset_sip::header::{HeaderKind, Replaces};
use handset_sip::message::response_to;
use handset_sip::uri::Uri;
use handset_sip::{Message, Method, StatusCode};

use super::tests::{connected, drain, exchange, id_of, key_of, origin};
use super::*;

fn carol() -> Uri {
    Uri::parse("sip:carol@10.0.0.3").unwrap()
}

fn header(message: &Message, kind: HeaderKind) -> String {
    message
        .headers()
        .get(kind)
        .and_then(|h| h.value().ok().map(|v| v.into_owned()))
        .unwrap_or_default()
}

#[test]
fn a_blind_transfer_is_accepted_and_its_progress_reported() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    alice.refer(&carol(), None).unwrap();
    assert!(alice.is_transferring());
    let (out, answers) = exchange(now, &mut alice, &mut bob);
    let refer = &out.sent[0].0;
    assert_eq!(refer.method(), Some(&Method::Refer));
    assert_eq!(header(refer, HeaderKind::ReferTo), "<sip:carol@10.0.0.3>");
    assert!(header(refer, HeaderKind::ReferredBy).contains("sip:alice@example.com"));
    assert_eq!(
        answers.responses[0].1.status().map(StatusCode::as_u16),
        Some(202)
    );
    assert_eq!(out.events, vec![CallEvent::TransferAccepted]);
    let [CallEvent::TransferRequested(target)] = &answers.events[..] else {
        panic!("a transfer request: {:?}", answers.events);
    };
    assert_eq!(target.uri, carol());
    assert_eq!(target.replaces, None);
    assert!(target.referred_by.is_some());

    bob.notify_transfer(100).unwrap();
    let (from_bob, at_alice) = exchange(now, &mut bob, &mut alice);
    let notify = &from_bob.sent[0].0;
    assert_eq!(notify.method(), Some(&Method::Notify));
    assert_eq!(header(notify, HeaderKind::Event), "refer");
    assert!(header(notify, HeaderKind::SubscriptionState).starts_with("active"));
    assert_eq!(notify.body(), b"SIP/2.0 100 Trying\r\n");
    assert_eq!(at_alice.responses[0].1.status(), Some(StatusCode::OK));
    assert_eq!(
        at_alice.events,
        vec![CallEvent::TransferProgress { status: 100 }]
    );

    bob.notify_transfer(200).unwrap();
    let (from_bob, at_alice) = exchange(now, &mut bob, &mut alice);
    let notify = &from_bob.sent[0].0;
    assert!(header(notify, HeaderKind::SubscriptionState).starts_with("terminated"));
    assert_eq!(at_alice.events, vec![CallEvent::TransferSucceeded]);
    assert!(!alice.is_transferring());
    // The subscription is over: nothing more to report, and a stray NOTIFY is unknown.
    assert_eq!(bob.notify_transfer(180), Err(CallError::NoTransfer));
}

#[test]
fn an_attended_transfer_carries_replaces_escaped_in_refer_to() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    let replaces = Replaces::new("abc@10.0.0.1", "to1", "from1");
    alice.refer(&carol(), Some(&replaces)).unwrap();
    let (out, answers) = exchange(now, &mut alice, &mut bob);
    let refer_to = header(&out.sent[0].0, HeaderKind::ReferTo);
    assert_eq!(
        refer_to,
        "<sip:carol@10.0.0.3?Replaces=abc%4010.0.0.1%3Bto-tag%3Dto1%3Bfrom-tag%3Dfrom1>"
    );
    let [CallEvent::TransferRequested(target)] = &answers.events[..] else {
        panic!("a transfer request: {:?}", answers.events);
    };
    assert_eq!(target.uri, carol());
    assert_eq!(target.replaces.as_ref(), Some(&replaces));
}

#[test]
fn a_failed_new_call_or_a_refused_refer_fails_the_transfer() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    alice.refer(&carol(), None).unwrap();
    assert_eq!(alice.refer(&carol(), None), Err(CallError::TransferPending));
    exchange(now, &mut alice, &mut bob);
    drain(&mut bob);
    bob.notify_transfer(486).unwrap();
    let (_, at_alice) = exchange(now, &mut bob, &mut alice);
    assert_eq!(
        at_alice.events,
        vec![CallEvent::TransferFailed { status: 486 }]
    );

    // A second attempt that the peer refuses outright.
    alice.refer(&carol(), None).unwrap();
    let refer = drain(&mut alice).sent[0].0.clone();
    let refusal = response_to(&refer, StatusCode::new(603).unwrap(), None)
        .unwrap()
        .build()
        .unwrap();
    alice.handle_response(now, &key_of(&refusal), &refusal);
    assert_eq!(
        drain(&mut alice).events,
        vec![CallEvent::TransferFailed { status: 603 }]
    );
    assert!(!alice.is_transferring());
}

#[test]
fn a_notify_without_a_transfer_is_unknown_and_replaces_names_the_dialog() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    // Bob was asked for nothing, so he cannot report; a NOTIFY Alice did not ask for is 481.
    assert_eq!(bob.notify_transfer(100), Err(CallError::NoTransfer));
    bob.refer_in = true;
    bob.notify_transfer(100).unwrap();
    let (_, at_alice) = exchange(now, &mut bob, &mut alice);
    assert_eq!(
        at_alice.responses[0].1.status(),
        Some(StatusCode::new(481).unwrap())
    );
    // What Alice hands a third party names the call as Bob sees it.
    let replaces = alice.replaces().unwrap();
    assert_eq!(bob.check_replaces(&replaces), ReplacesOutcome::Replace);
    assert_eq!(
        alice.check_replaces(&replaces),
        ReplacesOutcome::NotThisDialog
    );
    let early_only = Replaces::parse(&format!("{replaces};early-only")).unwrap();
    assert_eq!(
        bob.check_replaces(&early_only),
        ReplacesOutcome::Reject(486)
    );
}

#[test]
fn a_call_that_is_not_up_cannot_be_transferred() {
    let now = origin();
    let (mut alice, _) = connected(now);
    alice.hang_up(now);
    assert!(matches!(
        alice.refer(&carol(), None),
        Err(CallError::State { .. })
    ));
}

#[test]
fn escapes_are_decoded_and_malformed_ones_kept() {
    assert_eq!(refer::percent_decode("a%40b%3Bc"), b"a@b;c".to_vec());
    assert_eq!(refer::percent_decode("50%+1%4"), b"50%+1%4".to_vec());
}

#[test]
fn a_refer_without_one_readable_refer_to_is_refused() {
    let now = origin();
    let (mut alice, mut bob) = connected(now);
    alice.refer(&carol(), None).unwrap();
    let refer = drain(&mut alice).sent[0].0.clone();
    let text = String::from_utf8(refer.to_bytes()).unwrap();
    let without: String = text
        .split_inclusive("\r\n")
        .filter(|line| !line.starts_with("Refer-To"))
        .collect();
    let twice = text.replace(
        "Refer-To: <sip:carol@10.0.0.3>\r\n",
        "Refer-To: <sip:carol@10.0.0.3>\r\nRefer-To: <sip:dave@10.0.0.3>\r\n",
    );
    let bad_replaces = text.replace(
        "<sip:carol@10.0.0.3>",
        "<sip:carol@10.0.0.3?Replaces=only-a-call-id>",
    );
    for (cseq, forged) in [(10, without), (11, twice), (12, bad_replaces)] {
        let forged = forged.replace("CSeq: 2 REFER", &format!("CSeq: {cseq} REFER"));
        let request = Message::parse_datagram(forged.as_bytes(), &Default::default()).unwrap();
        bob.handle_request(now, id_of(&request), &request);
        let out = drain(&mut bob);
        assert_eq!(
            out.responses[0].1.status().map(StatusCode::as_u16),
            Some(400),
            "{forged}"
        );
        assert!(out.events.is_empty());
    }
}
