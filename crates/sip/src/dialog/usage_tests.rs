//! Tests of the dialog's usage rules: which method created it (Replaces), glare (491) and
//! the reach of failure responses (RFC 5057, RFC 6141); and the NOTIFY-created dialog.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::header::Replaces;

fn parse(text: &str) -> Message {
    Message::parse(text.as_bytes()).unwrap()
}

fn request(method: &str) -> Message {
    parse(&format!(
        "{method} sip:bob@biloxi.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n\
         Max-Forwards: 70\r\n\
         To: Bob <sip:bob@biloxi.com>\r\n\
         From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
         Call-ID: a84b4c76e66710\r\n\
         CSeq: 314159 {method}\r\n\
         Event: dialog\r\n\
         Contact: <sip:alice@pc33.atlanta.com>\r\n\
         Content-Length: 0\r\n\r\n"
    ))
}

fn ok(method: &str) -> Message {
    parse(&format!(
        "SIP/2.0 200 OK\r\n\
         Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n\
         To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n\
         From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
         Call-ID: a84b4c76e66710\r\n\
         CSeq: 314159 {method}\r\n\
         Contact: <sip:bob@192.0.2.4>\r\n\
         Content-Length: 0\r\n\r\n"
    ))
}

fn notify(cseq: u32, record_route: &str) -> Message {
    parse(&format!(
        "NOTIFY sip:alice@pc33.atlanta.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnotify{cseq}\r\n\
         {record_route}Max-Forwards: 70\r\n\
         From: Bob <sip:bob@biloxi.com>;tag=n0t1fy\r\n\
         To: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
         Call-ID: a84b4c76e66710\r\n\
         CSeq: {cseq} NOTIFY\r\n\
         Event: dialog\r\n\
         Subscription-State: active;expires=600\r\n\
         Contact: <sip:notifier@192.0.2.9>\r\n\
         Content-Length: 0\r\n\r\n"
    ))
}

fn dialog_created_by(method: &str) -> Dialog {
    Dialog::from_uac_response(&request(method), &ok(method)).unwrap()
}

#[test]
fn the_creating_method_is_recorded() {
    assert_eq!(dialog_created_by("INVITE").created_by(), &Method::Invite);
    assert_eq!(
        dialog_created_by("SUBSCRIBE").created_by(),
        &Method::Subscribe
    );
    let uas = Dialog::from_uas_request(
        &request("REFER"),
        "b0b",
        &"sip:bob@192.0.2.4".parse().unwrap(),
    )
    .unwrap();
    assert_eq!(uas.created_by(), &Method::Refer);
}

#[test]
fn replaces_matches_only_invite_dialogs() {
    let names_it = Replaces::new("a84b4c76e66710", "1928301774", "a6c85cf");
    assert_eq!(
        dialog_created_by("INVITE").check_replaces(&names_it),
        ReplacesOutcome::Replace
    );
    for method in ["SUBSCRIBE", "REFER"] {
        assert_eq!(
            dialog_created_by(method).check_replaces(&names_it),
            ReplacesOutcome::Reject(481),
            "{method}"
        );
    }
    let other = Replaces::new("elsewhere", "1928301774", "a6c85cf");
    assert_eq!(
        dialog_created_by("SUBSCRIBE").check_replaces(&other),
        ReplacesOutcome::NotThisDialog
    );
}

#[test]
fn glare_delays_are_in_range_and_in_10ms_steps() {
    let mut rng = StdRng::seed_from_u64(5);
    let (mut owner_seen, mut other_seen) = (Vec::new(), Vec::new());
    for _ in 0..2000 {
        let owner = glare_retry_delay(true, &mut rng).as_millis();
        assert!((2100..=4000).contains(&owner), "{owner}");
        assert_eq!(owner % 10, 0);
        owner_seen.push(owner);
        let other = glare_retry_delay(false, &mut rng).as_millis();
        assert!(other <= 2000, "{other}");
        assert_eq!(other % 10, 0);
        other_seen.push(other);
    }
    // Both ends of each range are reachable.
    assert!(owner_seen.contains(&2100) && owner_seen.contains(&4000));
    assert!(other_seen.contains(&0) && other_seen.contains(&2000));
}

#[test]
fn a_second_offer_while_one_is_pending_is_refused() {
    let mut d = dialog_created_by("INVITE");
    assert!(d.owns_call_id());
    assert!(!d.offer_in_progress());
    assert!(d.begin_offer());
    assert!(d.offer_in_progress());
    // A re-INVITE from the peer now crosses ours: answer 491.
    assert!(!d.begin_offer());
    d.end_offer();
    assert!(d.begin_offer());
    let uas = Dialog::from_uas_request(
        &request("INVITE"),
        "b0b",
        &"sip:bob@192.0.2.4".parse().unwrap(),
    )
    .unwrap();
    assert!(!uas.owns_call_id());
}

#[test]
fn failure_effects_follow_rfc_5057() {
    use FailureEffect::*;
    for method in [
        Method::Invite,
        Method::Subscribe,
        Method::Notify,
        Method::Info,
    ] {
        assert_eq!(failure_effect(&method, 481), TerminateDialog);
        for status in [404, 408, 410, 416, 480, 482, 483, 484, 485, 604] {
            assert_eq!(failure_effect(&method, status), TerminateUsage, "{status}");
        }
        for status in [200, 400, 401, 403, 407, 415, 487, 488, 491, 500, 503, 603] {
            assert_eq!(failure_effect(&method, status), TransactionOnly, "{status}");
        }
    }
    assert_eq!(failure_effect(&Method::Notify, 489), TerminateUsage);
    assert_eq!(failure_effect(&Method::Subscribe, 489), TerminateUsage);
    // RFC 6141: a re-INVITE refused with 488 or 491 leaves the session as it was.
    assert_eq!(failure_effect(&Method::Invite, 489), TransactionOnly);
    assert_eq!(failure_effect(&Method::Invite, 488), TransactionOnly);
}

#[test]
fn a_notify_before_the_2xx_creates_the_subscription_dialog() {
    let subscribe = request("SUBSCRIBE");
    let rr = "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\r\n";
    let d = Dialog::from_notify(&subscribe, &notify(7, rr)).unwrap();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.created_by(), &Method::Subscribe);
    assert_eq!(d.id().local_tag, "1928301774");
    assert_eq!(d.id().remote_tag, "n0t1fy");
    assert_eq!(d.local_cseq(), Some(314159));
    assert_eq!(d.remote_cseq(), Some(7));
    assert_eq!(d.remote_target().to_string(), "sip:notifier@192.0.2.9");
    let routes: Vec<String> = d.route_set().iter().map(|r| r.uri().to_string()).collect();
    assert_eq!(routes, ["sip:p2.example.com;lr", "sip:p1.example.com;lr"]);
    // A NOTIFY of another subscription does not create this one.
    let other = request("SUBSCRIBE").to_string_lossy_replace("1928301774", "other");
    assert!(matches!(
        Dialog::from_notify(&other, &notify(7, "")),
        Err(DialogError::Mismatch)
    ));
    assert!(Dialog::from_notify(&notify(7, ""), &subscribe).is_err());
}

#[test]
fn route_and_target_can_be_replaced() {
    let mut d = dialog_created_by("SUBSCRIBE");
    d.set_remote_target("sip:elsewhere@192.0.2.77".parse().unwrap());
    d.set_route_set(vec![NameAddr::parse("<sip:p.example.com;lr>").unwrap()]);
    assert_eq!(d.remote_target().to_string(), "sip:elsewhere@192.0.2.77");
    let (uri, routes) = d.request_target();
    assert_eq!(uri.to_string(), "sip:elsewhere@192.0.2.77");
    assert_eq!(routes.len(), 1);
}

trait Retag {
    fn to_string_lossy_replace(&self, from: &str, to: &str) -> Message;
}

impl Retag for Message {
    fn to_string_lossy_replace(&self, from: &str, to: &str) -> Message {
        let text = String::from_utf8_lossy(self.as_bytes()).replace(from, to);
        parse(&text)
    }
}
