//! NOTIFYs: before the 2xx, repeated, malformed, out of order, and where refreshes go after
//! them.

use super::*;

#[test]
fn a_notify_before_the_2xx_creates_the_dialog() {
    let (mut h, first) = Harness::started(config());
    let response = h.notify(&notify(&first, 1, "active;expires=3600", ""));
    assert_eq!(response.status(), Some(StatusCode::OK));
    assert_eq!(h.sub.state(), SubscriptionStatus::Active);
    assert_eq!(h.events()[1], SubscriptionEvent::Active { expires: 3600 });
    let dialog = h.sub.dialog().unwrap();
    assert_eq!(dialog.local_cseq(), Some(1));
    // The late 2xx joins the same dialog and sets the target.
    h.respond(ok(&first, NOTIFIER, 3600));
    assert!(h.events().is_empty());
    let (refresh, destination) = h.next_sent();
    assert_eq!(refresh.request_uri().unwrap().to_string(), NOTIFIER);
    assert_eq!(destination.as_deref(), Some(NOTIFIER));
    assert_eq!(refresh.headers().cseq().unwrap().seq, 2);
    assert_eq!(to_tag(&refresh).as_deref(), Some("n1"));
}

#[test]
fn a_retransmitted_notify_is_answered_again_and_reported_once() {
    let (mut h, first) = Harness::started(config());
    h.respond(ok(&first, NOTIFIER, 3600));
    let again = notify(&first, 1, "active;expires=3600", "");
    assert_eq!(h.notify(&again).status(), Some(StatusCode::OK));
    assert_eq!(h.events().len(), 2);
    assert_eq!(h.notify(&again).status(), Some(StatusCode::OK));
    assert!(h.events().is_empty());
    // The same for a NOTIFY that created the dialog.
    let (mut h, first) = Harness::started(config());
    let early = notify(&first, 5, "pending", "");
    assert_eq!(h.notify(&early).status(), Some(StatusCode::OK));
    assert_eq!(h.events().len(), 2);
    assert_eq!(h.notify(&early).status(), Some(StatusCode::OK));
    assert!(h.events().is_empty());
    // An older one is out of order.
    let older = notify(&first, 4, "active", "");
    assert_eq!(
        h.notify(&older).status(),
        Some(StatusCode::SERVER_INTERNAL_ERROR)
    );
}

fn without(message: &Message, name: &str) -> Message {
    let text = String::from_utf8(message.as_bytes().to_vec()).unwrap();
    let kept: Vec<&str> = text
        .split("\r\n")
        .filter(|line| !line.starts_with(name))
        .collect();
    Message::parse(kept.join("\r\n").as_bytes()).unwrap()
}

#[test]
fn malformed_notifies_get_400_and_change_nothing() {
    let (mut h, first) = Harness::active(config());
    let good = notify(&first, 2, "active;expires=3600", "");
    for bad in [
        without(&good, "Event:"),
        without(&good, "Subscription-State:"),
        notify(&first, 2, "active;expires=soon", ""),
        notify(&first, 2, ";expires=5", ""),
    ] {
        let response = h.notify(&bad);
        assert_eq!(response.status(), Some(StatusCode::BAD_REQUEST));
    }
    let wrong_event = Message::parse(
        &String::from_utf8(good.as_bytes().to_vec())
            .unwrap()
            .replace("Event: message-summary", "Event: presence")
            .into_bytes(),
    )
    .unwrap();
    assert_eq!(
        h.notify(&wrong_event).status(),
        Some(StatusCode::CALL_DOES_NOT_EXIST)
    );
    assert!(h.events().is_empty());
    assert_eq!(h.sub.state(), SubscriptionStatus::Active);
    // The good one still goes through with the CSeq the bad ones did not use up.
    assert_eq!(h.notify(&good).status(), Some(StatusCode::OK));
}

#[test]
fn other_requests_are_not_this_subscriptions() {
    let (mut h, first) = Harness::active(config());
    let text = String::from_utf8(notify(&first, 2, "active", "").as_bytes().to_vec()).unwrap();
    let other_call = text.replace(first.headers().call_id().unwrap(), "someone-else");
    let other_method = text
        .replacen("NOTIFY sip:", "MESSAGE sip:", 1)
        .replace(" NOTIFY\r\n", " MESSAGE\r\n");
    for request in [other_call, other_method] {
        let request = Message::parse(request.as_bytes()).unwrap();
        assert!(h.sub.handle_request(h.now, &request).is_none());
    }
}

#[test]
fn use_route_set_in_notify_moves_the_refresh() {
    let record_route = "Record-Route: <sip:edge.example.com;lr>\r\n";
    for on in [false, true] {
        let (mut h, first) = Harness::started(config().with_use_route_set_in_notify(on));
        h.respond(ok(&first, NOTIFIER, 600));
        h.notify(&notify(&first, 1, "active;expires=600", record_route));
        let (refresh, destination) = h.next_sent();
        let uri = refresh.request_uri().unwrap().to_string();
        if on {
            assert_eq!(uri, NOTIFIER_MOVED);
            assert_eq!(
                header(&refresh, HeaderKind::Route).as_deref(),
                Some("<sip:edge.example.com;lr>")
            );
            assert_eq!(destination.as_deref(), Some("sip:edge.example.com;lr"));
        } else {
            assert_eq!(uri, NOTIFIER);
            assert_eq!(header(&refresh, HeaderKind::Route), None);
            assert_eq!(destination.as_deref(), Some(NOTIFIER));
        }
    }
}

#[test]
fn with_use_route_set_in_notify_a_late_2xx_keeps_the_notify_target() {
    let (mut h, first) = Harness::started(config().with_use_route_set_in_notify(true));
    h.notify(&notify(&first, 1, "active;expires=600", ""));
    h.respond(ok(&first, NOTIFIER, 600));
    let (refresh, _) = h.next_sent();
    assert_eq!(refresh.request_uri().unwrap().to_string(), NOTIFIER_MOVED);
}

#[test]
fn the_notify_expires_drives_the_refresh() {
    let (mut h, first) = Harness::started(config());
    h.respond(ok(&first, NOTIFIER, 3600));
    h.notify(&notify(&first, 1, "active;expires=120", ""));
    assert_eq!(h.events()[1], SubscriptionEvent::Active { expires: 120 });
    // Half of 120 s is later than 120 s less Timer F (32 s).
    assert!(h.advance(Duration::from_secs(87)).is_empty());
    assert_eq!(h.advance(Duration::from_secs(1)).len(), 1);
}

#[test]
fn no_notify_after_the_2xx_is_a_failure() {
    let (mut h, first) = Harness::started(config());
    h.respond(ok(&first, NOTIFIER, 3600));
    assert!(h.advance(Duration::from_secs(31)).is_empty());
    h.advance(Duration::from_secs(1));
    assert_eq!(
        h.events(),
        vec![SubscriptionEvent::Failed {
            reason: "no NOTIFY".into()
        }]
    );
    assert_eq!(h.sub.state(), SubscriptionStatus::Waiting);
    assert_eq!(h.advance(Duration::from_secs(20)).len(), 1);
}
