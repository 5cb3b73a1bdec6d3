use std::time::Duration;

use handset_sip::Message;

use super::*;

const FROM_BOB: &str = "\"Bob\" <sip:2001@pbx.example.com>;tag=9fxced76sl";

fn ring(ringtone: Ringtone) -> IncomingDecision {
    IncomingDecision::Ring {
        ringtone,
        call_waiting: false,
        waiting_tone: false,
    }
}

fn rule(text: &str, code: i32) -> RingRule {
    RingRule::parse(text, Ringtone::from_code(code).unwrap()).unwrap()
}

fn patterns(list: &[&str]) -> Vec<CallerPattern> {
    list.iter()
        .map(|p| CallerPattern::parse(p).unwrap())
        .collect()
}

fn idle(headers: &IncomingHeaders, settings: &AccountSettings) -> Incoming {
    decide(headers, settings, LineState::Idle)
}

// --- caller ID ---

#[test]
fn auto_prefers_asserted_identity_then_remote_party_id_then_from() {
    let all = IncomingHeaders::new(FROM_BOB)
        .with_remote_party_id("\"Reception\" <sip:100@pbx.example.com>;party=calling;screen=yes")
        .with_asserted_identity("\"Alice Smith\" <sip:+14085551234@pbx.example.com;user=phone>");
    let caller = idle(&all, &AccountSettings::default()).caller;
    assert_eq!(caller.number.as_deref(), Some("+14085551234"));
    assert_eq!(caller.name.as_deref(), Some("Alice Smith"));
    assert_eq!(caller.source, Some(IdentitySource::AssertedIdentity));

    let no_pai = IncomingHeaders {
        asserted_identity: Vec::new(),
        ..all.clone()
    };
    let caller = idle(&no_pai, &AccountSettings::default()).caller;
    assert_eq!(caller.number.as_deref(), Some("100"));
    assert_eq!(caller.source, Some(IdentitySource::RemotePartyId));

    let from_only = AccountSettings {
        caller_id_display: CallerIdDisplay::from_code(2).unwrap(),
        ..AccountSettings::default()
    };
    let caller = idle(&all, &from_only).caller;
    assert_eq!(caller.number.as_deref(), Some("2001"));
    assert_eq!(caller.label(), "Bob");
    assert_eq!(caller.source, Some(IdentitySource::From));
}

#[test]
fn disabled_display_shows_unavailable_but_rules_still_see_the_number() {
    let settings = AccountSettings {
        caller_id_display: CallerIdDisplay::from_code(1).unwrap(),
        ring_rules: vec![rule("2001", 2)],
        ..AccountSettings::default()
    };
    let incoming = idle(&IncomingHeaders::new(FROM_BOB), &settings);
    assert_eq!(incoming.caller.label(), "Unavailable");
    assert_eq!(incoming.caller.number, None);
    assert_eq!(incoming.decision, ring(Ringtone::Custom(2)));
}

#[test]
fn tel_uri_and_separators() {
    let headers = IncomingHeaders::new(FROM_BOB).with_asserted_identity("<tel:+1-408-555-1234>");
    let caller = idle(&headers, &AccountSettings::default()).caller;
    assert_eq!(caller.number.as_deref(), Some("+14085551234"));
    assert_eq!(caller.name, None);
    assert_eq!(caller.label(), "+14085551234");
}

#[test]
fn anonymous_callers_are_recognised() {
    let rfc3323_from =
        IncomingHeaders::new("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=1928301774");
    let privacy_id = IncomingHeaders::new(FROM_BOB)
        .with_asserted_identity("<sip:+14085551234@pbx.example.com>")
        .with_privacy("id");
    let rpid_full = IncomingHeaders::new(FROM_BOB)
        .with_remote_party_id("<sip:2001@pbx.example.com>;privacy=full;screen=yes");
    let anonymous_user = IncomingHeaders::new("<sip:Anonymous@pbx.example.com>;tag=x");
    for headers in [rfc3323_from, privacy_id, rpid_full, anonymous_user] {
        let caller = idle(&headers, &AccountSettings::default()).caller;
        assert!(caller.anonymous, "{headers:?}");
        assert_eq!(caller.number, None);
        assert_eq!(caller.label(), "Anonymous");
    }
    let privacy_none = IncomingHeaders::new(FROM_BOB).with_privacy("none");
    assert!(
        !idle(&privacy_none, &AccountSettings::default())
            .caller
            .anonymous
    );
    let rpid_name = IncomingHeaders::new(FROM_BOB)
        .with_remote_party_id("\"Secret\" <sip:2001@pbx.example.com>;privacy=name");
    let caller = idle(&rpid_name, &AccountSettings::default()).caller;
    assert!(!caller.anonymous);
    assert_eq!(
        (caller.number.as_deref(), caller.name),
        (Some("2001"), None)
    );
}

#[test]
fn malformed_identity_headers_fall_back_to_the_next_source() {
    let headers = IncomingHeaders {
        from: Some(FROM_BOB.to_owned()),
        asserted_identity: vec!["<sip:broken".to_owned(), "\"unterminated".to_owned()],
        remote_party_id: vec![";;;".to_owned()],
        privacy: Some("id;;".to_owned()),
        alert_info: vec!["<>".to_owned(), "info=".to_owned()],
        call_info: vec!["<sip:x>;answer-after=soon;answer-after".to_owned()],
    };
    let settings = AccountSettings {
        ring_rules: vec![rule("priority", 1)],
        ..AccountSettings::default()
    };
    let incoming = idle(&headers, &settings);
    assert_eq!(incoming.caller.number.as_deref(), Some("2001"));
    assert_eq!(incoming.caller.source, Some(IdentitySource::From));
    assert_eq!(incoming.decision, ring(Ringtone::System));

    let nothing = IncomingHeaders {
        from: Some("\u{0}garbage".to_owned()),
        ..IncomingHeaders::default()
    };
    let incoming = idle(&nothing, &AccountSettings::default());
    assert_eq!(incoming.caller, CallerId::default());
    assert_eq!(incoming.caller.label(), "Unavailable");
    assert_eq!(incoming.decision, ring(Ringtone::System));
}

#[test]
fn headers_from_a_parsed_invite() {
    let invite = "INVITE sip:1001@192.0.2.10 SIP/2.0\r\n\
        Via: SIP/2.0/UDP pbx.example.com;branch=z9hG4bK776asdhds\r\n\
        Max-Forwards: 70\r\n\
        To: <sip:1001@pbx.example.com>\r\n\
        From: \"Bob\" <sip:2001@pbx.example.com>;tag=1928301774\r\n\
        P-Asserted-Identity: \"Alice\" <sip:+14085551234@pbx.example.com>, <tel:+14085551234>\r\n\
        Privacy: none\r\n\
        Alert-Info: <http://127.0.0.1>;info=priority\r\n\
        Call-Info: <sip:pbx.example.com>;answer-after=2\r\n\
        Call-ID: a84b4c76e66710@pbx.example.com\r\n\
        CSeq: 314159 INVITE\r\n\
        Contact: <sip:2001@198.51.100.7>\r\n\
        Content-Length: 0\r\n\r\n";
    let message = Message::parse(invite.as_bytes()).unwrap();
    let headers = IncomingHeaders::from_message(&message);
    assert_eq!(headers.asserted_identity.len(), 2);
    assert_eq!(headers.privacy.as_deref(), Some("none"));
    assert_eq!(headers.alert_info, ["<http://127.0.0.1>;info=priority"]);
    let settings = AccountSettings {
        allow_intercom_auto_answer: true,
        ..AccountSettings::default()
    };
    let incoming = idle(&headers, &settings);
    assert_eq!(incoming.caller.label(), "Alice");
    assert_eq!(
        incoming.decision,
        IncomingDecision::AutoAnswer {
            delay: Duration::from_secs(2),
            warning_tone: false,
            muted: false,
            intercom: true,
        }
    );
}

// --- rejection ---

#[test]
fn anonymous_call_rejection_answers_433() {
    let headers = IncomingHeaders::new("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=1");
    let settings = AccountSettings {
        reject_anonymous: true,
        ..AccountSettings::default()
    };
    let reject = IncomingDecision::Reject {
        status: 433,
        reason: RejectReason::Anonymous,
    };
    assert_eq!(idle(&headers, &settings).decision, reject);
    assert_eq!(
        idle(&IncomingHeaders::new(FROM_BOB), &settings).decision,
        ring(Ringtone::System)
    );
    assert_eq!(
        idle(&headers, &AccountSettings::default()).decision,
        ring(Ringtone::System)
    );
}

#[test]
fn blacklist_rejects_numbers_and_patterns_with_the_refuse_code() {
    let mut settings = AccountSettings {
        blacklist: patterns(&["1900x+", "2001"]),
        ..AccountSettings::default()
    };
    let telemarketer = IncomingHeaders::new("<sip:19005551212@carrier.example.net>;tag=7");
    let blocked = |status| IncomingDecision::Reject {
        status,
        reason: RejectReason::Blacklisted,
    };
    assert_eq!(idle(&telemarketer, &settings).decision, blocked(486));
    assert_eq!(
        idle(&IncomingHeaders::new(FROM_BOB), &settings).decision,
        blocked(486)
    );
    settings.refuse_code = RefuseCode::from_code(3).unwrap();
    assert_eq!(idle(&telemarketer, &settings).decision, blocked(603));
    let friend = IncomingHeaders::new("<sip:2002@pbx.example.com>;tag=8");
    assert_eq!(idle(&friend, &settings).decision, ring(Ringtone::System));
}

#[test]
fn dnd_rejects_with_its_return_code() {
    let mut settings = AccountSettings {
        do_not_disturb: true,
        ..AccountSettings::default()
    };
    let headers = IncomingHeaders::new(FROM_BOB);
    let dnd = |status| IncomingDecision::Reject {
        status,
        reason: RejectReason::DoNotDisturb,
    };
    assert_eq!(idle(&headers, &settings).decision, dnd(486));
    for (code, status) in [(1, 480), (2, 404), (3, 603)] {
        settings.dnd_code = RefuseCode::from_code(code).unwrap();
        assert_eq!(idle(&headers, &settings).decision, dnd(status));
    }
}

// --- call waiting ---

#[test]
fn second_call_waits_or_gets_busy() {
    let headers = IncomingHeaders::new(FROM_BOB);
    let mut settings = AccountSettings {
        ringtone: Ringtone::from_code(3).unwrap(),
        ..AccountSettings::default()
    };
    let waiting = |waiting_tone| IncomingDecision::Ring {
        ringtone: Ringtone::Custom(3),
        call_waiting: true,
        waiting_tone,
    };
    assert_eq!(
        decide(&headers, &settings, LineState::InCall).decision,
        waiting(true)
    );
    settings.disable_call_waiting_tone = true;
    assert_eq!(
        decide(&headers, &settings, LineState::InCall).decision,
        waiting(false)
    );
    settings.disable_call_waiting = true;
    assert_eq!(
        decide(&headers, &settings, LineState::InCall).decision,
        IncomingDecision::Reject {
            status: 486,
            reason: RejectReason::Busy
        }
    );
    assert_eq!(
        idle(&headers, &settings).decision,
        ring(Ringtone::Custom(3))
    );
}

// --- distinctive ring ---

#[test]
fn ring_rules_match_numbers_patterns_and_alert_info_text() {
    let settings = AccountSettings {
        ringtone: Ringtone::from_code(0).unwrap(),
        ring_rules: vec![
            rule("8321123", 1),
            rule("[345]xx", 2),
            rule("priority", 3),
            rule("Bellcore-dr2", 4),
            rule("[6-9]xx", -1),
        ],
        ..AccountSettings::default()
    };
    let from =
        |number: &str| IncomingHeaders::new(&format!("<sip:{number}@pbx.example.com>;tag=1"));
    assert_eq!(
        idle(&from("8321123"), &settings).decision,
        ring(Ringtone::Custom(1))
    );
    assert_eq!(
        idle(&from("412"), &settings).decision,
        ring(Ringtone::Custom(2))
    );
    assert_eq!(
        idle(&from("712"), &settings).decision,
        ring(Ringtone::NoRingtone)
    );
    assert_eq!(
        idle(&from("212"), &settings).decision,
        ring(Ringtone::System)
    );
    let priority = from("212").with_alert_info("<http://127.0.0.1>;info=priority");
    assert_eq!(
        idle(&priority, &settings).decision,
        ring(Ringtone::Custom(3))
    );
    let bellcore = from("212").with_alert_info("<http://pbx.example.com/Bellcore-dr2>");
    assert_eq!(idle(&bellcore, &settings).decision, ring(Ringtone::Silent));
    // The first matching rule wins, whichever kind it is.
    let both = from("412").with_alert_info("<http://127.0.0.1>;info=priority");
    assert_eq!(idle(&both, &settings).decision, ring(Ringtone::Custom(2)));
}

#[test]
fn ignore_alert_info_keeps_number_rules_only() {
    let settings = AccountSettings {
        ringtone: Ringtone::Default,
        ring_rules: vec![rule("priority", 1), rule("2001", 2)],
        ignore_alert_info: true,
        ..AccountSettings::default()
    };
    let headers = IncomingHeaders::new("<sip:2002@pbx.example.com>;tag=1")
        .with_alert_info("<http://127.0.0.1>;info=priority");
    assert_eq!(idle(&headers, &settings).decision, ring(Ringtone::Default));
    assert_eq!(
        idle(&IncomingHeaders::new(FROM_BOB), &settings).decision,
        ring(Ringtone::Custom(2))
    );
}

// --- auto answer ---

#[test]
fn auto_answer_all_or_listed_numbers() {
    let mut settings = AccountSettings {
        auto_answer: AutoAnswerMode::from_code(1).unwrap(),
        ..AccountSettings::default()
    }
    .with_auto_answer_delay_secs(3)
    .unwrap();
    let answered = IncomingDecision::AutoAnswer {
        delay: Duration::from_secs(3),
        warning_tone: true,
        muted: false,
        intercom: false,
    };
    let headers = IncomingHeaders::new(FROM_BOB);
    assert_eq!(idle(&headers, &settings).decision, answered);
    settings.auto_answer_numbers = patterns(&["2001", "3xxx"]);
    assert_eq!(idle(&headers, &settings).decision, answered);
    let stranger = IncomingHeaders::new("<sip:5555@pbx.example.com>;tag=2");
    assert_eq!(idle(&stranger, &settings).decision, ring(Ringtone::System));
    // Never over an active call.
    assert!(matches!(
        decide(&headers, &settings, LineState::InCall).decision,
        IncomingDecision::Ring {
            call_waiting: true,
            ..
        }
    ));
}

#[test]
fn intercom_by_call_info_or_alert_info() {
    let settings = AccountSettings {
        allow_intercom_auto_answer: true,
        intercom_warning_tone: true,
        mute_on_intercom_answer: true,
        ..AccountSettings::default()
    };
    let intercom = |seconds| IncomingDecision::AutoAnswer {
        delay: Duration::from_secs(seconds),
        warning_tone: true,
        muted: true,
        intercom: true,
    };
    let call_info =
        IncomingHeaders::new(FROM_BOB).with_call_info("<sip:pbx.example.com>;answer-after=0");
    assert_eq!(idle(&call_info, &settings).decision, intercom(0));
    let alert = IncomingHeaders::new(FROM_BOB)
        .with_alert_info("<http://127.0.0.1>;info=alert-autoanswer;delay=4");
    assert_eq!(idle(&alert, &settings).decision, intercom(4));
    let bare = IncomingHeaders::new(FROM_BOB).with_alert_info("Intercom");
    assert_eq!(idle(&bare, &settings).decision, intercom(0));
    let long = IncomingHeaders::new(FROM_BOB).with_call_info("<sip:pbx>;answer-after=3600");
    assert_eq!(idle(&long, &settings).decision, intercom(10));
    // Not allowed: rings.
    assert_eq!(
        idle(&call_info, &AccountSettings::default()).decision,
        ring(Ringtone::System)
    );
    // "Enable Intercom/Paging" (P90 = 2) allows it too.
    let paging = AccountSettings {
        auto_answer: AutoAnswerMode::from_code(2).unwrap(),
        ..AccountSettings::default()
    };
    assert!(matches!(
        idle(&call_info, &paging).decision,
        IncomingDecision::AutoAnswer { intercom: true, .. }
    ));
    assert_eq!(
        idle(&IncomingHeaders::new(FROM_BOB), &paging).decision,
        ring(Ringtone::System)
    );
}

#[test]
fn custom_marker_replaces_the_usual_ones() {
    let settings = AccountSettings {
        allow_intercom_auto_answer: true,
        custom_intercom_marker: Some("page-now".to_owned()),
        ..AccountSettings::default()
    };
    let usual = IncomingHeaders::new(FROM_BOB).with_call_info("<sip:pbx>;answer-after=0");
    assert_eq!(idle(&usual, &settings).decision, ring(Ringtone::System));
    let custom = IncomingHeaders::new(FROM_BOB).with_alert_info("<http://127.0.0.1>;info=Page-Now");
    assert!(matches!(
        idle(&custom, &settings).decision,
        IncomingDecision::AutoAnswer { intercom: true, .. }
    ));
}

// --- precedence ---

#[test]
fn rules_apply_in_documented_order() {
    let anonymous_intercom = IncomingHeaders::new("<sip:anonymous@anonymous.invalid>;tag=1")
        .with_call_info("<sip:pbx>;answer-after=0");
    let everything = AccountSettings {
        blacklist: patterns(&["2001"]),
        reject_anonymous: true,
        do_not_disturb: true,
        disable_call_waiting: true,
        allow_intercom_auto_answer: true,
        auto_answer: AutoAnswerMode::All,
        ..AccountSettings::default()
    };
    let reason = |headers: &IncomingHeaders, settings: &AccountSettings, line| match decide(
        headers, settings, line,
    )
    .decision
    {
        IncomingDecision::Reject { reason, .. } => Some(reason),
        _ => None,
    };
    let bob = IncomingHeaders::new(FROM_BOB).with_call_info("<sip:pbx>;answer-after=0");
    assert_eq!(
        reason(&bob, &everything, LineState::InCall),
        Some(RejectReason::Blacklisted)
    );
    assert_eq!(
        reason(&anonymous_intercom, &everything, LineState::InCall),
        Some(RejectReason::Anonymous)
    );
    let no_anonymous = AccountSettings {
        reject_anonymous: false,
        ..everything.clone()
    };
    assert_eq!(
        reason(&anonymous_intercom, &no_anonymous, LineState::InCall),
        Some(RejectReason::DoNotDisturb)
    );
    let no_dnd = AccountSettings {
        do_not_disturb: false,
        ..no_anonymous
    };
    assert_eq!(
        reason(&anonymous_intercom, &no_dnd, LineState::InCall),
        Some(RejectReason::Busy)
    );
    // Idle: intercom comes before plain auto answer.
    assert!(matches!(
        idle(&anonymous_intercom, &no_dnd).decision,
        IncomingDecision::AutoAnswer { intercom: true, .. }
    ));
}

// --- settings input ---

#[test]
fn settings_codes_and_patterns_are_checked() {
    assert!(CallerIdDisplay::from_code(3).is_err());
    assert!(AutoAnswerMode::from_code(-1).is_err());
    assert!(RefuseCode::from_code(4).is_err());
    assert!(Ringtone::from_code(6).is_err());
    assert!(Ringtone::from_code(-2).is_err());
    assert!(AccountSettings::default()
        .with_auto_answer_delay_secs(11)
        .is_err());
    assert_eq!(
        RingRule::parse("  ", Ringtone::System),
        Err(IncomingError::EmptyRule)
    );
    for bad in ["", "[", "[]", "[5-]", "[9-1]", "1++", "[a]", "12a"] {
        let error = CallerPattern::parse(bad).unwrap_err();
        assert!(
            error.to_string().contains("caller pattern"),
            "{bad}: {error}"
        );
    }
    assert!(CallerPattern::parse(&"x".repeat(200)).is_err());
}

#[test]
fn caller_patterns() {
    let cases: [(&str, &[&str], &[&str]); 7] = [
        ("xx+", &["12", "123456"], &["1", "", "1a"]),
        ("xx", &["12"], &["1", "123"]),
        ("[345]xx", &["300", "599"], &["200", "30", "3000"]),
        ("[6-9]xx", &["600", "999"], &["500"]),
        ("+49x+", &["+4930123"], &["4930123", "+49"]),
        ("1900.", &["1900555", "1900*"], &["1900", "1800555"]),
        ("555-1234", &["5551234"], &["555-1234"]),
    ];
    for (pattern, good, bad) in cases {
        let p = CallerPattern::parse(pattern).unwrap();
        assert_eq!(p.to_string(), pattern);
        for n in good {
            assert!(p.matches(n), "{pattern} should match {n}");
        }
        for n in bad {
            assert!(!p.matches(n), "{pattern} should not match {n}");
        }
    }
    // Many repeats against a long non-matching number stay quick.
    let p = CallerPattern::parse(&"x+".repeat(30)).unwrap();
    assert!(!p.matches(&format!("{}a", "1".repeat(60))));
}
