//! Failures of SUBSCRIBE: challenges, 423, 489 and other refusals, timeouts, and a refresh
//! that finds no dialog.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::auth::{DigestServer, ServerConfig, Verdict};

#[test]
fn a_challenge_is_answered_with_credentials() {
    let (mut h, first) = Harness::started(config());
    let mut rng = StdRng::seed_from_u64(3);
    let mut server = DigestServer::from_rng(ServerConfig::new("example.com"), &mut rng, h.now);
    let uri = first.request_uri().unwrap().to_string();
    let digest = DigestRequest::new("SUBSCRIBE", &uri);
    let Verdict::Challenge { challenges, .. } =
        server.verify(h.now, &digest, &[], |_| Some("secret"))
    else {
        panic!("expected a challenge");
    };
    let mut challenge = status(&first, StatusCode::UNAUTHORIZED);
    for c in challenges {
        challenge.header(HeaderKind::WwwAuthenticate, c);
    }
    h.respond(challenge);
    let (second, destination) = h.one_sent();
    assert_eq!(destination, None);
    assert_eq!(
        second.headers().call_id().unwrap(),
        first.headers().call_id().unwrap()
    );
    assert_eq!(second.headers().cseq().unwrap().seq, 2);
    assert_eq!(to_tag(&second), None);
    let authorization = header(&second, HeaderKind::Authorization).unwrap();
    let verdict = server.verify(h.now, &digest, &[authorization.as_str()], |user| {
        (user == "alice").then_some("secret")
    });
    assert!(matches!(verdict, Verdict::Accepted { .. }), "{verdict:?}");
    h.respond(ok(&second, NOTIFIER, 3600));
    h.notify(&notify(&second, 1, "active;expires=3600", ""));
    assert_eq!(h.sub.state(), SubscriptionStatus::Active);
    // The refresh carries an answer for its own Request-URI.
    let (refresh, _) = h.next_sent();
    let value = header(&refresh, HeaderKind::Authorization).unwrap();
    assert!(value.contains(&format!("uri=\"{NOTIFIER}\"")), "{value}");
}

#[test]
fn a_refused_password_fails_and_waits() {
    let (mut h, first) = Harness::started(config());
    let challenge = "Digest realm=\"example.com\", nonce=\"abc\", algorithm=MD5";
    let mut b = status(&first, StatusCode::UNAUTHORIZED);
    b.header(HeaderKind::WwwAuthenticate, challenge);
    h.respond(b);
    let (second, _) = h.one_sent();
    let mut b = status(&second, StatusCode::UNAUTHORIZED);
    b.header(HeaderKind::WwwAuthenticate, challenge);
    h.respond(b);
    assert!(h.sent().is_empty());
    assert!(matches!(
        &h.events()[..],
        [SubscriptionEvent::Failed { .. }]
    ));
    assert_eq!(h.sub.state(), SubscriptionStatus::Waiting);
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let (mut h, first) = Harness::started(config());
    let mut b = status(&first, StatusCode::new(423).unwrap());
    b.header(HeaderKind::MinExpires, 7200);
    h.respond(b);
    let (second, _) = h.one_sent();
    assert_eq!(header(&second, HeaderKind::Expires).unwrap(), "7200");
    assert_eq!(second.headers().cseq().unwrap().seq, 2);
    // A 423 without a larger Min-Expires cannot be satisfied.
    let mut b = status(&second, StatusCode::new(423).unwrap());
    b.header(HeaderKind::MinExpires, 60);
    h.respond(b);
    assert!(h.sent().is_empty());
    assert_eq!(h.sub.state(), SubscriptionStatus::Waiting);
}

#[test]
fn bad_event_fails_and_retries_after_the_wait() {
    let (mut h, first) = Harness::started(config());
    h.respond(status(&first, StatusCode::new(489).unwrap()));
    assert_eq!(
        h.events(),
        vec![SubscriptionEvent::Failed {
            reason: "489 Bad Event".into()
        }]
    );
    assert_eq!(h.sub.state(), SubscriptionStatus::Waiting);
    assert!(h.advance(Duration::from_secs(19)).is_empty());
    let sent = h.advance(Duration::from_secs(1));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, None);
    assert_ne!(
        sent[0].0.headers().call_id().unwrap(),
        first.headers().call_id().unwrap()
    );
    assert_eq!(h.sub.state(), SubscriptionStatus::Subscribing);
}

#[test]
fn retry_after_is_honoured() {
    let (mut h, first) = Harness::started(config());
    let mut b = status(&first, StatusCode::SERVICE_UNAVAILABLE);
    b.header(HeaderKind::RetryAfter, 90);
    h.respond(b);
    assert!(h.advance(Duration::from_secs(89)).is_empty());
    assert_eq!(h.advance(Duration::from_secs(1)).len(), 1);
}

#[test]
fn a_timeout_fails_and_retries_after_the_wait() {
    let (mut h, _first) = Harness::started(config());
    let retransmissions = h.advance(Duration::from_secs(31));
    assert!(!retransmissions.is_empty(), "UDP retransmits");
    assert!(h.events().is_empty());
    h.advance(Duration::from_secs(1));
    assert_eq!(
        h.events(),
        vec![SubscriptionEvent::Failed {
            reason: "timeout".into()
        }]
    );
    assert_eq!(h.advance(Duration::from_secs(20)).len(), 1);
}

#[test]
fn a_refresh_answered_481_starts_over_at_once() {
    let (mut h, first) = Harness::active(config());
    let (refresh, _) = h.next_sent();
    h.respond(status(&refresh, StatusCode::CALL_DOES_NOT_EXIST));
    let (fresh, destination) = h.one_sent();
    assert_eq!(destination, None);
    assert_eq!(to_tag(&fresh), None);
    assert_ne!(
        fresh.headers().call_id().unwrap(),
        first.headers().call_id().unwrap()
    );
    assert_eq!(h.sub.state(), SubscriptionStatus::Subscribing);
    assert!(h.sub.dialog().is_none());
}

#[test]
fn a_failed_refresh_waits_and_starts_over() {
    let (mut h, _first) = Harness::active(config());
    let (refresh, _) = h.next_sent();
    h.respond(status(&refresh, StatusCode::FORBIDDEN));
    assert!(h.sent().is_empty());
    assert_eq!(h.sub.state(), SubscriptionStatus::Waiting);
    let (fresh, _) = h.advance(Duration::from_secs(20)).remove(0);
    assert_eq!(to_tag(&fresh), None);
}

#[test]
fn responses_of_other_transactions_are_not_matched() {
    let (mut h, first) = Harness::started(config());
    let text = String::from_utf8(
        ok(&first, NOTIFIER, 60)
            .build()
            .unwrap()
            .as_bytes()
            .to_vec(),
    )
    .unwrap();
    let branch = first
        .headers()
        .top_via()
        .unwrap()
        .branch()
        .unwrap()
        .to_owned();
    let other = Message::parse(text.replace(&branch, "z9hG4bKother").as_bytes()).unwrap();
    assert!(!h.sub.matches_response(&other));
    h.sub.handle_response(h.now, &other);
    assert_eq!(h.sub.state(), SubscriptionStatus::Subscribing);
    assert!(h.sub.dialog().is_none());
    let ours = ok(&first, NOTIFIER, 60).build().unwrap();
    assert!(h.sub.matches_response(&ours));
}

#[test]
fn a_subscriber_without_a_user_is_refused() {
    let config = config().with_from(SipUri::parse("sip:example.com").unwrap());
    assert!(matches!(
        Subscription::new(config, 1),
        Err(SubscriptionError::NoUser)
    ));
}
