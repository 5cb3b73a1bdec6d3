//! The running phone in calls with SIPp (Debian `sip-tester`), scenarios in
//! `tests/sipp/calls/`. As callee: a call it answers by itself (P90), a caller that gives up
//! while it rings (CANCEL), an anonymous caller it refuses (P129, 433) and a call with a
//! storm of re-INVITEs. As caller, dialling SIPp by IP address: a callee that answers and is
//! hung up on, one that is busy (486) and one that redirects (302) to another SIPp. Each
//! phone registers with its own Kamailio first, as an account needs a server to be active.
//! Without SIPp or Kamailio the tests say so and skip, except under CI where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::kamailio::{self, Transport};
use common::phone::{free_port, RegisteredPhone, PHONE_USER};
use common::sipp::{self, scenario, Sipp};
use handset_phone::call_log::Direction;

/// The user SIPp calls from (the scenarios' From).
const SIPP_CALLER: &str = "2001";

/// A test's registered phone and the directory it and SIPp work in (dropped in this order:
/// the phone stops before its directory goes).
struct Bench {
    phone: RegisteredPhone,
    dir: tempfile::TempDir,
}

impl Bench {
    /// A phone with the extra settings `pairs` (`P90`, `1`, …), or `None` when the test skips
    /// for want of SIPp or Kamailio.
    fn start(pairs: &[&str]) -> Option<Self> {
        let test = "sipp_calls";
        if !sipp::available(test) || !kamailio::available(test, Transport::Udp) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let phone = RegisteredPhone::start(dir.path(), pairs);
        Some(Self { phone, dir })
    }

    /// SIPp calls the phone once with the scenario `file` of `tests/sipp/calls/`; asserts that
    /// the scenario went through to its end.
    fn call(&self, name: &str, file: &str) {
        let scenario = scenario(&format!("calls/{file}"));
        let phone = self.phone.address();
        let args = ["-m", "1"];
        Sipp::client(self.dir.path(), name, &scenario, &phone, PHONE_USER, &args)
            .assert_calls_succeeded(1, &self.phone.logs());
    }

    /// [`Self::call`], then asserts that the phone has no call left and still runs.
    fn call_to_its_end(&mut self, name: &str, file: &str) {
        self.call(name, file);
        self.phone.wait_no_calls(&self.phone.logs());
        self.phone.assert_alive();
    }

    /// A SIPp callee running the scenario `file` of `tests/sipp/calls/` once, with `args`,
    /// on a port of its own; returned once it listens there.
    fn callee(&self, name: &str, file: &str, args: &[&str]) -> Sipp {
        let scenario = scenario(&format!("calls/{file}"));
        let mut all = vec!["-m", "1"];
        all.extend_from_slice(args);
        Sipp::spawn(self.dir.path(), name, &scenario, free_port(), &all).listening()
    }

    /// The phone dials `callee` by its address.
    fn dial(&self, callee: &Sipp) {
        self.phone.command(&["dial", &callee.uri()]);
    }

    /// Waits for `callee` to end and asserts that its one call went through.
    fn assert_callee_done(&self, callee: Sipp) {
        callee
            .finish()
            .assert_calls_succeeded(1, &self.phone.logs());
    }
}

#[test]
fn answers_by_itself_and_takes_the_callers_bye() {
    // P90: Auto Answer on for account 1.
    let Some(mut bench) = Bench::start(&["P90", "1"]) else {
        return;
    };
    bench.call_to_its_end("answered", "answered.xml");
    let record = bench.phone.wait_logged_call();
    assert_eq!(record.direction, Direction::Received, "{record:?}");
    assert_eq!(record.remote_number, SIPP_CALLER, "{record:?}");
    assert!(record.answered_after.is_some(), "{record:?}");
}

#[test]
fn answers_a_cancel_with_200_and_the_invite_with_487() {
    // Auto Answer off (the default): the call rings until the caller gives up.
    let Some(mut bench) = Bench::start(&[]) else {
        return;
    };
    bench.call_to_its_end("cancelled", "cancelled.xml");
    let record = bench.phone.wait_logged_call();
    assert_eq!(record.direction, Direction::Missed, "{record:?}");
    assert_eq!(record.answered_after, None, "{record:?}");
}

/// DND has no configuration value the phone reads (the DND key owns it), so the refusal
/// checked here is Anonymous Call Rejection (P129): 433 Anonymity Disallowed.
#[test]
fn refuses_an_anonymous_call_with_433() {
    let Some(mut bench) = Bench::start(&["P129", "1"]) else {
        return;
    };
    bench.call_to_its_end("anonymous", "anonymous.xml");
}

/// A call the phone refuses on arrival (`RefusedByPhone`) is logged as missed.
#[test]
fn logs_a_refused_anonymous_call_as_missed() {
    let Some(bench) = Bench::start(&["P129", "1"]) else {
        return;
    };
    bench.call("anonymous", "anonymous.xml");
    let record = bench.phone.wait_logged_call();
    assert_eq!(record.direction, Direction::Missed, "{record:?}");
    assert_eq!(record.end_reason, "anonymous caller refused", "{record:?}");
}

#[test]
fn answers_twenty_reinvites_in_a_call() {
    let Some(mut bench) = Bench::start(&["P90", "1"]) else {
        return;
    };
    bench.call_to_its_end("storm", "reinvite_storm.xml");
    bench.phone.wait_logged_call();
}

#[test]
fn calls_sipp_by_address_and_hangs_up() {
    let Some(mut bench) = Bench::start(&[]) else {
        return;
    };
    let callee = bench.callee("callee", "answering.xml", &[]);
    let logs = bench.phone.logs_and(callee.traces());
    bench.dial(&callee);
    let call = bench.phone.wait_call_state("established", &logs);
    assert_eq!(call["direction"], "outgoing", "{call}");
    assert_eq!(call["codec"], "PCMU/8000", "{call}");
    std::thread::sleep(Duration::from_secs(1));
    bench.phone.command(&["hangup"]);
    bench.phone.wait_no_calls(&logs);
    bench.assert_callee_done(callee);
    bench.phone.assert_alive();
    let record = bench.phone.wait_logged_call();
    assert_eq!(record.direction, Direction::Placed, "{record:?}");
    assert_eq!(record.remote_number, "svc", "{record:?}");
}

#[test]
fn ends_the_call_a_busy_callee_refuses() {
    let Some(mut bench) = Bench::start(&[]) else {
        return;
    };
    let callee = bench.callee("busy", "busy.xml", &[]);
    let logs = bench.phone.logs_and(callee.traces());
    bench.dial(&callee);
    bench.phone.wait_no_calls(&logs);
    bench.assert_callee_done(callee);
    bench.phone.assert_alive();
    let record = bench.phone.wait_logged_call();
    assert_eq!(record.direction, Direction::Placed, "{record:?}");
    assert!(record.end_reason.contains("486"), "{record:?}");
}

#[test]
fn follows_a_redirect_to_another_callee() {
    let Some(mut bench) = Bench::start(&[]) else {
        return;
    };
    let moved_to = bench.callee("moved-to", "answering.xml", &[]);
    let port = moved_to.port().to_string();
    let redirect_args = ["-key", "moved_to_port", &port];
    let redirecting = bench.callee("redirecting", "redirecting.xml", &redirect_args);
    let logs = bench
        .phone
        .logs_and([redirecting.traces(), moved_to.traces()].concat());
    bench.dial(&redirecting);
    let call = bench.phone.wait_call_state("established", &logs);
    assert_eq!(call["direction"], "outgoing", "{call}");
    bench.phone.command(&["hangup"]);
    bench.phone.wait_no_calls(&logs);
    bench.assert_callee_done(redirecting);
    bench.assert_callee_done(moved_to);
    bench.phone.assert_alive();
}
