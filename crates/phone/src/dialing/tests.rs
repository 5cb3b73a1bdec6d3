use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::*;
use crate::dialplan::DialPlan;

const DOMAIN: &str = "pbx.example.com";

#[allow(clippy::disallowed_methods)]
fn origin() -> Instant {
    Instant::now()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn settings() -> DialSettings {
    DialSettings::new(DOMAIN).unwrap()
}

fn with_plan(text: &str) -> DialSettings {
    settings().dial_plan(DialPlan::parse(text).unwrap())
}

/// Types `keys` one per 100 ms from `start`; returns the outcome of the last key and when it
/// was pressed.
fn type_keys(session: &mut DialSession, keys: &str, start: Instant) -> (DialOutcome, Instant) {
    let mut outcome = DialOutcome::Collecting;
    let mut at = start;
    for (i, key) in keys.chars().enumerate() {
        at = start + Duration::from_millis(100 * i as u64);
        outcome = session.handle_key(key, at).unwrap();
    }
    (outcome, at)
}

fn called(outcome: DialOutcome) -> DialTarget {
    match outcome {
        DialOutcome::Call(target) => target,
        other => panic!("expected a call, got {other:?}"),
    }
}

fn uri_of(outcome: DialOutcome) -> String {
    called(outcome).uri.to_string()
}

// --- No Key Entry Timeout (P85) ---

#[test]
fn default_plan_dials_after_the_default_four_seconds() {
    let t0 = origin();
    let mut session = DialSession::new(settings(), DialSource::DialingPage);
    let (outcome, last) = type_keys(&mut session, "1234", t0);
    assert_eq!(outcome, DialOutcome::Collecting);
    assert_eq!(session.poll_timeout(), Some(last + secs(4)));
    assert_eq!(
        session.handle_timeout(last + secs(4) - Duration::from_millis(1)),
        None
    );
    let target = called(session.handle_timeout(last + secs(4)).unwrap());
    assert_eq!(target.dialed, "1234");
    assert_eq!(target.uri.to_string(), "sip:1234@pbx.example.com");
    assert!(session.is_finished());
    assert_eq!(session.poll_timeout(), None);
}

#[test]
fn each_key_restarts_the_configured_timeout() {
    let t0 = origin();
    let mut session = DialSession::new(
        settings().no_key_timeout_secs(10).unwrap(),
        DialSource::DialingPage,
    );
    session.handle_key('5', t0).unwrap();
    assert_eq!(session.poll_timeout(), Some(t0 + secs(10)));
    session.handle_key('5', t0 + secs(9)).unwrap();
    assert_eq!(session.handle_timeout(t0 + secs(10)), None);
    assert_eq!(session.poll_timeout(), Some(t0 + secs(19)));
    assert_eq!(
        uri_of(session.handle_timeout(t0 + secs(19)).unwrap()),
        "sip:55@pbx.example.com"
    );
}

#[test]
fn no_key_timeout_accepts_only_one_to_fifteen_seconds() {
    assert!(settings().no_key_timeout_secs(1).is_ok());
    assert!(settings().no_key_timeout_secs(15).is_ok());
    assert_eq!(
        settings().no_key_timeout_secs(0).unwrap_err(),
        DialingError::TimeoutOutOfRange(0)
    );
    assert_eq!(
        settings().no_key_timeout_secs(16).unwrap_err(),
        DialingError::TimeoutOutOfRange(16)
    );
}

#[test]
fn nothing_entered_means_no_timer() {
    let session = DialSession::new(settings(), DialSource::DialingPage);
    assert_eq!(session.poll_timeout(), None);
}

// --- Dial plan (P290) ---

#[test]
fn a_match_that_cannot_grow_dials_at_once() {
    // WP820 example 1: allow 311, 611, 911 and 10-digit numbers starting 1617.
    let plan = "{[369]11 1617xxxxxxx}";
    let t0 = origin();
    let mut session = DialSession::new(with_plan(plan), DialSource::DialingPage);
    let (outcome, _) = type_keys(&mut session, "911", t0);
    assert_eq!(uri_of(outcome), "sip:911@pbx.example.com");

    let mut session = DialSession::new(with_plan(plan), DialSource::DialingPage);
    let (outcome, _) = type_keys(&mut session, "16175551234", t0);
    assert_eq!(uri_of(outcome), "sip:16175551234@pbx.example.com");
}

#[test]
fn rewritten_number_goes_out_but_the_screen_keeps_the_keys() {
    // WP820 example 2: block 1900 numbers, add 1617 to 7-digit numbers.
    let mut session = DialSession::new(
        with_plan("{^1900x+ <=1617>xxxxxxx}"),
        DialSource::DialingPage,
    );
    let target = called(type_keys(&mut session, "5551234", origin()).0);
    assert_eq!(target.dialed, "5551234");
    assert_eq!(target.uri.to_string(), "sip:16175551234@pbx.example.com");
}

#[test]
fn blocked_number_is_refused_when_the_timeout_comes() {
    let mut session = DialSession::new(
        with_plan("{^1900x+ <=1617>xxxxxxx}"),
        DialSource::DialingPage,
    );
    let (outcome, last) = type_keys(&mut session, "19005", origin());
    assert_eq!(outcome, DialOutcome::Collecting);
    assert_eq!(
        session.handle_timeout(last + secs(4)),
        Some(DialOutcome::Rejected(RejectReason::Blocked))
    );
}

#[test]
fn blocked_number_is_refused_by_the_send_key() {
    let mut session = DialSession::new(
        with_plan("{^1900x+ <=1617>xxxxxxx}"),
        DialSource::DialingPage,
    );
    let (outcome, _) = type_keys(&mut session, "19005#", origin());
    assert_eq!(outcome, DialOutcome::Rejected(RejectReason::Blocked));
}

#[test]
fn keys_no_rule_can_match_are_refused_at_once() {
    let t0 = origin();
    let mut session = DialSession::new(with_plan("{[369]11}"), DialSource::DialingPage);
    assert_eq!(
        session.handle_key('0', t0).unwrap(),
        DialOutcome::Rejected(RejectReason::NoMatch)
    );
    assert_eq!(session.poll_timeout(), None);
    assert_eq!(session.handle_key('1', t0), Err(DialingError::Finished));
    assert_eq!(session.send(t0), Err(DialingError::Finished));
    assert_eq!(session.handle_timeout(t0 + secs(60)), None);
}

#[test]
fn incomplete_number_is_refused_at_the_timeout() {
    let mut session = DialSession::new(with_plan("{1617xxxxxxx}"), DialSource::DialingPage);
    let (outcome, last) = type_keys(&mut session, "1617", origin());
    assert_eq!(outcome, DialOutcome::Collecting);
    assert_eq!(
        session.handle_timeout(last + secs(4)),
        Some(DialOutcome::Rejected(RejectReason::Incomplete))
    );
}

#[test]
fn t_flag_waits_three_seconds() {
    // WP820: with "1XXT" the phone waits 3 s after the third key instead of dialing.
    let mut session = DialSession::new(with_plan("{1xxT}"), DialSource::DialingPage);
    let (outcome, last) = type_keys(&mut session, "123", origin());
    assert_eq!(outcome, DialOutcome::Collecting);
    assert_eq!(session.poll_timeout(), Some(last + T_FLAG_DELAY));
    assert_eq!(
        uri_of(session.handle_timeout(last + secs(3)).unwrap()),
        "sip:123@pbx.example.com"
    );

    let mut session = DialSession::new(with_plan("{1xx}"), DialSource::DialingPage);
    let (outcome, _) = type_keys(&mut session, "123", origin());
    assert_eq!(uri_of(outcome), "sip:123@pbx.example.com");
}

#[test]
fn wait_on_a_match_that_can_grow_uses_the_no_key_timeout() {
    let mut session = DialSession::new(
        with_plan("{1x+T}").no_key_timeout_secs(7).unwrap(),
        DialSource::DialingPage,
    );
    let (_, last) = type_keys(&mut session, "12", origin());
    assert_eq!(session.poll_timeout(), Some(last + secs(7)));
}

// --- Key as Send (P72) ---

#[test]
fn pound_sends_by_default_and_is_not_dialed() {
    let mut session = DialSession::new(settings(), DialSource::DialingPage);
    let target = called(type_keys(&mut session, "1234#", origin()).0);
    assert_eq!(target.dialed, "1234");
    assert_eq!(target.uri.to_string(), "sip:1234@pbx.example.com");
}

#[test]
fn star_sends_when_configured_and_pound_is_then_escaped() {
    let settings = with_plan("{x+#x+}").key_as_send(KeyAsSend::Star);
    let mut session = DialSession::new(settings.clone(), DialSource::DialingPage);
    let target = called(type_keys(&mut session, "12#34*", origin()).0);
    assert_eq!(target.dialed, "12#34");
    assert_eq!(target.uri.user, "12%2334");
    assert_eq!(target.uri.to_string(), "sip:12%2334@pbx.example.com");

    // P1406 = 1: do not escape.
    let mut session = DialSession::new(settings.escape_pound(false), DialSource::DialingPage);
    let (outcome, _) = type_keys(&mut session, "12#34*", origin());
    assert_eq!(uri_of(outcome), "sip:12#34@pbx.example.com");
}

#[test]
fn disabled_send_key_makes_pound_an_ordinary_key() {
    let settings = with_plan("{x+#}").key_as_send(KeyAsSend::Disabled);
    let mut session = DialSession::new(settings, DialSource::DialingPage);
    let (outcome, _) = type_keys(&mut session, "12#", origin());
    assert_eq!(uri_of(outcome), "sip:12%23@pbx.example.com");
}

#[test]
fn send_key_still_applies_the_plan() {
    let mut session = DialSession::new(with_plan("{1617xxxxxxx}"), DialSource::DialingPage);
    let (outcome, _) = type_keys(&mut session, "1617#", origin());
    assert_eq!(outcome, DialOutcome::Rejected(RejectReason::Incomplete));
}

#[test]
fn send_with_nothing_entered_does_nothing() {
    let t0 = origin();
    let mut session = DialSession::new(settings(), DialSource::DialingPage);
    assert_eq!(session.handle_key('#', t0), Ok(DialOutcome::Collecting));
    assert_eq!(session.send(t0), Ok(DialOutcome::Collecting));
    assert!(!session.is_finished());
}

#[test]
fn key_as_send_codes() {
    assert_eq!(KeyAsSend::from_pvalue("0"), Ok(KeyAsSend::Disabled));
    assert_eq!(KeyAsSend::from_pvalue("1"), Ok(KeyAsSend::Pound));
    assert_eq!(KeyAsSend::from_pvalue(" 2 "), Ok(KeyAsSend::Star));
    assert_eq!(KeyAsSend::default(), KeyAsSend::Pound);
    assert!(matches!(
        KeyAsSend::from_pvalue("3"),
        Err(DialingError::UnknownCode { setting: "P72", .. })
    ));
}

// --- Dial Plan Prefix (P66) ---

#[test]
fn prefix_goes_before_the_rewritten_number() {
    let settings = with_plan("{<=1617>xxxxxxx}").prefix("9").unwrap();
    let mut session = DialSession::new(settings, DialSource::DialingPage);
    let target = called(type_keys(&mut session, "5551234", origin()).0);
    assert_eq!(target.dialed, "5551234");
    assert_eq!(target.uri.to_string(), "sip:916175551234@pbx.example.com");
}

#[test]
fn prefix_must_be_keypad_keys() {
    assert_eq!(
        settings().prefix("9;").unwrap_err(),
        DialingError::InvalidKey(';')
    );
}

// --- Bypass Dial Plan (P2382) ---

#[test]
fn bypassed_dialing_page_dials_what_the_plan_would_refuse() {
    let settings = with_plan("{[369]11}").bypass(BypassSources::parse("dialing").unwrap());
    let mut session = DialSession::new(settings, DialSource::DialingPage);
    let (outcome, last) = type_keys(&mut session, "0123", origin());
    assert_eq!(outcome, DialOutcome::Collecting);
    assert_eq!(
        uri_of(session.handle_timeout(last + secs(4)).unwrap()),
        "sip:0123@pbx.example.com"
    );
}

#[test]
fn bypassed_keys_go_out_on_the_send_key() {
    let settings = with_plan("{[369]11}").bypass(BypassSources::parse("dialing").unwrap());
    let mut session = DialSession::new(settings, DialSource::DialingPage);
    let (outcome, _) = type_keys(&mut session, "0*7#", origin());
    assert_eq!(uri_of(outcome), "sip:0*7@pbx.example.com");
}

#[test]
fn bypass_setting_in_both_encodings() {
    let all = BypassSources::parse("contact,incoming,outgoing,dialing,mpk,api").unwrap();
    let sources = [
        DialSource::DialingPage,
        DialSource::Contacts,
        DialSource::IncomingHistory,
        DialSource::OutgoingHistory,
        DialSource::Mpk,
        DialSource::Api,
    ];
    assert!(sources.iter().all(|s| all.contains(*s)));
    assert!(sources
        .iter()
        .all(|s| !BypassSources::parse("").unwrap().contains(*s)));

    let default = BypassSources::default();
    assert!(default.contains(DialSource::Mpk));
    assert!(!default.contains(DialSource::Contacts));
    assert_eq!(BypassSources::parse("mpk"), Ok(default));

    // WP820: 4 (incoming history) + 8 (outgoing history).
    let sum = BypassSources::parse("12").unwrap();
    assert!(sum.contains(DialSource::IncomingHistory));
    assert!(sum.contains(DialSource::OutgoingHistory));
    assert!(!sum.contains(DialSource::DialingPage));
    assert_eq!(
        BypassSources::parse("3"),
        Ok(BypassSources::NONE
            .with(DialSource::DialingPage)
            .with(DialSource::Contacts))
    );

    assert!(BypassSources::parse("32").is_err());
    assert!(BypassSources::parse("mpk,sms").is_err());
}

#[test]
fn whole_numbers_follow_the_plan_unless_their_source_bypasses_it() {
    let settings = with_plan("{[369]11}");
    // Default bypass: only MPK.
    assert_eq!(
        dial_number(&settings, DialSource::Contacts, "0123"),
        Ok(DialOutcome::Rejected(RejectReason::NoMatch))
    );
    assert_eq!(
        uri_of(dial_number(&settings, DialSource::Mpk, "0123").unwrap()),
        "sip:0123@pbx.example.com"
    );
    assert_eq!(
        uri_of(dial_number(&settings, DialSource::Contacts, "611").unwrap()),
        "sip:611@pbx.example.com"
    );
    let settings = with_plan("{1617xxxxxxx ^1900x+ 19xx+}");
    assert_eq!(
        dial_number(&settings, DialSource::Api, "1617"),
        Ok(DialOutcome::Rejected(RejectReason::Incomplete))
    );
    assert_eq!(
        dial_number(&settings, DialSource::Api, "19001"),
        Ok(DialOutcome::Rejected(RejectReason::Blocked))
    );
}

#[test]
fn whole_numbers_get_the_prefix_even_when_bypassed() {
    let settings = settings().prefix("0").unwrap();
    assert_eq!(
        uri_of(dial_number(&settings, DialSource::Mpk, "8001").unwrap()),
        "sip:08001@pbx.example.com"
    );
}

#[test]
fn bad_whole_numbers_are_refused_with_a_reason() {
    let settings = settings();
    assert_eq!(
        dial_number(&settings, DialSource::Api, "  "),
        Err(DialingError::EmptyNumber)
    );
    assert_eq!(
        dial_number(&settings, DialSource::Api, "12;34"),
        Err(DialingError::InvalidKey(';'))
    );
    assert_eq!(
        dial_number(&settings, DialSource::Api, "999.1.1.1"),
        Ok(DialOutcome::Rejected(RejectReason::InvalidAddress))
    );
}

// --- Direct IP calls (GXP1760W FAQ) ---

#[test]
fn direct_ip_entry_reads_star_as_dot_and_pound_as_colon() {
    let t0 = origin();
    let mut session = DialSession::direct_ip(settings());
    let (outcome, last) = type_keys(&mut session, "192*168*1*60#5062", t0);
    assert_eq!(outcome, DialOutcome::Collecting);
    // Only OK places a direct IP call.
    assert_eq!(session.poll_timeout(), None);
    let target = called(session.send(last).unwrap());
    assert_eq!(target.dialed, "192*168*1*60#5062");
    assert_eq!(target.uri.host, Host::Ip(Ipv4Addr::new(192, 168, 1, 60)));
    assert_eq!(target.uri.port, Some(5062));
    assert_eq!(target.uri.user, "");
    assert_eq!(target.uri.to_string(), "sip:192.168.1.60:5062");

    let mut session = DialSession::direct_ip(settings());
    type_keys(&mut session, "192*168*1*10#5060", t0);
    assert_eq!(uri_of(session.send(t0).unwrap()), "sip:192.168.1.10:5060");
}

#[test]
fn direct_ip_entry_takes_literal_dots_and_no_port() {
    let mut session = DialSession::direct_ip(settings());
    type_keys(&mut session, "10.0.0.2", origin());
    assert_eq!(uri_of(session.send(origin()).unwrap()), "sip:10.0.0.2");
}

#[test]
fn direct_ip_entry_refuses_what_is_not_an_address() {
    // The FAQ's form has no leading `*`.
    for keys in [
        "192*168*1",
        "192*168*1*256",
        "192*168*1*1#0",
        "192*168*1*1#70000",
        "192*168*1*1#",
        "*192*168*1*10#5060",
    ] {
        let mut session = DialSession::direct_ip(settings());
        type_keys(&mut session, keys, origin());
        assert_eq!(
            session.send(origin()),
            Ok(DialOutcome::Rejected(RejectReason::InvalidAddress)),
            "{keys}"
        );
    }
    let mut session = DialSession::direct_ip(settings());
    assert_eq!(
        session.handle_key('a', origin()),
        Err(DialingError::InvalidKey('a'))
    );
}

#[test]
fn address_dialed_through_the_default_plan_is_a_direct_ip_call() {
    // The default plan's `x+*x+*x+*x+#x+` rule; with `#` as send key there is no port.
    let no_send_key = settings()
        .key_as_send(KeyAsSend::Disabled)
        .prefix("9")
        .unwrap();
    let mut session = DialSession::new(no_send_key, DialSource::DialingPage);
    let (_, last) = type_keys(&mut session, "192*168*1*60#5062", origin());
    assert_eq!(
        uri_of(session.handle_timeout(last + secs(4)).unwrap()),
        "sip:192.168.1.60:5062"
    );

    let mut session = DialSession::new(settings(), DialSource::DialingPage);
    let (outcome, _) = type_keys(&mut session, "192*168*1*60#", origin());
    assert_eq!(uri_of(outcome), "sip:192.168.1.60");
}

#[test]
fn literal_address_as_a_whole_number() {
    let target =
        called(dial_number(&settings(), DialSource::Contacts, "192.168.1.60:5062").unwrap());
    assert_eq!(target.dialed, "192.168.1.60:5062");
    assert_eq!(target.uri.to_string(), "sip:192.168.1.60:5062");
}

// --- TEL URI (P63) ---

#[test]
fn tel_uri_forms() {
    let dial = |form: TelUri| {
        let mut session = DialSession::new(settings().tel_uri(form), DialSource::DialingPage);
        called(type_keys(&mut session, "+4930123#", origin()).0).uri
    };
    assert_eq!(
        dial(TelUri::Disabled).to_string(),
        "sip:+4930123@pbx.example.com"
    );
    let user_phone = dial(TelUri::UserPhone);
    assert!(user_phone.user_phone);
    assert_eq!(
        user_phone.to_string(),
        "sip:+4930123@pbx.example.com;user=phone"
    );
    let tel = dial(TelUri::Enabled);
    assert_eq!(tel.scheme, UriScheme::Tel);
    assert_eq!(tel.to_string(), "tel:+4930123");
}

#[test]
fn tel_uri_codes() {
    assert_eq!(TelUri::from_pvalue("0"), Ok(TelUri::Disabled));
    assert_eq!(TelUri::from_pvalue("1"), Ok(TelUri::UserPhone));
    assert_eq!(TelUri::from_pvalue("2"), Ok(TelUri::Enabled));
    assert_eq!(TelUri::default(), TelUri::Disabled);
    assert!(TelUri::from_pvalue("yes").is_err());
}

// --- Bad input ---

#[test]
fn account_needs_a_domain() {
    assert_eq!(
        DialSettings::new(" ").unwrap_err(),
        DialingError::EmptyDomain
    );
}

#[test]
fn garbage_keys_never_panic() {
    let garbage = [
        '\0', '\n', ' ', '.', ':', ';', '@', '%', '<', '>', '{', '|', 'é', 'ß', '中', '\u{202e}',
        '😀', '~', '\u{7f}',
    ];
    let t0 = origin();
    let mut sessions = [
        DialSession::new(settings(), DialSource::DialingPage),
        DialSession::new(
            settings().bypass(BypassSources::parse("dialing").unwrap()),
            DialSource::DialingPage,
        ),
        DialSession::direct_ip(settings()),
    ];
    for session in &mut sessions {
        for (i, key) in garbage.iter().enumerate() {
            let now = t0 + Duration::from_millis(i as u64);
            match session.handle_key(*key, now) {
                Ok(_) | Err(DialingError::InvalidKey(_)) | Err(DialingError::Finished) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
            let _ = session.handle_timeout(now + secs(20));
        }
        let _ = session.send(t0 + secs(60));
    }
    for text in [
        "",
        "...",
        ":::",
        "1.2.3.4:",
        "1.2.3.4:x",
        "::1",
        "中文",
        "#",
        "*",
    ] {
        let _ = dial_number(&settings(), DialSource::Api, text);
    }
}

#[test]
fn a_long_run_of_keys_stays_well_behaved() {
    let mut session = DialSession::new(settings(), DialSource::DialingPage);
    let keys: String = "1234567890".repeat(20);
    let (outcome, last) = type_keys(&mut session, &keys, origin());
    assert_eq!(outcome, DialOutcome::Collecting);
    assert_eq!(session.entered(), keys);
    assert!(matches!(
        session.handle_timeout(last + secs(4)),
        Some(DialOutcome::Call(_))
    ));
}
