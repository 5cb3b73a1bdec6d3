//! Do Not Disturb and forwarding between phones in simulated time.

use std::time::Duration;

use handset_sip::header::HeaderKind;
use handset_sip::{Message, StatusCode};

use super::tests::{deliver, drain, origin, phone, settle, statuses, target};
use super::*;
use crate::account_settings::HeaderUse;
use crate::call_log::{CallEnding, ReceivedEnding};
use crate::forwarding::{ConditionalForward, ForwardMode, ForwardTarget, NoAnswerTimeout};

fn responses(commands: &[SipCommand]) -> Vec<Message> {
    commands
        .iter()
        .filter_map(|c| match c {
            SipCommand::Respond { response, .. } => response.build().ok(),
            _ => None,
        })
        .collect()
}

#[test]
fn dnd_refuses_calls_until_switched_off_and_survives_a_reload() {
    let now = origin();
    let (mut alice, mut bob) = (phone(1, "alice"), phone(2, "bob"));
    bob.set_dnd(None, true);
    assert!(bob.dnd(1));
    assert!(matches!(drain(&mut bob).events[..], [PhoneEvent::DndOn]));
    // Reading the configuration again keeps the user's choice.
    let settings = bob.accounts[&1].settings.clone();
    let mut fresh = settings.clone();
    fresh.incoming.do_not_disturb = false;
    bob.set_account(fresh);
    assert!(bob.dnd(1));
    alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    let (_, b) = settle(now, &mut alice, &mut bob);
    assert_eq!(statuses(&b.sip), vec![486]);
    assert!(matches!(
        b.ended[0].ending,
        CallEnding::Received(ReceivedEnding::RefusedByPhone(_))
    ));
    bob.set_dnd(Some(1), false);
    assert!(matches!(drain(&mut bob).events[..], [PhoneEvent::DndOff]));
    alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    let (_, b) = settle(now, &mut alice, &mut bob);
    assert_eq!(statuses(&b.sip), vec![180]);
}

#[test]
fn unconditional_forwarding_answers_302_with_diversion() {
    let now = origin();
    let (mut alice, mut bob) = (phone(1, "alice"), phone(2, "bob"));
    let mut settings = bob.accounts[&1].settings.clone();
    settings.forwarding.mode =
        ForwardMode::Unconditional(ForwardTarget::parse("carol@10.0.0.3").unwrap());
    bob.set_account(settings);
    alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    let invite = drain(&mut alice).sip;
    deliver(now, &invite, &mut bob, target(1));
    let out = drain(&mut bob);
    let moved = &responses(&out.sip)[0];
    assert_eq!(moved.status().map(StatusCode::as_u16), Some(302));
    let contact = moved
        .headers()
        .get(HeaderKind::Contact)
        .unwrap()
        .value()
        .unwrap();
    assert!(contact.contains("carol@10.0.0.3"), "{contact}");
    let diversion = moved
        .headers()
        .get(HeaderKind::Diversion)
        .unwrap()
        .value()
        .unwrap();
    assert!(diversion.contains("reason=unconditional"), "{diversion}");
    assert!(out
        .events
        .iter()
        .any(|e| matches!(e, PhoneEvent::CallForwarded { .. })));
    assert!(matches!(
        out.ended[0].ending,
        CallEnding::Received(ReceivedEnding::Forwarded {
            after_ringing: false
        })
    ));
    assert!(bob.calls(now).is_empty());
}

#[test]
fn no_answer_forwarding_rings_first() {
    let now = origin();
    let (mut alice, mut bob) = (phone(1, "alice"), phone(2, "bob"));
    let mut settings = bob.accounts[&1].settings.clone();
    settings.forwarding.mode = ForwardMode::Conditional(ConditionalForward {
        busy: None,
        no_answer: Some(ForwardTarget::parse("carol@10.0.0.3").unwrap()),
        no_answer_timeout: NoAnswerTimeout::from_seconds(5).unwrap(),
        dnd: None,
    });
    bob.set_account(settings);
    alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    let (_, b) = settle(now, &mut alice, &mut bob);
    assert_eq!(statuses(&b.sip), vec![180]);
    let at = bob.poll_timeout().unwrap();
    assert_eq!(at - now, Duration::from_secs(5));
    bob.handle_timeout(at);
    let out = drain(&mut bob);
    let moved = &responses(&out.sip)[0];
    assert_eq!(moved.status().map(StatusCode::as_u16), Some(302));
    assert!(moved
        .headers()
        .get(HeaderKind::Diversion)
        .unwrap()
        .value()
        .unwrap()
        .contains("no-answer"));
    assert!(matches!(
        out.ended[0].ending,
        CallEnding::Received(ReceivedEnding::Forwarded {
            after_ringing: true
        })
    ));
}

fn invite_of(commands: &[SipCommand]) -> Message {
    commands
        .iter()
        .find_map(|c| match c {
            SipCommand::Send { request, .. } => Some(request.clone()),
            _ => None,
        })
        .expect("an INVITE")
}

fn header(message: &Message, kind: HeaderKind) -> Option<String> {
    message
        .headers()
        .get(kind)
        .and_then(|h| h.value().ok().map(|v| v.into_owned()))
}

#[test]
fn caller_id_privacy_follows_send_anonymous_and_the_header_settings() {
    let now = origin();
    let mut alice = phone(1, "alice");
    alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    let invite = invite_of(&drain(&mut alice).sip);
    assert!(header(&invite, HeaderKind::From)
        .unwrap()
        .contains("sip:alice@"));
    assert_eq!(
        header(&invite, HeaderKind::Privacy).as_deref(),
        Some("none")
    );
    assert!(header(&invite, HeaderKind::PPreferredIdentity)
        .unwrap()
        .contains("sip:alice@"));

    let mut settings = alice.accounts[&1].settings.clone();
    settings.identity.send_anonymous = true;
    alice.set_account(settings.clone());
    alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    let invite = invite_of(&drain(&mut alice).sip);
    let from = header(&invite, HeaderKind::From).unwrap();
    assert!(from.contains("sip:anonymous@anonymous.invalid"), "{from}");
    assert!(!from.contains("alice"), "{from}");
    assert_eq!(header(&invite, HeaderKind::Privacy).as_deref(), Some("id"));
    // The network still learns who calls (RFC 3325), the callee does not.
    assert!(header(&invite, HeaderKind::PPreferredIdentity)
        .unwrap()
        .contains("sip:alice@"));

    settings.identity.privacy_header = HeaderUse::Never;
    settings.identity.preferred_identity_header = HeaderUse::Never;
    alice.set_account(settings);
    alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    let invite = invite_of(&drain(&mut alice).sip);
    assert_eq!(header(&invite, HeaderKind::Privacy), None);
    assert_eq!(header(&invite, HeaderKind::PPreferredIdentity), None);
}

#[test]
fn redial_calls_the_last_target_and_voicemail_the_access_number() {
    let now = origin();
    let mut alice = phone(1, "alice");
    assert!(matches!(
        alice.redial(now, None),
        Err(PhoneError::BadTarget(_))
    ));
    assert!(matches!(
        alice.voicemail(now, None),
        Err(PhoneError::BadTarget(_))
    ));
    let first = alice.dial(now, None, "sip:bob@10.0.0.2").unwrap();
    alice.hang_up(now, first).unwrap();
    drain(&mut alice);
    alice.redial(now, None).unwrap();
    let invite = invite_of(&drain(&mut alice).sip);
    assert_eq!(
        invite.request_uri().unwrap().to_string(),
        "sip:bob@10.0.0.2"
    );
    let mut settings = alice.accounts[&1].settings.clone();
    settings.identity.voicemail_number = "sip:vm@10.0.0.9".into();
    alice.set_account(settings);
    alice.voicemail(now, None).unwrap();
    let invite = invite_of(&drain(&mut alice).sip);
    assert_eq!(invite.request_uri().unwrap().to_string(), "sip:vm@10.0.0.9");
}
