//! The running phone in calls with SIPp (Debian `sip-tester`), scenarios in
//! `tests/sipp/calls/`. As callee: a call it answers by itself (P90), a caller that gives up
//! while it rings (CANCEL), an anonymous caller it refuses (P129, 433) and a call with a
//! storm of re-INVITEs. As caller, dialling SIPp by IP address: a callee that answers and is
//! hung up on, one that is busy (486) and one that redirects (302) to another SIPp. Each
//! phone registers with its own Kamailio first, as an account needs a server to be active.
//! Without SIPp or Kamailio the tests say so and skip, except under CI where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use common::kamailio::{self, Kamailio, Transport, PASSWORD};
use common::phone::{
    configure, free_port, poll, show_logs, sip_address, start_handset, tool_available,
    wait_account, wait_for, Guard,
};
use common::{run, stderr, stdout};
use handset::history::{database_path, CallHistory, HistoryQuery, StoredCall};
use handset_phone::call_log::Direction;

const SIPP: &str = "/usr/bin/sipp";

/// The user SIPp calls at the phone, as `-s`.
const PHONE_USER: &str = "1001";
/// The user SIPp calls from (the scenarios' From).
const SIPP_CALLER: &str = "2001";

fn available(test: &str) -> bool {
    tool_available(test, SIPP, "sip-tester") && kamailio::available(test, Transport::Udp)
}

/// A scenario file of `tests/sipp/calls/`.
fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp/calls")
        .join(name)
}

/// A SIPp process running one scenario once, with its screen, error, message and
/// statistics files in the test's directory.
struct Sipp {
    process: Guard,
    name: String,
    port: u16,
    files: SippFiles,
}

/// Where a SIPp run writes.
struct SippFiles {
    screen: PathBuf,
    stderr: PathBuf,
    errors: PathBuf,
    messages: PathBuf,
    stats: PathBuf,
}

impl SippFiles {
    fn in_dir(work: &Path, name: &str) -> Self {
        let file = |what: &str| work.join(format!("{name}-{what}"));
        Self {
            screen: file("screen.log"),
            stderr: file("stderr.log"),
            errors: file("errors.log"),
            messages: file("messages.log"),
            stats: file("stats.csv"),
        }
    }

    /// Everything SIPp said, for a failure message.
    fn report(&self) -> String {
        show_logs(&[&self.errors, &self.stderr, &self.screen, &self.messages])
    }
}

/// How a SIPp run ended.
struct Outcome {
    status: ExitStatus,
    report: String,
    stats: HashMap<String, String>,
}

impl Outcome {
    /// A counter of the final statistics line, such as `SuccessfulCall(C)`.
    fn counter(&self, name: &str) -> u64 {
        self.stats
            .get(name)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no counter {name} in the statistics\n{}", self.report))
    }

    /// Asserts that the one call of the scenario went through to its end; `logs` are shown
    /// with SIPp's report otherwise.
    fn assert_succeeded(&self, logs: &[PathBuf]) {
        assert!(
            self.status.success(),
            "sipp failed ({})\n{}\n{}",
            self.status,
            self.report,
            show_logs(&paths(logs))
        );
        assert_eq!(
            self.counter("SuccessfulCall(C)"),
            1,
            "{}\n{}",
            self.report,
            show_logs(&paths(logs))
        );
    }
}

impl Sipp {
    /// Starts SIPp on `scenario_file` from 127.0.0.1:`port` for one call, with `args`
    /// (the target and service of a caller, `-key`s…). It stops by itself within `-timeout`.
    fn spawn(work: &Path, name: &str, scenario_file: &str, port: u16, args: &[&str]) -> Self {
        let files = SippFiles::in_dir(work, name);
        let child = Command::new(SIPP)
            .arg("-sf")
            .arg(scenario(scenario_file))
            .args(["-i", "127.0.0.1", "-p", &port.to_string(), "-t", "u1"])
            .args(["-m", "1", "-timeout", "60s", "-timeout_error"])
            .args(["-trace_err", "-error_file"])
            .arg(&files.errors)
            .args(["-trace_msg", "-message_file"])
            .arg(&files.messages)
            .args(["-trace_stat", "-fd", "1", "-stf"])
            .arg(&files.stats)
            .args(args)
            .current_dir(work)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&files.screen).unwrap())
            .stderr(std::fs::File::create(&files.stderr).unwrap())
            .spawn()
            .unwrap();
        Self {
            process: Guard::new(child, "sipp"),
            name: name.to_owned(),
            port,
            files,
        }
    }

    /// A SIPp callee on a port of its own, once it listens there.
    fn callee(work: &Path, name: &str, scenario_file: &str, args: &[&str]) -> Self {
        let port = free_port();
        let mut sipp = Self::spawn(work, name, scenario_file, port, args);
        let errors = sipp.files.errors.clone();
        let process = &mut sipp.process;
        wait_for(Duration::from_secs(20), "sipp start", &[&errors], || {
            assert!(process.exited().is_none(), "sipp exited at once");
            std::net::UdpSocket::bind(("127.0.0.1", port)).is_err()
        });
        sipp
    }

    /// A SIPp caller calling [`PHONE_USER`] at `phone`, run to its end.
    fn call(work: &Path, name: &str, scenario_file: &str, phone: &str) -> Outcome {
        Self::spawn(
            work,
            name,
            scenario_file,
            free_port(),
            &[phone, "-s", PHONE_USER],
        )
        .finish()
    }

    /// `sip:svc@127.0.0.1:PORT`, what the phone dials to reach this callee.
    fn uri(&self) -> String {
        format!("sip:svc@127.0.0.1:{}", self.port)
    }

    /// Waits for SIPp to end (it times out by itself after 60 s) and reads its results.
    fn finish(mut self) -> Outcome {
        let mut status = None;
        let ended = poll(Duration::from_secs(90), || {
            status = self.process.exited();
            status.is_some()
        });
        let report = self.files.report();
        assert!(ended, "sipp {} did not stop\n{report}", self.name);
        Outcome {
            status: status.unwrap(),
            stats: final_stats(&self.files.stats),
            report,
        }
    }
}

/// The paths as [`show_logs`] and [`wait_for`] take them.
fn paths(logs: &[PathBuf]) -> Vec<&Path> {
    logs.iter().map(PathBuf::as_path).collect()
}

/// The last line of SIPp's statistics file, by column name.
fn final_stats(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let (Some(header), Some(last)) = (lines.next(), lines.next_back()) else {
        return HashMap::new();
    };
    header
        .split(';')
        .map(str::to_owned)
        .zip(last.split(';').map(str::to_owned))
        .collect()
}

/// A running phone registered as [`PHONE_USER`] with its own Kamailio.
struct Phone {
    daemon: Guard,
    _kamailio: Kamailio,
    dir: PathBuf,
    logs: Vec<PathBuf>,
}

impl Phone {
    /// Configures a phone in `work/phone` with the extra settings `pairs` (`P90`, `1`, …),
    /// starts it and waits until account 1 is registered.
    fn start(work: &Path, pairs: &[&str]) -> Self {
        let dir = work.join("phone");
        let handset_log = work.join("handset.log");
        let kamailio = Kamailio::start(&work.join("kamailio"), Transport::Udp, free_port());
        let server = kamailio.address();
        let mut settings = vec![
            "P271",
            "1",
            "P47",
            server.as_str(),
            "P35",
            PHONE_USER,
            "P34",
            PASSWORD,
        ];
        settings.extend_from_slice(pairs);
        configure(&dir, &handset_log, &settings);
        let daemon = start_handset(&dir, &handset_log);
        let phone = Self {
            daemon,
            logs: vec![handset_log, kamailio.log_path()],
            _kamailio: kamailio,
            dir,
        };
        wait_account(
            &phone.dir,
            &paths(&phone.logs),
            Duration::from_secs(20),
            |r, _| r == "registered",
        );
        phone
    }

    /// The handset and Kamailio logs.
    fn logs(&self) -> Vec<PathBuf> {
        self.logs.clone()
    }

    /// The logs with the files of SIPp runs.
    fn logs_with(&self, runs: &[&Sipp]) -> Vec<PathBuf> {
        let mut logs = self.logs();
        for sipp in runs {
            logs.extend([sipp.files.errors.clone(), sipp.files.messages.clone()]);
        }
        logs
    }

    /// Account 1's SIP address, where SIPp calls it.
    fn address(&self) -> String {
        sip_address(&self.dir).to_string()
    }

    /// Runs `handset ARGS…` against the phone and asserts that it succeeded.
    fn command(&self, args: &[&str]) {
        let output = run(&self.dir, args);
        assert!(
            output.status.success(),
            "handset {args:?}: {}\n{}",
            stderr(&output),
            show_logs(&paths(&self.logs))
        );
    }

    /// The calls `handset calls --json` lists.
    fn calls(&self) -> Vec<serde_json::Value> {
        let output = run(&self.dir, &["calls", "--json"]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str(&stdout(&output)).unwrap()
    }

    /// Waits until the only call is in `state`; returns it.
    fn wait_call_state(&self, state: &str, logs: &[PathBuf]) -> serde_json::Value {
        let mut found = None;
        wait_for(
            Duration::from_secs(15),
            &format!("a call {state}"),
            &paths(logs),
            || {
                found = self.calls().into_iter().find(|c| c["state"] == state);
                found.is_some()
            },
        );
        found.unwrap()
    }

    /// Waits until the phone has no call left.
    fn wait_no_calls(&self, logs: &[PathBuf]) {
        let mut last = Vec::new();
        let ended = poll(Duration::from_secs(15), || {
            last = self.calls();
            last.is_empty()
        });
        assert!(ended, "calls left: {last:?}\n{}", show_logs(&paths(logs)));
    }

    /// Waits until the call log holds `count` records; returns them, newest first.
    fn wait_history(&self, count: usize) -> Vec<StoredCall> {
        let mut logged = Vec::new();
        let reached = poll(Duration::from_secs(10), || {
            logged = CallHistory::open(&database_path(&self.dir))
                .and_then(|history| history.list(&HistoryQuery::all()))
                .unwrap_or_default();
            logged.len() >= count
        });
        assert!(reached, "the call log holds {logged:?}");
        assert_eq!(logged.len(), count, "{logged:?}");
        logged
    }

    /// Asserts that the daemon is still running.
    fn assert_alive(&mut self) {
        assert!(
            self.daemon.exited().is_none(),
            "the daemon died\n{}",
            show_logs(&paths(&self.logs))
        );
    }
}

#[test]
fn answers_by_itself_and_takes_the_callers_bye() {
    if !available("sipp_calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    // P90: Auto Answer on for account 1.
    let mut phone = Phone::start(work, &["P90", "1"]);
    let outcome = Sipp::call(work, "answered", "answered.xml", &phone.address());
    outcome.assert_succeeded(&phone.logs());
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
    let mut phone = Phone::start(work, &[]);
    let outcome = Sipp::call(work, "cancelled", "cancelled.xml", &phone.address());
    outcome.assert_succeeded(&phone.logs());
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
    let mut phone = Phone::start(work, &["P129", "1"]);
    let outcome = Sipp::call(work, "anonymous", "anonymous.xml", &phone.address());
    outcome.assert_succeeded(&phone.logs());
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
    let phone = Phone::start(work, &["P129", "1"]);
    let outcome = Sipp::call(work, "anonymous", "anonymous.xml", &phone.address());
    outcome.assert_succeeded(&phone.logs());
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
    let mut phone = Phone::start(work, &["P90", "1"]);
    let outcome = Sipp::call(work, "storm", "reinvite_storm.xml", &phone.address());
    outcome.assert_succeeded(&phone.logs());
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
    let mut phone = Phone::start(work, &[]);
    let callee = Sipp::callee(work, "callee", "answering.xml", &[]);
    let logs = phone.logs_with(&[&callee]);
    phone.command(&["dial", &callee.uri()]);
    let call = phone.wait_call_state("established", &logs);
    assert_eq!(call["direction"], "outgoing", "{call}");
    assert_eq!(call["codec"], "PCMU/8000", "{call}");
    std::thread::sleep(Duration::from_secs(1));
    phone.command(&["hangup"]);
    phone.wait_no_calls(&logs);
    callee.finish().assert_succeeded(&phone.logs());
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
    let mut phone = Phone::start(work, &[]);
    let callee = Sipp::callee(work, "busy", "busy.xml", &[]);
    let logs = phone.logs_with(&[&callee]);
    phone.command(&["dial", &callee.uri()]);
    phone.wait_no_calls(&logs);
    callee.finish().assert_succeeded(&phone.logs());
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
    let mut phone = Phone::start(work, &[]);
    let moved_to = Sipp::callee(work, "moved-to", "answering.xml", &[]);
    let port = moved_to.port.to_string();
    let redirecting = Sipp::callee(
        work,
        "redirecting",
        "redirecting.xml",
        &["-key", "moved_to_port", &port],
    );
    let logs = phone.logs_with(&[&redirecting, &moved_to]);
    phone.command(&["dial", &redirecting.uri()]);
    let call = phone.wait_call_state("established", &logs);
    assert_eq!(call["direction"], "outgoing", "{call}");
    phone.command(&["hangup"]);
    phone.wait_no_calls(&logs);
    redirecting.finish().assert_succeeded(&phone.logs());
    moved_to.finish().assert_succeeded(&phone.logs());
    phone.assert_alive();
}
