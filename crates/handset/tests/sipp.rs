//! The phone's SIP stack against SIPp (Debian `sip-tester`) with the scenarios in `tests/sipp/`:
//! OPTIONS answered with Allow, REGISTER retransmitted to a registrar that missed the first one,
//! a repeated request answered again by its server transaction, and a REGISTER flood. Without
//! SIPp or Kamailio the tests say so and skip, except under CI where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::kamailio::{self, Kamailio, Transport, PASSWORD};
use common::phone::{
    account_status, configure, free_port, poll, show_logs, sip_address, start_handset,
    tool_available, wait_account, wait_for, Guard,
};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

const SIPP: &str = "/usr/bin/sipp";

/// Calls a flood scenario makes, and how many per second: 10 s of REGISTERs, fewer than the
/// 4096 server transactions the phone keeps open before it turns requests away with 503.
const FLOOD_CALLS: u64 = 3500;
const FLOOD_RATE: &str = "350";

fn sipp_available() -> bool {
    tool_available("sipp", SIPP, "sip-tester")
}

/// A scenario file of `tests/sipp/`.
fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(name)
}

/// A SIPp process running one scenario, with its screen, error and statistics files.
struct Sipp {
    process: Guard,
    name: String,
    screen: PathBuf,
    errors: PathBuf,
    stats: PathBuf,
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
}

impl Sipp {
    /// Starts SIPp on `scenario` from 127.0.0.1:`local_port`, with `args` (target, rates…),
    /// its files in `work` under `name`. It stops by itself within `-timeout`.
    fn spawn(work: &Path, name: &str, scenario_file: &str, local_port: u16, args: &[&str]) -> Self {
        let screen = work.join(format!("{name}-screen.log"));
        let errors = work.join(format!("{name}-errors.log"));
        let stats = work.join(format!("{name}-stats.csv"));
        let child = Command::new(SIPP)
            .arg("-sf")
            .arg(scenario(scenario_file))
            .args(["-i", "127.0.0.1", "-p", &local_port.to_string(), "-t", "u1"])
            .args(["-timeout", "60s", "-timeout_error"])
            .args(["-trace_err", "-error_file"])
            .arg(&errors)
            .args(["-trace_stat", "-fd", "1", "-stf"])
            .arg(&stats)
            .args(args)
            .current_dir(work)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&screen).unwrap())
            .stderr(Stdio::from(
                std::fs::File::create(work.join(format!("{name}-stderr.log"))).unwrap(),
            ))
            .spawn()
            .unwrap();
        Self {
            process: Guard::new(child, "sipp"),
            name: name.to_owned(),
            screen,
            errors,
            stats,
        }
    }

    /// Waits until SIPp has bound its UDP port (a server waiting for requests).
    fn wait_listening(&mut self, port: u16) {
        let errors = self.errors.clone();
        let process = &mut self.process;
        wait_for(Duration::from_secs(20), "sipp start", &[&errors], || {
            assert!(process.exited().is_none(), "sipp exited at once");
            std::net::UdpSocket::bind(("127.0.0.1", port)).is_err()
        });
    }

    /// Waits for SIPp to end (it times out by itself after 60 s) and reads its results.
    fn finish(mut self) -> Outcome {
        let mut status = None;
        let ended = poll(Duration::from_secs(90), || {
            status = self.process.exited();
            status.is_some()
        });
        let stderr = self
            .screen
            .with_file_name(format!("{}-stderr.log", self.name));
        let report = show_logs(&[&self.errors, &stderr, &self.screen]);
        assert!(ended, "sipp {} did not stop\n{report}", self.name);
        Outcome {
            status: status.unwrap(),
            stats: final_stats(&self.stats),
            report,
        }
    }

    /// Runs a scenario against the phone's SIP address to its end.
    fn run(work: &Path, name: &str, scenario_file: &str, phone: &str, args: &[&str]) -> Outcome {
        let mut all = vec![phone, "-s", "1001"];
        all.extend_from_slice(args);
        Self::spawn(work, name, scenario_file, free_port(), &all).finish()
    }
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

/// A phone in `work/phone` whose account 1 registers with a UDP Kamailio; returns the
/// daemon once registered, with the Kamailio to keep running and the log paths.
fn registered_phone(work: &Path) -> (Guard, Kamailio, Vec<PathBuf>) {
    let dir = work.join("phone");
    let handset_log = work.join("handset.log");
    let kamailio = Kamailio::start(&work.join("kamailio"), Transport::Udp, free_port());
    configure(
        &dir,
        &handset_log,
        &[
            "P271",
            "1",
            "P47",
            &kamailio.address(),
            "P35",
            "1001",
            "P34",
            PASSWORD,
            "P32",
            "1",
        ],
    );
    let daemon = start_handset(&dir, &handset_log);
    let logs = vec![handset_log, kamailio.log_path()];
    let paths: Vec<&Path> = logs.iter().map(PathBuf::as_path).collect();
    wait_account(&dir, &paths, Duration::from_secs(20), |r, _| {
        r == "registered"
    });
    (daemon, kamailio, logs)
}

fn available() -> bool {
    sipp_available() && kamailio::available("sipp", Transport::Udp)
}

#[test]
fn answers_options_with_an_allow_header() {
    if !available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let (_daemon, _kamailio, _logs) = registered_phone(work);
    let phone = sip_address(&work.join("phone")).to_string();
    let outcome = Sipp::run(work, "options", "options.xml", &phone, &["-m", "1"]);
    assert!(outcome.status.success(), "{}", outcome.report);
    assert_eq!(
        outcome.counter("SuccessfulCall(C)"),
        1,
        "{}",
        outcome.report
    );
}

#[test]
fn retransmits_an_unanswered_register_and_repeats_its_own_answers() {
    if !sipp_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let dir = work.join("phone");
    let handset_log = work.join("handset.log");
    let registrar_port = free_port();
    let registrar = format!("127.0.0.1:{registrar_port}");
    configure(
        &dir,
        &handset_log,
        &[
            "P271", "1", "P47", &registrar, "P35", "1001", "P34", PASSWORD,
        ],
    );
    // -nr: the retransmitted REGISTER goes to the scenario, which checks it and answers it.
    let mut sipp = Sipp::spawn(
        work,
        "registrar",
        "registrar.xml",
        registrar_port,
        &["-m", "1", "-nr"],
    );
    sipp.wait_listening(registrar_port);
    let _daemon = start_handset(&dir, &handset_log);
    let outcome = sipp.finish();
    assert!(
        outcome.status.success(),
        "{}\n{}",
        outcome.report,
        show_logs(&[&handset_log])
    );
    let (_, server) = wait_account(&dir, &[&handset_log], Duration::from_secs(20), |r, _| {
        r == "registered"
    });
    assert_eq!(server, format!("udp {registrar}"));

    // Server side: the same OPTIONS twice gets the same 200 twice.
    let phone = sip_address(&dir).to_string();
    let outcome = Sipp::run(
        work,
        "twice",
        "options_twice.xml",
        &phone,
        &["-m", "1", "-nr"],
    );
    assert!(outcome.status.success(), "{}", outcome.report);
}

/// The daemon's resident memory in kB, from /proc.
fn resident_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

#[test]
fn survives_a_register_flood() {
    if !available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let dir = work.join("phone");
    let (mut daemon, _kamailio, logs) = registered_phone(work);
    let phone = sip_address(&dir).to_string();
    let calls = FLOOD_CALLS.to_string();
    let flood = Sipp::run(
        work,
        "flood",
        "register_flood.xml",
        &phone,
        &["-r", FLOOD_RATE, "-m", &calls],
    );
    assert!(flood.status.success(), "{}", flood.report);
    assert_eq!(
        flood.counter("SuccessfulCall(C)"),
        FLOOD_CALLS,
        "{}",
        flood.report
    );
    assert_eq!(flood.counter("FailedCall(C)"), 0, "{}", flood.report);

    assert!(daemon.exited().is_none(), "the daemon died in the flood");
    let outcome = Sipp::run(work, "options", "options.xml", &phone, &["-m", "1"]);
    assert!(outcome.status.success(), "{}", outcome.report);
    let account = account_status(&dir);
    assert_eq!(
        account["registration"],
        "registered",
        "{account}\n{}",
        show_logs(&logs.iter().map(PathBuf::as_path).collect::<Vec<_>>())
    );
    let resident = resident_kb(daemon.pid());
    assert!(resident < 200 * 1024, "VmRSS {resident} kB after the flood");
}
