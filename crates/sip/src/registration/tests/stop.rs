//! Stopping, and starting again.

use super::*;

fn registered(config: RegistrationConfig) -> Harness {
    let (mut h, first) = Harness::started(config);
    h.respond(ok(&first, 3600));
    h.events();
    h
}

#[test]
fn stop_with_all_removes_every_binding() {
    let mut h = registered(config().with_unregister(UnregisterMode::All));
    h.reg.stop(h.now);
    let bye = h.one_sent();
    assert_eq!(cseq(&bye), 2);
    assert_eq!(header(&bye, HeaderKind::Contact), "*");
    assert_eq!(bye.headers().expires().unwrap(), Some(0));
    assert_eq!(h.reg.state(), RegistrationState::Unregistering);
    let done = response_to(&bye, StatusCode::OK, None).unwrap();
    h.respond(done);
    assert_eq!(h.events(), [RegistrationEvent::Unregistered]);
    assert_eq!(h.reg.state(), RegistrationState::Idle);
    assert_eq!(h.reg.poll_timeout(), None);
}

#[test]
fn stop_with_instance_removes_only_our_contact() {
    let mut h = registered(config().with_unregister(UnregisterMode::Instance));
    h.reg.stop(h.now);
    let bye = h.one_sent();
    let contact = only_contact(&bye);
    assert_eq!(contact.expires(), Some(0));
    assert_eq!(
        contact.instance(),
        Some(format!("<urn:uuid:{INSTANCE}>").as_str())
    );
    assert_eq!(contact.uri().to_string(), local_contact().to_string());
    h.respond(ok(&bye, 0));
    assert_eq!(h.events(), [RegistrationEvent::Unregistered]);
}

#[test]
fn stop_with_no_sends_nothing() {
    let mut h = registered(config());
    h.reg.stop(h.now);
    assert!(h.sent().is_empty());
    assert!(h.events().is_empty());
    assert_eq!(h.reg.state(), RegistrationState::Idle);
    assert_eq!(h.reg.poll_timeout(), None);
}

#[test]
fn unregister_is_authorized_after_a_challenge() {
    let mut h = registered(config().with_unregister(UnregisterMode::All));
    h.reg.stop(h.now);
    let bye = h.one_sent();
    let challenge = h.challenge(&bye, "secret");
    h.respond(challenge);
    let again = h.one_sent();
    assert_eq!(header(&again, HeaderKind::Contact), "*");
    assert!(matches!(
        h.verify(&again, "secret"),
        Verdict::Accepted { .. }
    ));
}

/// Registers through a challenge, then stops quietly and starts again.
fn restarted(config: RegistrationConfig) -> (Harness, Message) {
    let (mut h, first) = Harness::started(config);
    let challenge = h.challenge(&first, "secret");
    h.respond(challenge);
    let second = h.one_sent();
    h.respond(ok(&second, 3600));
    h.reg.stop(h.now);
    h.events();
    h.now += Duration::from_secs(5);
    h.reg.start(h.now).unwrap();
    let again = h.one_sent();
    (h, again)
}

#[test]
fn initial_register_carries_the_known_answer_when_asked() {
    let (mut h, again) = restarted(config().with_send_auth_on_initial_register(true));
    assert_eq!(cseq(&again), 3);
    assert!(matches!(
        h.verify(&again, "secret"),
        Verdict::Accepted { .. }
    ));
}

#[test]
fn initial_register_goes_without_credentials_by_default() {
    let (_, again) = restarted(config());
    assert!(header_values(&again, HeaderKind::Authorization).is_empty());
}

#[test]
fn initial_register_without_a_known_challenge_has_an_empty_nonce() {
    let config = config().with_send_auth_on_initial_register(true);
    let (_, first) = Harness::started(config);
    let value = header(&first, HeaderKind::Authorization);
    assert!(value.contains("username=\"alice\""), "{value}");
    assert!(value.contains("nonce=\"\""), "{value}");
}
