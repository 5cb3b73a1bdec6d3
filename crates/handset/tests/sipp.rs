//! The phone's SIP stack against SIPp (Debian `sip-tester`) with the scenarios in `tests/sipp/`:
//! OPTIONS answered with Allow, REGISTER retransmitted to a registrar that missed the first one,
//! a repeated request answered again by its server transaction, and a REGISTER flood. Without
//! SIPp or Kamailio the tests say so and skip, except under CI where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::kamailio::{self, Transport, PASSWORD};
use common::phone::{
    account_status, configure, free_port, paths, show_logs, sip_address, start_handset,
    wait_account, RegisteredPhone, PHONE_USER,
};
use common::sipp::{self, scenario, Outcome, Sipp};

use std::path::Path;
use std::time::Duration;

/// Calls a flood scenario makes, and how many per second: 10 s of REGISTERs, fewer than the
/// 4096 server transactions the phone keeps open before it turns requests away with 503.
const FLOOD_CALLS: u64 = 3500;
const FLOOD_RATE: &str = "350";

/// Runs the scenario `file` of `tests/sipp/` against the phone at `phone` to its end.
fn run(work: &Path, name: &str, file: &str, phone: &str, args: &[&str]) -> Outcome {
    Sipp::client(work, name, &scenario(file), phone, PHONE_USER, args)
}

/// A registered phone in `work/phone`, with a one-minute registration (P32).
fn registered_phone(work: &Path) -> RegisteredPhone {
    RegisteredPhone::start(work, &["P32", "1"])
}

fn available() -> bool {
    sipp::available("sipp") && kamailio::available("sipp", Transport::Udp)
}

#[test]
fn answers_options_with_an_allow_header() {
    if !available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let phone = registered_phone(work);
    let outcome = run(
        work,
        "options",
        "options.xml",
        &phone.address(),
        &["-m", "1"],
    );
    outcome.assert_calls_succeeded(1, &[]);
}

#[test]
fn retransmits_an_unanswered_register_and_repeats_its_own_answers() {
    if !sipp::available("sipp") {
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
            "P271", "1", "P47", &registrar, "P35", PHONE_USER, "P34", PASSWORD,
        ],
    );
    // -nr: the retransmitted REGISTER goes to the scenario, which checks it and answers it.
    let registrar_sipp = Sipp::spawn(
        work,
        "registrar",
        &scenario("registrar.xml"),
        registrar_port,
        &["-m", "1", "-nr"],
    )
    .listening();
    let _daemon = start_handset(&dir, &handset_log);
    registrar_sipp
        .finish()
        .assert_success(std::slice::from_ref(&handset_log));
    let (_, server) = wait_account(&dir, &[&handset_log], Duration::from_secs(20), |r, _| {
        r == "registered"
    });
    assert_eq!(server, format!("udp {registrar}"));

    // Server side: the same OPTIONS twice gets the same 200 twice.
    let phone = sip_address(&dir).to_string();
    let outcome = run(
        work,
        "twice",
        "options_twice.xml",
        &phone,
        &["-m", "1", "-nr"],
    );
    outcome.assert_success(&[]);
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
    let mut phone = registered_phone(work);
    let address = phone.address();
    let calls = FLOOD_CALLS.to_string();
    let flood = run(
        work,
        "flood",
        "register_flood.xml",
        &address,
        &["-r", FLOOD_RATE, "-m", &calls],
    );
    flood.assert_calls_succeeded(FLOOD_CALLS, &[]);
    assert_eq!(flood.counter("FailedCall(C)"), 0, "{}", flood.report);

    phone.assert_alive();
    let outcome = run(work, "options", "options.xml", &address, &["-m", "1"]);
    outcome.assert_success(&[]);
    let account = account_status(phone.dir());
    assert_eq!(
        account["registration"],
        "registered",
        "{account}\n{}",
        show_logs(&paths(&phone.logs()))
    );
    let resident = resident_kb(phone.pid());
    assert!(resident < 200 * 1024, "VmRSS {resident} kB after the flood");
}
