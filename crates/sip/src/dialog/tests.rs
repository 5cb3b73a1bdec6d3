//! Dialog tests on the RFC 3261 §24.2 call flow (Alice calls Bob through atlanta.com and
//! biloxi.com), with Record-Route added where route sets are under test.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::header::{HeaderKind, Transport, Via};
use crate::uri::Host;

const INVITE: &str = "INVITE sip:bob@biloxi.com SIP/2.0\r\n\
    Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n\
    Route: <sip:ss1.atlanta.example.com;lr>\r\n\
    Max-Forwards: 70\r\n\
    To: Bob <sip:bob@biloxi.com>\r\n\
    From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
    Call-ID: a84b4c76e66710\r\n\
    CSeq: 314159 INVITE\r\n\
    Contact: <sip:alice@pc33.atlanta.com>\r\n\
    Content-Length: 0\r\n\r\n";

/// A response to [`INVITE`] from Bob's phone, as it reaches Alice.
fn response(status: &str, extra: &str) -> Message {
    parse(&format!(
        "SIP/2.0 {status}\r\n\
         Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2.1\r\n\
         Record-Route: <sip:ss2.biloxi.example.com;lr>, <sip:ss1.atlanta.example.com;lr>\r\n\
         To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n\
         From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
         Call-ID: a84b4c76e66710\r\n\
         CSeq: 314159 INVITE\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    ))
}

/// A request from Bob to Alice in the dialog.
fn from_bob(method: &str, cseq: u32, extra: &str) -> Message {
    parse(&format!(
        "{method} sip:alice@pc33.atlanta.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r\n\
         Max-Forwards: 70\r\n\
         From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n\
         To: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
         Call-ID: a84b4c76e66710\r\n\
         CSeq: {cseq} {method}\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    ))
}

fn parse(text: &str) -> Message {
    Message::parse(text.as_bytes()).unwrap()
}

fn via(branch: &str) -> Via {
    Via::new(
        Transport::Udp,
        Host::Domain("pc33.atlanta.com".into()),
        None,
        branch,
    )
}

fn alice() -> Dialog {
    let ok = response("200 OK", "Contact: <sip:bob@192.0.2.4>\r\n");
    Dialog::from_uac_response(&parse(INVITE), &ok).unwrap()
}

/// Bob's side: the INVITE as it reaches him, with both proxies' Record-Route.
fn bob() -> Dialog {
    let invite = parse(&INVITE.replace(
        "Route: <sip:ss1.atlanta.example.com;lr>\r\n",
        "Record-Route: <sip:ss2.biloxi.example.com;lr>, <sip:ss1.atlanta.example.com;lr>\r\n",
    ));
    let contact = Uri::parse("sip:bob@192.0.2.4").unwrap();
    Dialog::from_uas_request(&invite, "a6c85cf", &contact).unwrap()
}

fn routes(d: &Dialog) -> Vec<String> {
    d.route_set().iter().map(|r| r.uri().to_string()).collect()
}

#[test]
fn uac_dialog_from_ringing_then_ok() {
    let ringing = response("180 Ringing", "Contact: <sip:bob@192.0.2.4>\r\n");
    let mut d = Dialog::from_uac_response(&parse(INVITE), &ringing).unwrap();
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(d.role(), Role::Uac);
    assert_eq!(
        d.id(),
        &DialogId {
            call_id: "a84b4c76e66710".into(),
            local_tag: "1928301774".into(),
            remote_tag: "a6c85cf".into(),
        }
    );
    assert_eq!(d.local_uri().to_string(), "sip:alice@atlanta.com");
    assert_eq!(d.remote_uri().to_string(), "sip:bob@biloxi.com");
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.4");
    assert_eq!(d.local_contact().to_string(), "sip:alice@pc33.atlanta.com");
    // The UAC reverses Record-Route: the proxy nearest to it comes first.
    assert_eq!(
        routes(&d),
        [
            "sip:ss1.atlanta.example.com;lr",
            "sip:ss2.biloxi.example.com;lr"
        ]
    );
    assert_eq!(d.local_cseq(), Some(314159));
    assert_eq!(d.remote_cseq(), None);
    assert!(!d.is_secure());
    let ok = response("200 OK", "Contact: <sip:bob@192.0.2.44>\r\n");
    d.update_from_response(&ok).unwrap();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.44");
    assert_eq!(alice().state(), DialogState::Confirmed);
}

#[test]
fn responses_that_create_no_dialog() {
    let invite = parse(INVITE);
    let trying = parse(&response("100 Trying", "").to_string_lossy());
    assert_eq!(
        Dialog::from_uac_response(&invite, &trying).unwrap_err(),
        DialogError::NotDialogCreating { status: 100 }
    );
    let untagged = parse(
        &response("180 Ringing", "")
            .to_string_lossy()
            .replace(";tag=a6c85cf", ""),
    );
    assert!(Dialog::from_uac_response(&invite, &untagged).is_err());
    assert_eq!(
        Dialog::from_uac_response(&invite, &response("200 OK", "")).unwrap_err(),
        DialogError::MissingContact
    );
    // A provisional response without Contact targets the Request-URI.
    let early = Dialog::from_uac_response(&invite, &response("183 Session Progress", "")).unwrap();
    assert_eq!(early.remote_target().to_string(), "sip:bob@biloxi.com");
    // A response to another request creates nothing.
    let other = parse(
        &response("200 OK", "Contact: <sip:bob@192.0.2.4>\r\n")
            .to_string_lossy()
            .replace("314159", "314158"),
    );
    assert_eq!(
        Dialog::from_uac_response(&invite, &other).unwrap_err(),
        DialogError::Mismatch
    );
    let sips = parse(&INVITE.replace("INVITE sip:bob", "INVITE sips:bob"));
    let ok = response("200 OK", "Contact: <sips:bob@192.0.2.4>\r\n");
    assert!(Dialog::from_uac_response(&sips, &ok).unwrap().is_secure());
}

trait Lossy {
    fn to_string_lossy(&self) -> String;
}

impl Lossy for Message {
    fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }
}

#[test]
fn uas_dialog_keeps_record_route_order_and_starts_a_random_cseq() {
    let mut d = bob();
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(d.role(), Role::Uas);
    assert_eq!(d.id().local_tag, "a6c85cf");
    assert_eq!(d.id().remote_tag, "1928301774");
    assert_eq!(d.local_uri().to_string(), "sip:bob@biloxi.com");
    assert_eq!(d.remote_uri().to_string(), "sip:alice@atlanta.com");
    assert_eq!(d.remote_target().to_string(), "sip:alice@pc33.atlanta.com");
    assert_eq!(
        routes(&d),
        [
            "sip:ss2.biloxi.example.com;lr",
            "sip:ss1.atlanta.example.com;lr"
        ]
    );
    assert_eq!(d.remote_cseq(), Some(314159));
    assert_eq!(d.local_cseq(), None);
    d.confirm();
    assert_eq!(d.state(), DialogState::Confirmed);
    let bye = d
        .request(Method::Bye, &via("z9hG4bKb1"))
        .unwrap()
        .build()
        .unwrap();
    let first = bye.headers().cseq().unwrap().seq;
    assert!((1..=0xFFFF).contains(&first));
    // Seeded by the dialog id: the same dialog starts at the same number.
    assert_eq!(
        bob()
            .request(Method::Bye, &via("z9hG4bKb2"))
            .unwrap()
            .build()
            .unwrap()
            .headers()
            .cseq()
            .unwrap()
            .seq,
        first
    );
    let info = d
        .request(Method::Info, &via("z9hG4bKb3"))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(info.headers().cseq().unwrap().seq, first + 1);
    assert_eq!(d.local_cseq(), Some(first + 1));
    // A caller's seeded RNG may pick the start instead, before the first request.
    let mut seeded = bob();
    seeded.seed_local_cseq(&mut StdRng::seed_from_u64(1));
    let start = seeded
        .request(Method::Bye, &via("z9hG4bKb4"))
        .unwrap()
        .build()
        .unwrap();
    let mut again = bob();
    again.seed_local_cseq(&mut StdRng::seed_from_u64(1));
    let same = again
        .request(Method::Bye, &via("z9hG4bKb5"))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        start.headers().cseq().unwrap(),
        same.headers().cseq().unwrap()
    );
    let to = bye.headers().to().unwrap();
    assert_eq!(to.tag(), Some("1928301774"));
    assert_eq!(
        bye.request_uri().unwrap().to_string(),
        "sip:alice@pc33.atlanta.com"
    );
}

#[test]
fn in_dialog_requests_carry_the_dialog_headers() {
    let mut d = alice();
    let bye = d
        .request(Method::Bye, &via("z9hG4bKnashds9"))
        .unwrap()
        .build()
        .unwrap();
    bye.validate().unwrap();
    let h = bye.headers();
    assert_eq!(bye.method(), Some(&Method::Bye));
    assert_eq!(bye.request_uri().unwrap().to_string(), "sip:bob@192.0.2.4");
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKnashds9"));
    let route: Vec<String> = h
        .route()
        .unwrap()
        .iter()
        .map(|r| r.uri().to_string())
        .collect();
    assert_eq!(route, routes(&d));
    assert_eq!(h.max_forwards().unwrap(), Some(70));
    let (from, to) = (h.from().unwrap(), h.to().unwrap());
    assert_eq!(
        (from.display_name(), from.tag()),
        (Some("Alice"), Some("1928301774"))
    );
    assert_eq!(
        (to.display_name(), to.tag()),
        (Some("Bob"), Some("a6c85cf"))
    );
    assert_eq!(h.call_id().unwrap(), "a84b4c76e66710");
    assert_eq!(h.cseq().unwrap().to_string(), "314160 BYE");
    assert!(h.get(HeaderKind::Contact).is_none());
    // A target refresh request carries our Contact.
    d.set_local_contact(Uri::parse("sip:alice@192.0.2.101").unwrap());
    let reinvite = d
        .request(Method::Invite, &via("z9hG4bK2"))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        reinvite.headers().cseq().unwrap().to_string(),
        "314161 INVITE"
    );
    let Contacts::Addresses(c) = reinvite.headers().contacts().unwrap() else {
        panic!("no Contact");
    };
    assert_eq!(c[0].uri().to_string(), "sip:alice@192.0.2.101");
    assert_eq!(
        d.request(Method::Ack, &via("z9hG4bK3")).unwrap_err(),
        DialogError::NotAllowed(Method::Ack)
    );
    d.terminate();
    assert_eq!(
        d.request(Method::Bye, &via("z9hG4bK4")).unwrap_err(),
        DialogError::Terminated
    );
}

#[test]
fn strict_router_first_in_the_route_set() {
    let ok = parse(
        &response("200 OK", "Contact: <sip:bob@192.0.2.4>\r\n")
            .to_string_lossy()
            .replace(
                "<sip:ss1.atlanta.example.com;lr>",
                "<sip:ss1.atlanta.example.com;method=INVITE>",
            ),
    );
    let mut d = Dialog::from_uac_response(&parse(INVITE), &ok).unwrap();
    let bye = d
        .request(Method::Bye, &via("z9hG4bKs"))
        .unwrap()
        .build()
        .unwrap();
    // §12.2.1.1: the first route becomes the Request-URI (without the method parameter)
    // and the remote target goes last in Route.
    assert_eq!(
        bye.request_uri().unwrap().to_string(),
        "sip:ss1.atlanta.example.com"
    );
    let route: Vec<String> = bye
        .headers()
        .route()
        .unwrap()
        .iter()
        .map(|r| r.uri().to_string())
        .collect();
    assert_eq!(
        route,
        ["sip:ss2.biloxi.example.com;lr", "sip:bob@192.0.2.4"]
    );
}

#[test]
fn cseq_order_of_received_requests() {
    let mut d = alice();
    d.handle_request(&from_bob("INFO", 231, "")).unwrap();
    assert_eq!(d.remote_cseq(), Some(231));
    let lower = d.handle_request(&from_bob("INFO", 230, "")).unwrap_err();
    assert_eq!(
        lower,
        DialogError::OutOfOrder {
            cseq: 230,
            last: 231
        }
    );
    assert_eq!(lower.response_status(), Some(500));
    let again = d.handle_request(&from_bob("INFO", 231, "")).unwrap_err();
    assert_eq!(again, DialogError::Retransmission { cseq: 231 });
    assert_eq!(again.response_status(), None);
    // ACK and CANCEL repeat an earlier CSeq and are not checked.
    d.handle_request(&from_bob("ACK", 1, "")).unwrap();
    d.handle_request(&from_bob("BYE", 232, "")).unwrap();
    assert_eq!(d.remote_cseq(), Some(232));
    let stranger = parse(
        &from_bob("BYE", 233, "")
            .to_string_lossy()
            .replace("a6c85cf", "other"),
    );
    let e = d.handle_request(&stranger).unwrap_err();
    assert_eq!(
        (e.clone(), e.response_status()),
        (DialogError::Mismatch, Some(481))
    );
}

#[test]
fn target_refresh() {
    let mut d = alice();
    d.handle_request(&from_bob("INFO", 10, "Contact: <sip:bob@192.0.2.99>\r\n"))
        .unwrap();
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.4");
    d.handle_request(&from_bob("INVITE", 11, "Contact: <sip:bob@192.0.2.5>\r\n"))
        .unwrap();
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.5");
    d.handle_request(&from_bob("UPDATE", 12, "Contact: <sip:bob@192.0.2.6>\r\n"))
        .unwrap();
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.6");
    // A 2xx to our UPDATE refreshes it too; route set stays.
    let before = routes(&d);
    let ok = parse(
        &response("200 OK", "Contact: <sip:bob@192.0.2.7>\r\n")
            .to_string_lossy()
            .replace("314159 INVITE", "314160 UPDATE"),
    );
    d.update_from_response(&ok).unwrap();
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.7");
    assert_eq!(routes(&d), before);
}

#[test]
fn failures_end_dialogs() {
    let invite = parse(INVITE);
    let mut early = Dialog::from_uac_response(&invite, &response("180 Ringing", "")).unwrap();
    early
        .update_from_response(&response("486 Busy Here", ""))
        .unwrap();
    assert_eq!(early.state(), DialogState::Terminated);
    let mut d = alice();
    let gone = parse(
        &response("481 Call/Transaction Does Not Exist", "")
            .to_string_lossy()
            .replace("314159 INVITE", "314160 BYE"),
    );
    d.update_from_response(&gone).unwrap();
    assert_eq!(d.state(), DialogState::Terminated);
    let forked = parse(
        &response("200 OK", "")
            .to_string_lossy()
            .replace("a6c85cf", "b7"),
    );
    assert_eq!(
        alice().update_from_response(&forked).unwrap_err(),
        DialogError::Mismatch
    );
}

#[test]
fn ack_for_2xx_and_cancel() {
    let d = alice();
    let ack = d.ack(314159, &via("z9hG4bKack")).build().unwrap();
    let h = ack.headers();
    assert_eq!(ack.method(), Some(&Method::Ack));
    assert_eq!(ack.request_uri().unwrap().to_string(), "sip:bob@192.0.2.4");
    assert_eq!(h.cseq().unwrap().to_string(), "314159 ACK");
    assert_eq!(h.to().unwrap().tag(), Some("a6c85cf"));
    assert_eq!(h.route().unwrap().len(), 2);
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKack"));
    assert_eq!(d.local_cseq(), Some(314159), "ACK does not count");

    let invite = parse(INVITE);
    let cancel = cancel_for(&invite).unwrap();
    let h = cancel.headers();
    assert_eq!(cancel.method(), Some(&Method::Cancel));
    assert_eq!(
        cancel.request_uri().unwrap().to_string(),
        "sip:bob@biloxi.com"
    );
    assert_eq!(h.cseq().unwrap().to_string(), "314159 CANCEL");
    assert_eq!(h.via().unwrap().len(), 1);
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKnashds8"));
    assert_eq!(h.from().unwrap(), invite.headers().from().unwrap());
    assert_eq!(h.to().unwrap(), invite.headers().to().unwrap());
    assert_eq!(h.call_id().unwrap(), "a84b4c76e66710");
    assert_eq!(h.route().unwrap(), invite.headers().route().unwrap());
    assert_eq!(
        cancel_for(&from_bob("BYE", 1, "")).unwrap_err(),
        DialogError::NotInvite
    );
}

#[test]
fn replaces_matching() {
    // Written by the peer of the dialog: to-tag is ours, from-tag theirs.
    let ours = Replaces::new("a84b4c76e66710", "1928301774", "a6c85cf");
    let swapped = Replaces::new("a84b4c76e66710", "a6c85cf", "1928301774");
    let early_only =
        Replaces::parse("a84b4c76e66710;to-tag=1928301774;from-tag=a6c85cf;early-only").unwrap();
    let mut d = alice();
    assert_eq!(d.check_replaces(&ours), ReplacesOutcome::Replace);
    assert_eq!(d.check_replaces(&swapped), ReplacesOutcome::NotThisDialog);
    assert_eq!(d.check_replaces(&early_only), ReplacesOutcome::Reject(486));
    let early = Dialog::from_uac_response(&parse(INVITE), &response("180 Ringing", "")).unwrap();
    assert_eq!(early.check_replaces(&early_only), ReplacesOutcome::Replace);
    // Bob's early dialog was not initiated by him: 481. Tags from Alice's point of view.
    assert_eq!(bob().check_replaces(&swapped), ReplacesOutcome::Reject(481));
    assert_eq!(bob().check_replaces(&ours), ReplacesOutcome::NotThisDialog);
    d.terminate();
    assert_eq!(d.check_replaces(&ours), ReplacesOutcome::Reject(603));
}
