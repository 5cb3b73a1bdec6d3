//! Registering: the first REGISTER, challenges, refresh, failures and NAT.

use super::*;

#[test]
fn first_register_carries_the_rfc_3261_headers() {
    let (mut h, first) = Harness::started(config());
    assert_eq!(first.method(), Some(&Method::Register));
    assert_eq!(first.request_uri().unwrap().to_string(), "sip:example.com");
    let via = first.headers().top_via().unwrap();
    assert!(via.has_rfc3261_branch());
    assert!(via.has_rport() && via.rport().is_none());
    assert_eq!(via.host(), &Host::Ipv4(Ipv4Addr::new(10, 0, 0, 2)));
    assert_eq!(via.port(), Some(5062));
    assert_eq!(first.headers().max_forwards().unwrap(), Some(70));
    let from = first.headers().from().unwrap();
    let to = first.headers().to().unwrap();
    assert_eq!(from.uri().to_string(), "sip:alice@example.com");
    assert_eq!(to.uri().to_string(), "sip:alice@example.com");
    assert!(from.tag().is_some() && to.tag().is_none());
    assert_eq!(first.headers().call_id().unwrap(), h.reg.call_id());
    assert_eq!(header(&first, HeaderKind::CSeq), "1 REGISTER");
    let contact = only_contact(&first);
    assert_eq!(contact.uri().to_string(), local_contact().to_string());
    assert_eq!(
        contact.instance(),
        Some(format!("<urn:uuid:{INSTANCE}>").as_str())
    );
    assert_eq!(contact.expires(), Some(3600));
    assert_eq!(first.headers().expires().unwrap(), Some(3600));
    assert_eq!(header(&first, HeaderKind::UserAgent), "handset/1.0");
    assert_eq!(first.headers().content_length().unwrap(), Some(0));
    assert!(header_values(&first, HeaderKind::Authorization).is_empty());
    assert_eq!(h.events(), [RegistrationEvent::Registering]);
    assert_eq!(h.reg.state(), RegistrationState::Registering);
}

#[test]
fn challenge_is_answered_with_cseq_2_and_verified_credentials() {
    let (mut h, first) = Harness::started(config());
    let challenge = h.challenge(&first, "secret");
    h.respond(challenge);
    let second = h.one_sent();
    assert_eq!(cseq(&second), 2);
    assert_eq!(
        second.headers().call_id().unwrap(),
        first.headers().call_id().unwrap()
    );
    assert_ne!(
        second.headers().top_via().unwrap().branch(),
        first.headers().top_via().unwrap().branch()
    );
    assert_eq!(
        h.verify(&second, "secret"),
        Verdict::Accepted {
            username: "alice".into()
        }
    );
    h.respond(ok(&second, 3600));
    assert_eq!(
        h.events(),
        [
            RegistrationEvent::Registering,
            RegistrationEvent::Registered {
                expires: 3600,
                contact: local_contact()
            }
        ]
    );
    assert_eq!(h.reg.state(), RegistrationState::Registered);
}

#[test]
fn refresh_goes_out_before_expiry_but_not_before_half() {
    let (mut h, first) = Harness::started(config().with_reregister_before(60));
    // The registrar grants less than asked, in the Contact's expires parameter.
    h.respond(ok(&first, 1800));
    h.events();
    assert_eq!(
        h.reg.poll_timeout(),
        Some(h.now + Duration::from_secs(1740))
    );
    assert!(h.advance(Duration::from_secs(1739)).is_empty());
    let refresh = h.advance(Duration::from_secs(1));
    assert_eq!(refresh.len(), 1);
    assert_eq!(cseq(&refresh[0]), 2);
    assert_eq!(h.reg.state(), RegistrationState::Registered);
    // Only 100 s this time: 100 - 60 is earlier than half, so the refresh waits 50 s.
    h.respond(ok(&refresh[0], 100));
    assert_eq!(
        h.events(),
        [RegistrationEvent::Registered {
            expires: 100,
            contact: local_contact()
        }]
    );
    assert_eq!(h.reg.poll_timeout(), Some(h.now + Duration::from_secs(50)));
    let refresh = h.advance(Duration::from_secs(50));
    h.respond(ok(&refresh[0], 100));
    assert!(
        h.events().is_empty(),
        "an unchanged binding is not reported again"
    );
}

#[test]
fn expires_header_is_used_when_the_contact_has_none() {
    let (mut h, first) = Harness::started(config());
    let mut b = response_to(&first, StatusCode::OK, None).unwrap();
    b.header(HeaderKind::Expires, 600);
    h.respond(b);
    assert!(h.events().contains(&RegistrationEvent::Registered {
        expires: 600,
        contact: local_contact()
    }));
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let (mut h, first) = Harness::started(config().with_expires(60));
    let mut b = response_to(&first, StatusCode::new(423).unwrap(), None).unwrap();
    b.header(HeaderKind::MinExpires, 300);
    h.respond(b);
    let second = h.one_sent();
    assert_eq!(cseq(&second), 2);
    assert_eq!(second.headers().expires().unwrap(), Some(300));
    assert_eq!(only_contact(&second).expires(), Some(300));
    assert_eq!(h.events(), [RegistrationEvent::Registering]);
}

#[test]
fn wrong_password_fails_then_retries_after_the_wait() {
    let config = config().with_credentials(Credentials::new("alice", "wrong"));
    let (mut h, first) = Harness::started(config);
    let challenge = h.challenge(&first, "secret");
    h.respond(challenge);
    let second = h.one_sent();
    let challenge = h.challenge(&second, "secret");
    h.respond(challenge);
    assert!(
        h.sent().is_empty(),
        "a rejected password is not sent again at once"
    );
    let events = h.events();
    assert!(matches!(
        events.as_slice(),
        [RegistrationEvent::Registering, RegistrationEvent::Failed { reason, kind: FailureKind::Other }]
            if reason.contains("authentication")
    ));
    assert_eq!(h.reg.state(), RegistrationState::Failed);
    assert!(h.advance(Duration::from_secs(19)).is_empty());
    let retry = h.advance(Duration::from_secs(1));
    assert_eq!(retry.len(), 1);
    assert_eq!(cseq(&retry[0]), 3);
    assert_eq!(h.events(), [RegistrationEvent::Registering]);
}

#[test]
fn timer_f_over_udp_fails_then_retries() {
    let (mut h, first) = Harness::started(config());
    h.events();
    // Timer E: 0.5, 1.5, 3.5, 7.5, then every T2 = 4 s up to Timer F at 64·T1 = 32 s.
    let retransmitted = h.advance(Duration::from_millis(31_999));
    assert_eq!(retransmitted.len(), 10);
    assert!(retransmitted
        .iter()
        .all(|m| m.as_bytes() == first.as_bytes()));
    assert!(h.events().is_empty());
    assert!(h.advance(Duration::from_millis(1)).is_empty());
    assert_eq!(
        h.events(),
        [RegistrationEvent::Failed {
            reason: "timeout".into(),
            kind: FailureKind::NoResponse,
        }]
    );
    let retry_at = h.start + Duration::from_secs(52);
    assert_eq!(h.reg.poll_timeout(), Some(retry_at));
    assert!(h.advance(Duration::from_secs(19)).is_empty());
    let retry = h.advance(Duration::from_secs(1));
    assert_eq!(retry.len(), 1);
    assert_eq!(cseq(&retry[0]), 2);
    assert_eq!(h.events(), [RegistrationEvent::Registering]);
}

#[test]
fn nat_rewrite_registers_the_observed_address() {
    let (mut h, first) = Harness::started(config());
    let mut via = first.headers().top_via().unwrap();
    via.params_mut()
        .set(Param::with_value("received", "203.0.113.7"));
    via.params_mut().set(Param::with_value("rport", "40000"));
    let mut b = ok(&first, 3600);
    b.replace(HeaderKind::Via, &via);
    h.respond(b);
    let public = SipUri::parse("sip:alice@203.0.113.7:40000").unwrap();
    assert_eq!(
        h.events(),
        [
            RegistrationEvent::Registering,
            RegistrationEvent::ContactRewritten {
                from: local_contact(),
                to: public.clone()
            }
        ]
    );
    let second = h.one_sent();
    assert_eq!(cseq(&second), 2);
    assert_eq!(only_contact(&second).uri().to_string(), public.to_string());
    // The Via still names the local address.
    assert_eq!(
        second.headers().top_via().unwrap().host(),
        &Host::Ipv4(Ipv4Addr::new(10, 0, 0, 2))
    );
    let mut via: Via = second.headers().top_via().unwrap();
    via.params_mut()
        .set(Param::with_value("received", "203.0.113.7"));
    via.params_mut().set(Param::with_value("rport", "40000"));
    let mut b = ok(&second, 3600);
    b.replace(HeaderKind::Via, &via);
    h.respond(b);
    assert!(h.sent().is_empty());
    assert_eq!(
        h.events(),
        [RegistrationEvent::Registered {
            expires: 3600,
            contact: public
        }]
    );
}

#[test]
fn responses_of_other_transactions_are_ignored() {
    let (mut h, first) = Harness::started(config());
    let mut b = ok(&first, 3600);
    let mut via = first.headers().top_via().unwrap();
    via.params_mut()
        .set(Param::with_value("branch", "z9hG4bKsomeoneelse"));
    b.replace(HeaderKind::Via, &via);
    h.respond(b);
    assert_eq!(h.reg.state(), RegistrationState::Registering);
    // A provisional response changes nothing either.
    h.respond(response_to(&first, StatusCode::TRYING, None).unwrap());
    assert_eq!(h.events(), [RegistrationEvent::Registering]);
    assert_eq!(h.reg.state(), RegistrationState::Registering);
}

#[test]
fn other_final_responses_fail_with_the_status() {
    let (mut h, first) = Harness::started(config());
    h.respond(response_to(&first, StatusCode::FORBIDDEN, None).unwrap());
    assert_eq!(
        h.events(),
        [
            RegistrationEvent::Registering,
            RegistrationEvent::Failed {
                reason: "403 Forbidden".into(),
                kind: FailureKind::Status(403),
            }
        ]
    );
    assert_eq!(h.reg.poll_timeout(), Some(h.now + Duration::from_secs(20)));
}

#[test]
fn same_seed_same_bytes() {
    let (_, a) = Harness::started(config());
    let (_, b) = Harness::started(config());
    assert_eq!(a.as_bytes(), b.as_bytes());
}

#[test]
fn tcp_has_no_retransmissions_and_a_transport_error_retries() {
    let config = config().with_transport(crate::header::Transport::Tcp);
    let (mut h, first) = Harness::started(config);
    let contact = only_contact(&first);
    assert_eq!(
        contact.uri().to_string(),
        "sip:alice@10.0.0.2:5062;transport=tcp"
    );
    assert!(h.advance(Duration::from_secs(10)).is_empty());
    h.reg.handle_transport_error(h.now);
    assert_eq!(
        h.events(),
        [
            RegistrationEvent::Registering,
            RegistrationEvent::Failed {
                reason: "transport error".into(),
                kind: FailureKind::NoResponse,
            }
        ]
    );
    assert_eq!(h.advance(Duration::from_secs(20)).len(), 1);
}

#[test]
fn proxy_challenge_is_answered_with_proxy_authorization() {
    let (mut h, first) = Harness::started(config());
    let Verdict::Challenge { challenges, .. } = h.verify(&first, "secret") else {
        panic!("expected a challenge");
    };
    let mut b = response_to(&first, StatusCode::PROXY_AUTHENTICATION_REQUIRED, None).unwrap();
    for c in challenges {
        b.header(HeaderKind::ProxyAuthenticate, c);
    }
    h.respond(b);
    let second = h.one_sent();
    assert_eq!(
        header_values(&second, HeaderKind::ProxyAuthorization).len(),
        1
    );
    assert!(header_values(&second, HeaderKind::Authorization).is_empty());
}

#[test]
fn with_no_margin_configured_the_refresh_leaves_one_transaction_timeout() {
    let (mut h, first) = Harness::started(config());
    h.respond(ok(&first, 3600));
    h.events();
    // Timer F is 32 s with the default T1.
    assert_eq!(
        h.reg.poll_timeout(),
        Some(h.now + Duration::from_secs(3600 - 32))
    );
}

#[test]
fn over_tcp_the_contact_keeps_the_listening_port() {
    let config = config().with_transport(crate::header::Transport::Tcp);
    let (mut h, first) = Harness::started(config);
    let mut via = first.headers().top_via().unwrap();
    via.params_mut()
        .set(Param::with_value("received", "10.0.0.2"));
    via.params_mut().set(Param::with_value("rport", "41234"));
    let mut b = ok(&first, 3600);
    b.replace(HeaderKind::Via, &via);
    h.respond(b);
    let events = h.events();
    assert!(
        events
            .iter()
            .all(|e| !matches!(e, RegistrationEvent::ContactRewritten { .. })),
        "{events:?}"
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, RegistrationEvent::Registered { .. })));
}
