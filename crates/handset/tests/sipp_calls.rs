//! The running phone in calls with SIPp (Debian `sip-tester`), scenarios in
//! `tests/sipp/calls/`. As callee: a call it answers by itself (P90), a caller that gives up
//! while it rings (CANCEL), an anonymous caller it refuses (P129, 433) and a call with a
//! storm of re-INVITEs. As caller, dialling SIPp by IP address: a callee that answers and is
//! hung up on, one that is busy (486) and one that redirects (302) to another SIPp. Each
//! phone registers with its own Kamailio first, as an account needs a server to be active.
//! Without SIPp or Kamailio the tests say so and skip, except under CI where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::kamailio::{self, Transport};
use common::phone::{free_port, RegisteredPhone, PHONE_USER};
use common::sipp::{self, scenario, Outcome, Sipp};
use handset_phone::call_log::Direction;

/// The user SIPp calls from (the scenarios' From).
const SIPP_CALLER: &str = "2001";

fn available(test: &str) -> bool {
    sipp::available(test) && kamailio::available(test, Transport::Udp)
}

/// A SIPp caller running the scenario `file` of `tests/sipp/calls/` once against the phone
/// at `phone`, to its end.
fn call(work: &Path, name: &str, file: &str, phone: &str) -> Outcome {
    let scenario = scenario(&format!("calls/{file}"));
    Sipp::client(work, name, &scenario, phone, PHONE_USER, &["-m", "1"])
}

/// A SIPp callee running the scenario `file` of `tests/sipp/calls/` once, with `args`, on a
/// port of its own; returned once it listens there.
fn callee(work: &Path, name: &str, file: &str, args: &[&str]) -> Sipp {
    let scenario = scenario(&format!("calls/{file}"));
    let mut all = vec!["-m", "1"];
    all.extend_from_slice(args);
    Sipp::server(work, name, &scenario, free_port(), &all)
}

#[test]
fn answers_by_itself_and_takes_the_callers_bye() {
    if !available("sipp_calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    // P90: Auto Answer on for account 1.
    let mut phone = RegisteredPhone::start(work, &["P90", "1"]);
    let outcome = call(work, "answered", "answered.xml", &phone.address());
    outcome.assert_calls_succeeded(1, &phone.logs());
    phone.wait_no_calls(&phone.logs());
    phone.assert_alive();
    let logged = phone.wait_history(1);
    let record = &logged[0].record;
    assert_eq!(record.direction, Direction::Received, "{record:?}");
    assert_eq!(record.remote_number, SIPP_CALLER, "{record:?}");
    assert!(record.answered_after.is_some(), "{record:?}");
}

#[test]
fn answers_a_cancel_with_200_and_the_invite_with_487() {
    if !available("sipp_calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    // Auto Answer off (the default): the call rings until the caller gives up.
    let mut phone = RegisteredPhone::start(work, &[]);
    let outcome = call(work, "cancelled", "cancelled.xml", &phone.address());
    outcome.assert_calls_succeeded(1, &phone.logs());
    phone.wait_no_calls(&phone.logs());
    phone.assert_alive();
    let logged = phone.wait_history(1);
    let record = &logged[0].record;
    assert_eq!(record.direction, Direction::Missed, "{record:?}");
    assert_eq!(record.answered_after, None, "{record:?}");
}

/// DND has no configuration value the phone reads (the DND key owns it), so the refusal
/// checked here is Anonymous Call Rejection (P129): 433 Anonymity Disallowed.
#[test]
fn refuses_an_anonymous_call_with_433() {
    if !available("sipp_calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let mut phone = RegisteredPhone::start(work, &["P129", "1"]);
    let outcome = call(work, "anonymous", "anonymous.xml", &phone.address());
    outcome.assert_calls_succeeded(1, &phone.logs());
    phone.wait_no_calls(&phone.logs());
    phone.assert_alive();
}

/// A call the phone refuses on arrival (`RefusedByPhone`) is logged as missed.
#[test]
fn logs_a_refused_anonymous_call_as_missed() {
    if !available("sipp_calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let phone = RegisteredPhone::start(work, &["P129", "1"]);
    let outcome = call(work, "anonymous", "anonymous.xml", &phone.address());
    outcome.assert_calls_succeeded(1, &phone.logs());
    let logged = phone.wait_history(1);
    let record = &logged[0].record;
    assert_eq!(record.direction, Direction::Missed, "{record:?}");
    assert_eq!(record.end_reason, "anonymous caller refused", "{record:?}");
}

#[test]
fn answers_twenty_reinvites_in_a_call() {
    if !available("sipp_calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let mut phone = RegisteredPhone::start(work, &["P90", "1"]);
    let outcome = call(work, "storm", "reinvite_storm.xml", &phone.address());
    outcome.assert_calls_succeeded(1, &phone.logs());
    phone.wait_no_calls(&phone.logs());
    phone.assert_alive();
    phone.wait_history(1);
}

#[test]
fn calls_sipp_by_address_and_hangs_up() {
    if !available("sipp_calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let mut phone = RegisteredPhone::start(work, &[]);
    let callee = callee(work, "callee", "answering.xml", &[]);
    let logs = phone.logs_and(callee.traces());
    phone.command(&["dial", &callee.uri()]);
    let call = phone.wait_call_state("established", &logs);
    assert_eq!(call["direction"], "outgoing", "{call}");
    assert_eq!(call["codec"], "PCMU/8000", "{call}");
    std::thread::sleep(Duration::from_secs(1));
    phone.command(&["hangup"]);
    phone.wait_no_calls(&logs);
    callee.finish().assert_calls_succeeded(1, &phone.logs());
    phone.assert_alive();
    let logged = phone.wait_history(1);
    let record = &logged[0].record;
    assert_eq!(record.direction, Direction::Placed, "{record:?}");
    assert_eq!(record.remote_number, "svc", "{record:?}");
}

#[test]
fn ends_the_call_a_busy_callee_refuses() {
    if !available("sipp_calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let mut phone = RegisteredPhone::start(work, &[]);
    let callee = callee(work, "busy", "busy.xml", &[]);
    let logs = phone.logs_and(callee.traces());
    phone.command(&["dial", &callee.uri()]);
    phone.wait_no_calls(&logs);
    callee.finish().assert_calls_succeeded(1, &phone.logs());
    phone.assert_alive();
    let logged = phone.wait_history(1);
    let record = &logged[0].record;
    assert_eq!(record.direction, Direction::Placed, "{record:?}");
    assert!(record.end_reason.contains("486"), "{record:?}");
}

#[test]
fn follows_a_redirect_to_another_callee() {
    if !available("sipp_calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let mut phone = RegisteredPhone::start(work, &[]);
    let moved_to = callee(work, "moved-to", "answering.xml", &[]);
    let port = moved_to.port().to_string();
    let redirecting = callee(
        work,
        "redirecting",
        "redirecting.xml",
        &["-key", "moved_to_port", &port],
    );
    let logs = phone.logs_and([redirecting.traces(), moved_to.traces()].concat());
    phone.command(&["dial", &redirecting.uri()]);
    let call = phone.wait_call_state("established", &logs);
    assert_eq!(call["direction"], "outgoing", "{call}");
    phone.command(&["hangup"]);
    phone.wait_no_calls(&logs);
    redirecting
        .finish()
        .assert_calls_succeeded(1, &phone.logs());
    moved_to.finish().assert_calls_succeeded(1, &phone.logs());
    phone.assert_alive();
}
