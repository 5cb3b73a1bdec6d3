//! `handset run` registers its account with a real registrar: Kamailio (Debian `kamailio`) on
//! 127.0.0.1 with digest authentication against a fixed password, over UDP, TCP and TLS.
//! Without Kamailio the tests say so and skip, except under CI where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::kamailio::{available, Kamailio, Transport, PASSWORD};
use common::phone::{
    configure, free_port, show_logs, start_handset, wait_account, wait_registration, Guard,
};
use common::{run, stderr};

use std::path::Path;
use std::time::Duration;

/// SIGTERM, then checks the daemon unregistered ("Unregister On Reboot" = Instance) before
/// exiting, with Expires 0 at the registrar, and kept the password out of its log.
fn stop_and_check_unregistered(daemon: &mut Guard, handset_log: &Path, kamailio: &Kamailio) {
    assert!(
        daemon.terminate(Duration::from_secs(10)),
        "handset hung on SIGTERM"
    );
    let handset_text = std::fs::read_to_string(handset_log).unwrap_or_default();
    assert!(handset_text.contains("unregistered"), "{handset_text}");
    assert!(
        !handset_text.contains(PASSWORD),
        "the password reached the log"
    );
    let kamailio_text = kamailio.log().to_ascii_lowercase();
    assert!(
        kamailio_text.contains("expires 0") || kamailio_text.contains("expires=0"),
        "{}",
        kamailio.log()
    );
}

/// Account 1 on `kamailio` with `transport` (P130) and unregistration on stop.
fn configure_account(dir: &Path, log: &Path, kamailio: &Kamailio, transport: &str) {
    let server = kamailio.address();
    configure(
        dir,
        log,
        &[
            "P271", "1", "P47", &server, "P35", "1001", "P34", PASSWORD, "P32", "1", "P138", "1",
            "P81", "2", "P130", transport,
        ],
    );
}

#[test]
fn registers_with_kamailio_and_reports_a_wrong_password() {
    if !available("register_kamailio", Transport::Udp) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let dir = work.join("phone");
    let handset_log = work.join("handset.log");
    let kamailio = Kamailio::start(&work.join("kamailio"), Transport::Udp, free_port());
    let kamailio_log = kamailio.log_path();
    let logs = [handset_log.as_path(), kamailio_log.as_path()];

    configure_account(&dir, &handset_log, &kamailio, "0");
    let mut daemon = start_handset(&dir, &handset_log);
    let (state, server) = wait_account(&dir, &logs, Duration::from_secs(20), |r, _| {
        r == "registered"
    });
    assert_eq!(state, "registered");
    assert_eq!(server, format!("udp {}", kamailio.address()));
    assert_eq!(kamailio.accepted_registers("1001"), 1, "{}", kamailio.log());
    stop_and_check_unregistered(&mut daemon, &handset_log, &kamailio);

    // A wrong password, changed while the daemon runs, restarts the registration and fails.
    let daemon_log = work.join("handset2.log");
    let _daemon = start_handset(&dir, &daemon_log);
    let logs = [daemon_log.as_path(), kamailio_log.as_path()];
    wait_registration(&dir, &logs, |s| s == "registered");
    let set = run(&dir, &["config", "set", "P34", "wrong-password"]);
    assert!(set.status.success(), "{}", stderr(&set));
    let state = wait_registration(&dir, &logs, |s| s.starts_with("failed"));
    assert!(state.starts_with("failed: "), "{state}");
    let daemon_text = std::fs::read_to_string(&daemon_log).unwrap_or_default();
    assert!(
        !daemon_text.contains("wrong-password"),
        "the password reached the log"
    );
}

/// Registers over a connection-oriented `transport` (P130 `code`) and unregisters on SIGTERM.
fn registers_over(transport: Transport, code: &str) {
    if !available("register_kamailio", transport) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let dir = work.join("phone");
    let handset_log = work.join("handset.log");
    let kamailio = Kamailio::start(&work.join("kamailio"), transport, free_port());
    let kamailio_log = kamailio.log_path();
    let logs = [handset_log.as_path(), kamailio_log.as_path()];

    configure_account(&dir, &handset_log, &kamailio, code);
    let mut daemon = start_handset(&dir, &handset_log);
    let (_, server) = wait_account(&dir, &logs, Duration::from_secs(20), |r, _| {
        r == "registered"
    });
    let expected = format!("{} {}", transport.name(), kamailio.address());
    assert_eq!(server, expected);
    // Over a connection the registrar sees the connection's own port in the Via's rport, and
    // the phone may register a second time with its Contact rewritten to it.
    let registers = kamailio.accepted_registers("1001");
    assert!(
        registers >= 1,
        "no REGISTER over {}:\n{}",
        transport.name(),
        show_logs(&logs)
    );
    stop_and_check_unregistered(&mut daemon, &handset_log, &kamailio);
    // The unregistration came over the same transport.
    assert_eq!(
        kamailio.accepted_registers("1001"),
        registers + 1,
        "{}",
        kamailio.log()
    );
}

#[test]
fn registers_with_kamailio_over_tcp() {
    registers_over(Transport::Tcp, "1");
}

#[test]
fn registers_with_kamailio_over_tls() {
    registers_over(Transport::Tls, "2");
}
