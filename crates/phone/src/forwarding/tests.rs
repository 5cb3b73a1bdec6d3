use std::time::Duration;

use super::*;

fn target(text: &str) -> ForwardTarget {
    ForwardTarget::parse(text).unwrap()
}

fn at(hour: u8, minute: u8) -> TimeOfDay {
    TimeOfDay::new(hour, minute).unwrap()
}

fn account() -> AccountUri {
    AccountUri::parse("sip:2001@pbx.example.com").unwrap()
}

const IDLE: Situation = Situation {
    busy: false,
    dnd: false,
};
const BUSY: Situation = Situation {
    busy: true,
    dnd: false,
};
const DND: Situation = Situation {
    busy: false,
    dnd: true,
};

fn with_mode(mode: ForwardMode) -> ForwardSettings {
    ForwardSettings {
        mode,
        ..ForwardSettings::default()
    }
}

fn all_rules() -> ForwardSettings {
    with_mode(ForwardMode::Conditional(ConditionalForward {
        busy: Some(target("3001")),
        no_answer: Some(target("3002")),
        no_answer_timeout: NoAnswerTimeout::from_seconds(15).unwrap(),
        dnd: Some(target("3003")),
    }))
}

fn forward(to: &str, reason: DiversionReason) -> ForwardDecision {
    ForwardDecision::Forward {
        target: target(to),
        reason,
    }
}

fn office_hours(start: TimeOfDay, end: TimeOfDay) -> ForwardSettings {
    with_mode(ForwardMode::TimeBased(TimeBasedForward {
        office_hours: OfficeHours::new(start, end).unwrap(),
        in_hours_target: target("4000"),
        out_of_hours_target: target("4999"),
    }))
}

// Defaults follow the P-value tables.

#[test]
fn defaults_are_local_features_on_forwarding_off_and_20_seconds() {
    let settings = ForwardSettings::default();
    assert!(settings.local_call_features);
    assert_eq!(settings.mode, ForwardMode::Off);
    assert_eq!(
        NoAnswerTimeout::default().duration(),
        Duration::from_secs(20)
    );
}

#[test]
fn forwarding_off_leaves_every_call_to_the_phone() {
    let settings = ForwardSettings::default();
    for situation in [IDLE, BUSY, DND] {
        assert_eq!(
            decide(&settings, situation, at(9, 0)),
            ForwardDecision::None
        );
    }
}

// Unconditional.

#[test]
fn unconditional_forwards_every_call_whatever_the_state() {
    let settings = with_mode(ForwardMode::Unconditional(target("5000")));
    for situation in [IDLE, BUSY, DND] {
        assert_eq!(
            decide(&settings, situation, at(3, 0)),
            forward("5000", DiversionReason::Unconditional)
        );
    }
}

// Conditional rules.

#[test]
fn dnd_forward_wins_over_busy_and_no_answer() {
    let both = Situation {
        busy: true,
        dnd: true,
    };
    assert_eq!(
        decide(&all_rules(), both, at(9, 0)),
        forward("3003", DiversionReason::DoNotDisturb)
    );
}

#[test]
fn dnd_without_a_dnd_target_leaves_the_call_to_the_phone() {
    let mut settings = all_rules();
    if let ForwardMode::Conditional(rules) = &mut settings.mode {
        rules.dnd = None;
    }
    assert_eq!(decide(&settings, DND, at(9, 0)), ForwardDecision::None);
}

#[test]
fn busy_forwards_at_once() {
    assert_eq!(
        decide(&all_rules(), BUSY, at(9, 0)),
        forward("3001", DiversionReason::UserBusy)
    );
}

#[test]
fn idle_phone_rings_then_forwards_after_the_timeout() {
    assert_eq!(
        decide(&all_rules(), IDLE, at(9, 0)),
        ForwardDecision::ForwardAfter {
            timeout: Duration::from_secs(15),
            target: target("3002"),
        }
    );
}

#[test]
fn busy_without_a_busy_target_falls_back_to_no_answer() {
    let mut settings = all_rules();
    if let ForwardMode::Conditional(rules) = &mut settings.mode {
        rules.busy = None;
    }
    assert!(matches!(
        decide(&settings, BUSY, at(9, 0)),
        ForwardDecision::ForwardAfter { .. }
    ));
}

#[test]
fn conditional_with_no_rules_forwards_nothing() {
    let settings = with_mode(ForwardMode::Conditional(ConditionalForward::default()));
    for situation in [IDLE, BUSY, DND] {
        assert_eq!(
            decide(&settings, situation, at(9, 0)),
            ForwardDecision::None
        );
    }
}

#[test]
fn local_call_features_off_leaves_forwarding_to_the_server() {
    let mut settings = all_rules();
    settings.local_call_features = false;
    for situation in [IDLE, BUSY, DND] {
        assert_eq!(
            decide(&settings, situation, at(9, 0)),
            ForwardDecision::None
        );
    }
    let unconditional = ForwardSettings {
        local_call_features: false,
        mode: ForwardMode::Unconditional(target("5000")),
    };
    assert_eq!(
        decide(&unconditional, IDLE, at(9, 0)),
        ForwardDecision::None
    );
}

// Time based.

#[test]
fn office_hours_by_day_choose_the_in_and_out_targets() {
    let settings = office_hours(at(8, 0), at(17, 30));
    let cases = [
        (at(7, 59), "4999"),
        (at(8, 0), "4000"),
        (at(12, 0), "4000"),
        (at(17, 29), "4000"),
        (at(17, 30), "4999"),
        (at(23, 59), "4999"),
        (TimeOfDay::MIDNIGHT, "4999"),
    ];
    for (time, expected) in cases {
        assert_eq!(
            decide(&settings, IDLE, time),
            forward(expected, DiversionReason::TimeOfDay),
            "at {time}"
        );
    }
}

#[test]
fn office_hours_across_midnight_wrap_round() {
    let settings = office_hours(at(22, 0), at(6, 0));
    let cases = [
        (at(21, 59), "4999"),
        (at(22, 0), "4000"),
        (at(23, 59), "4000"),
        (TimeOfDay::MIDNIGHT, "4000"),
        (at(5, 59), "4000"),
        (at(6, 0), "4999"),
        (at(12, 0), "4999"),
    ];
    for (time, expected) in cases {
        assert_eq!(
            decide(&settings, BUSY, time),
            forward(expected, DiversionReason::TimeOfDay),
            "at {time}"
        );
    }
}

#[test]
fn office_hours_ending_at_midnight_cover_the_evening_only() {
    let hours = OfficeHours::new(at(18, 0), TimeOfDay::MIDNIGHT).unwrap();
    assert!(hours.contains(at(23, 59)));
    assert!(!hours.contains(TimeOfDay::MIDNIGHT));
    assert!(!hours.contains(at(17, 59)));
    assert_eq!(hours.length_minutes(), 6 * 60);
}

#[test]
fn office_hours_that_start_when_they_end_are_refused() {
    assert_eq!(
        OfficeHours::new(at(9, 0), at(9, 0)),
        Err(ForwardError::EmptyOfficeHours)
    );
}

#[test]
fn times_of_day_are_read_and_checked() {
    assert_eq!("08:30".parse::<TimeOfDay>().unwrap(), at(8, 30));
    assert_eq!("7:05".parse::<TimeOfDay>().unwrap(), at(7, 5));
    assert_eq!(at(7, 5).to_string(), "07:05");
    for bad in [
        "", "24:00", "12:60", "noon", "12", "1:2:3", "-1:00", "+1:00", "123:00",
    ] {
        assert!(
            matches!(
                bad.parse::<TimeOfDay>(),
                Err(ForwardError::InvalidTimeOfDay { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(TimeOfDay::new(24, 0).is_err());
    assert!(TimeOfDay::new(0, 60).is_err());
}

// No-answer timeout range (P139).

#[test]
fn no_answer_timeout_keeps_to_1_to_120_seconds() {
    assert!(NoAnswerTimeout::from_seconds(1).is_ok());
    assert!(NoAnswerTimeout::from_seconds(120).is_ok());
    assert_eq!(
        NoAnswerTimeout::from_seconds(0),
        Err(ForwardError::TimeoutOutOfRange { seconds: 0 })
    );
    assert_eq!(
        NoAnswerTimeout::from_seconds(121),
        Err(ForwardError::TimeoutOutOfRange { seconds: 121 })
    );
}

// Targets.

#[test]
fn numbers_and_sip_addresses_are_accepted_targets() {
    for good in [
        "2002",
        " 2002 ",
        "+4930123456",
        "*98",
        "100#",
        "bob@example.com",
        "sip:bob@example.com",
        "SIP:bob@example.com:5070",
        "sips:bob@example.com",
    ] {
        assert!(ForwardTarget::parse(good).is_ok(), "{good:?}");
    }
    assert_eq!(target(" 2002 ").as_str(), "2002");
}

#[test]
fn empty_targets_are_refused() {
    for empty in ["", "   ", "\t"] {
        assert_eq!(ForwardTarget::parse(empty), Err(ForwardError::EmptyTarget));
    }
}

#[test]
fn invalid_targets_are_refused_with_the_reason() {
    for bad in [
        "20 02",
        "2002\r\nVia: x",
        "<sip:bob@example.com>",
        "bob@example.com;transport=tcp",
        "a,b",
        "\"bob\"",
        "@example.com",
        "bob@",
        "bob@a@b",
        "sip:bob",
        "sip:",
        "bob",
        "12a4",
        "+",
        "++1",
    ] {
        let error = ForwardTarget::parse(bad).unwrap_err();
        assert!(
            matches!(error, ForwardError::InvalidTarget { .. }),
            "{bad:?}: {error}"
        );
    }
    let message = ForwardTarget::parse("bob@").unwrap_err().to_string();
    assert!(message.contains("bob@"), "{message}");
}

#[test]
fn account_uris_are_read_and_checked() {
    let account = account();
    assert_eq!(account.user(), "2001");
    assert_eq!(account.domain(), "pbx.example.com");
    assert_eq!(account.to_string(), "sip:2001@pbx.example.com");
    assert_eq!(AccountUri::parse("2001@pbx.example.com").unwrap(), account);
    for bad in [
        "",
        "2001",
        "@pbx",
        "2001@",
        "sip:20 01@pbx",
        "sip:a@b@c",
        "<sip:a@b>",
    ] {
        assert!(
            matches!(
                AccountUri::parse(bad),
                Err(ForwardError::InvalidAccountUri { .. })
            ),
            "{bad:?}"
        );
    }
}

// 302 headers.

#[test]
fn redirect_to_a_number_uses_the_account_domain() {
    let redirect = Redirect::new(&account(), &target("3001"), DiversionReason::UserBusy);
    assert_eq!(redirect.contact, "<sip:3001@pbx.example.com>");
    assert_eq!(
        redirect.diversion,
        "<sip:2001@pbx.example.com>;reason=user-busy;counter=1"
    );
    assert_eq!(MOVED_TEMPORARILY, 302);
}

#[test]
fn redirect_to_an_address_keeps_its_host() {
    let bare = Redirect::new(
        &account(),
        &target("bob@other.example.org"),
        DiversionReason::NoAnswer,
    );
    assert_eq!(bare.contact, "<sip:bob@other.example.org>");
    let full = Redirect::new(
        &account(),
        &target("sips:bob@other.example.org"),
        DiversionReason::Unconditional,
    );
    assert_eq!(full.contact, "<sips:bob@other.example.org>");
}

#[test]
fn diversion_reasons_use_the_rfc_5806_tokens() {
    let cases = [
        (DiversionReason::Unconditional, "unconditional"),
        (DiversionReason::UserBusy, "user-busy"),
        (DiversionReason::NoAnswer, "no-answer"),
        (DiversionReason::DoNotDisturb, "do-not-disturb"),
        (DiversionReason::TimeOfDay, "time-of-day"),
    ];
    for (reason, token) in cases {
        let redirect = Redirect::new(&account(), &target("3001"), reason);
        assert_eq!(
            redirect.diversion,
            format!("<sip:2001@pbx.example.com>;reason={token};counter=1")
        );
    }
}

// Server feature codes (GXP1760W FAQ).

#[test]
fn enabling_dials_the_code_followed_by_the_target() {
    let cases = [
        (ServerForwardKind::Unconditional, "*725000"),
        (ServerForwardKind::Busy, "*905000"),
        (ServerForwardKind::NoAnswer, "*925000"),
    ];
    for (kind, expected) in cases {
        let change = ServerForwardChange::Enable {
            kind,
            target: target("5000"),
        };
        assert_eq!(feature_code_to_dial(&change).unwrap(), expected);
    }
}

#[test]
fn disabling_dials_the_code_alone() {
    let cases = [
        (ServerForwardKind::Unconditional, "*73"),
        (ServerForwardKind::Busy, "*91"),
        (ServerForwardKind::NoAnswer, "*93"),
    ];
    for (kind, expected) in cases {
        assert_eq!(
            feature_code_to_dial(&ServerForwardChange::Disable(kind)).unwrap(),
            expected
        );
    }
}

#[test]
fn sip_address_targets_cannot_go_into_a_feature_code() {
    let change = ServerForwardChange::Enable {
        kind: ServerForwardKind::Busy,
        target: target("bob@example.com"),
    };
    assert_eq!(
        feature_code_to_dial(&change),
        Err(ForwardError::NotDialable {
            target: "bob@example.com".to_owned()
        })
    );
}

#[test]
fn international_numbers_keep_their_plus_in_the_feature_code() {
    let change = ServerForwardChange::Enable {
        kind: ServerForwardKind::Unconditional,
        target: target("+4930123"),
    };
    assert_eq!(feature_code_to_dial(&change).unwrap(), "*72+4930123");
}
