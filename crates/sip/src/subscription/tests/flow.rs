//! The life of a subscription: subscribe, notify, refresh, termination by the notifier,
//! re-subscribe, forks, and unsubscribing.

use super::*;

#[test]
fn subscribe_notify_refresh_terminate_and_subscribe_again() {
    let (mut h, first) = Harness::started(config());
    // The first SUBSCRIBE: to the mailbox, through the configured proxy.
    assert_eq!(first.method(), Some(&Method::Subscribe));
    assert_eq!(
        first.request_uri().unwrap().to_string(),
        "sip:alice@example.com"
    );
    assert_eq!(
        header(&first, HeaderKind::Route).unwrap(),
        format!("<{PROXY}>")
    );
    assert_eq!(
        header(&first, HeaderKind::Event).unwrap(),
        "message-summary"
    );
    assert_eq!(
        header(&first, HeaderKind::Accept).unwrap(),
        "application/simple-message-summary"
    );
    assert_eq!(header(&first, HeaderKind::Expires).unwrap(), "3600");
    assert_eq!(
        header(&first, HeaderKind::Contact).unwrap(),
        "<sip:alice@10.0.0.2:5062>"
    );
    assert_eq!(to_tag(&first), None);
    assert_eq!(h.sub.state(), SubscriptionStatus::Subscribing);

    h.respond(ok(&first, NOTIFIER, 3600));
    assert_eq!(h.sub.state(), SubscriptionStatus::Subscribing);
    assert!(h.events().is_empty());

    let response = h.notify(&notify(&first, 1, "active;expires=3600", ""));
    assert_eq!(response.status(), Some(StatusCode::OK));
    assert_eq!(
        to_tag(&response).as_deref(),
        Some(h.sub.ids.from_tag.as_str())
    );
    let events = h.events();
    assert!(matches!(
        &events[0],
        SubscriptionEvent::Notify { content_type: Some(t), body }
            if t.is("application", "simple-message-summary") && body.starts_with(b"Messages-Waiting")
    ));
    assert_eq!(events[1], SubscriptionEvent::Active { expires: 3600 });
    assert_eq!(h.sub.state(), SubscriptionStatus::Active);

    // Nothing until one Timer F before expiry; then an in-dialog refresh.
    let refresh_at = h.now + Duration::from_secs(3600) - h.sub.config.timers.f();
    assert!(h.advance_to(refresh_at - Duration::from_secs(1)).is_empty());
    let mut sent = h.advance_to(refresh_at);
    assert_eq!(sent.len(), 1);
    let (refresh, destination) = sent.remove(0);
    // Without "Use Route Set in NOTIFY" the 2xx's Contact stays the target.
    assert_eq!(refresh.request_uri().unwrap().to_string(), NOTIFIER);
    assert_eq!(destination.as_deref(), Some(NOTIFIER));
    assert_eq!(header(&refresh, HeaderKind::Route), None);
    assert_eq!(to_tag(&refresh).as_deref(), Some("n1"));
    assert_eq!(
        refresh.headers().call_id().unwrap(),
        first.headers().call_id().unwrap()
    );
    assert_eq!(refresh.headers().cseq().unwrap().seq, 2);
    assert_eq!(header(&refresh, HeaderKind::Expires).unwrap(), "3600");
    h.respond(ok(&refresh, NOTIFIER, 1800));
    h.notify(&notify(&first, 2, "active;expires=1800", ""));
    let events = h.events();
    assert_eq!(events.len(), 1, "only the Notify: still active");

    // The notifier lets it time out: a new subscription goes out at once.
    let response = h.notify(&notify(&first, 3, "terminated;reason=timeout", ""));
    assert_eq!(response.status(), Some(StatusCode::OK));
    let events = h.events();
    assert_eq!(
        events[1],
        SubscriptionEvent::Terminated {
            reason: "timeout".into()
        }
    );
    let (again, destination) = h.one_sent();
    assert_eq!(destination, None);
    assert_eq!(to_tag(&again), None);
    assert_ne!(
        again.headers().call_id().unwrap(),
        first.headers().call_id().unwrap()
    );
    assert_eq!(h.sub.state(), SubscriptionStatus::Subscribing);
    // The old dialog is gone: its NOTIFYs are no longer this subscription's.
    assert!(h
        .sub
        .handle_request(h.now, &notify(&first, 4, "active", ""))
        .is_none());
    h.respond(ok(&again, NOTIFIER, 3600));
    h.notify(&notify(&again, 1, "pending;expires=3600", ""));
    assert_eq!(h.events()[1], SubscriptionEvent::Pending);
    assert_eq!(h.sub.state(), SubscriptionStatus::Pending);
}

#[test]
fn deactivated_subscribes_again_at_once_and_probation_after_retry_after() {
    let (mut h, first) = Harness::active(config());
    h.notify(&notify(&first, 2, "terminated;reason=deactivated", ""));
    let (again, _) = h.one_sent();
    assert_eq!(to_tag(&again), None);

    h.respond(ok(&again, NOTIFIER, 3600));
    h.notify(&notify(&again, 1, "active;expires=3600", ""));
    h.notify(&notify(
        &again,
        2,
        "terminated;reason=probation;retry-after=30",
        "",
    ));
    assert_eq!(h.sub.state(), SubscriptionStatus::Waiting);
    assert!(h.sent().is_empty());
    assert!(h.advance(Duration::from_secs(29)).is_empty());
    let sent = h.advance(Duration::from_secs(1));
    assert_eq!(sent.len(), 1);
    assert_eq!(to_tag(&sent[0].0), None);
    assert!(h.events().contains(&SubscriptionEvent::Terminated {
        reason: "probation".into()
    }));
}

#[test]
fn rejected_ends_for_good() {
    for reason in ["rejected", "noresource", "invariant"] {
        let (mut h, first) = Harness::active(config());
        let response = h.notify(&notify(
            &first,
            2,
            &format!("terminated;reason={reason}"),
            "",
        ));
        assert_eq!(response.status(), Some(StatusCode::OK));
        assert_eq!(h.sub.state(), SubscriptionStatus::Idle);
        assert!(h.events().contains(&SubscriptionEvent::Failed {
            reason: reason.into()
        }));
        assert_eq!(h.sub.poll_timeout(), None);
        assert!(h.advance(Duration::from_secs(7200)).is_empty());
    }
}

#[test]
fn stop_unsubscribes_in_the_dialog() {
    let (mut h, first) = Harness::active(config());
    h.sub.stop(h.now);
    assert_eq!(h.sub.state(), SubscriptionStatus::Unsubscribing);
    let (unsubscribe, destination) = h.one_sent();
    assert_eq!(header(&unsubscribe, HeaderKind::Expires).unwrap(), "0");
    assert_eq!(to_tag(&unsubscribe).as_deref(), Some("n1"));
    assert_eq!(destination.as_deref(), Some(NOTIFIER));
    // The notifier's final NOTIFY may come first.
    let response = h.notify(&notify(&first, 2, "terminated;reason=timeout", ""));
    assert_eq!(response.status(), Some(StatusCode::OK));
    assert!(h.sent().is_empty(), "no re-subscribe while stopping");
    h.respond(ok(&unsubscribe, NOTIFIER, 0));
    assert_eq!(h.sub.state(), SubscriptionStatus::Idle);
    assert_eq!(
        h.events().last(),
        Some(&SubscriptionEvent::Terminated {
            reason: "unsubscribed".into()
        })
    );
    // A late final NOTIFY is still acknowledged; anything else is refused.
    let late = h.notify(&notify(&first, 3, "terminated", ""));
    assert_eq!(late.status(), Some(StatusCode::OK));
    let live = h.notify(&notify(&first, 4, "active;expires=60", ""));
    assert_eq!(live.status(), Some(StatusCode::CALL_DOES_NOT_EXIST));
    assert!(h.events().is_empty());
    assert_eq!(h.sub.poll_timeout(), None);
}

#[test]
fn stop_before_anything_was_granted_sends_nothing() {
    let (mut h, _first) = Harness::started(config());
    h.sub.stop(h.now);
    assert_eq!(h.sub.state(), SubscriptionStatus::Idle);
    assert!(h.sent().is_empty());
    assert!(h.events().is_empty());
    // It can start again.
    h.sub.start(h.now).unwrap();
    assert_eq!(h.sent().len(), 1);
}

#[test]
fn an_unanswered_unsubscribe_still_ends() {
    let (mut h, _first) = Harness::active(config());
    h.sub.stop(h.now);
    h.one_sent();
    h.advance(Duration::from_secs(64));
    assert_eq!(h.sub.state(), SubscriptionStatus::Idle);
    assert!(h.events().contains(&SubscriptionEvent::Terminated {
        reason: "unsubscribed".into()
    }));
}

#[test]
fn only_the_first_fork_makes_the_subscription() {
    let (mut h, first) = Harness::started(config());
    h.respond(ok(&first, NOTIFIER, 3600));
    let other = h.notify(&notify_from("fork2", &first, 1, "active;expires=3600", ""));
    assert_eq!(other.status(), Some(StatusCode::CALL_DOES_NOT_EXIST));
    assert!(h.events().is_empty());
    let ours = h.notify(&notify(&first, 1, "active;expires=3600", ""));
    assert_eq!(ours.status(), Some(StatusCode::OK));
    assert_eq!(h.sub.dialog().unwrap().id().remote_tag, "n1");
    // A fork's NOTIFY that beats every 2xx wins; later forks are refused.
    let (mut h, first) = Harness::started(config());
    let winner = h.notify(&notify_from("fast", &first, 1, "active;expires=3600", ""));
    assert_eq!(winner.status(), Some(StatusCode::OK));
    let loser = h.notify(&notify_from("slow", &first, 1, "active;expires=3600", ""));
    assert_eq!(loser.status(), Some(StatusCode::CALL_DOES_NOT_EXIST));
    assert_eq!(h.sub.dialog().unwrap().id().remote_tag, "fast");
}
