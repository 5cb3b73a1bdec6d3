//! Failover and failback between two real registrars: two Kamailios on 127.0.0.1, the account's
//! primary (P47) and secondary (P2312) SIP servers, over TCP so that a stopped registrar is
//! noticed at once through the broken connection. Without Kamailio the test says so and skips,
//! except under CI where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::kamailio::{available, Kamailio, Transport, PASSWORD};
use common::phone::{configure, free_port, start_handset, wait_account};

use std::time::Duration;

/// "Failback Expiration" in minutes: 15 s.
const FAILBACK_MINUTES: &str = "0.25";

#[test]
fn fails_over_to_the_secondary_server_and_back_after_the_failback_time() {
    if !available("failover", Transport::Tcp) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let dir = work.join("phone");
    let handset_log = work.join("handset.log");
    let mut primary = Kamailio::start(&work.join("primary"), Transport::Tcp, free_port());
    let secondary = Kamailio::start(&work.join("secondary"), Transport::Tcp, free_port());
    let (primary_log, secondary_log) = (primary.log_path(), secondary.log_path());
    let logs = [
        handset_log.as_path(),
        primary_log.as_path(),
        secondary_log.as_path(),
    ];
    let primary_server = format!("tcp {}", primary.address());
    let secondary_server = format!("tcp {}", secondary.address());

    configure(
        &dir,
        &handset_log,
        &[
            "P271",
            "1",
            "P47",
            &primary.address(),
            "P2312",
            &secondary.address(),
            "P35",
            "1001",
            "P34",
            PASSWORD,
            "P32",
            "1",
            "P130",
            "1",
            "P60055",
            "1",
            "P60056",
            FAILBACK_MINUTES,
        ],
    );
    let _daemon = start_handset(&dir, &handset_log);
    let registered_at = |server: &str| {
        let server = server.to_owned();
        move |registration: &str, current: &str| registration == "registered" && current == server
    };
    wait_account(
        &dir,
        &logs,
        Duration::from_secs(20),
        registered_at(&primary_server),
    );
    assert!(primary.accepted_registers("1001") >= 1, "{}", primary.log());
    assert_eq!(
        secondary.accepted_registers("1001"),
        0,
        "{}",
        secondary.log()
    );

    // The primary goes away: its connection breaks and the account moves on to the secondary.
    primary.stop();
    wait_account(
        &dir,
        &logs,
        Duration::from_secs(30),
        registered_at(&secondary_server),
    );
    assert!(
        secondary.accepted_registers("1001") >= 1,
        "{}",
        secondary.log()
    );

    // The primary comes back; once the failback time is up the account registers there again.
    let before_failback = primary.accepted_registers("1001");
    primary.restart();
    wait_account(
        &dir,
        &logs,
        Duration::from_secs(60),
        registered_at(&primary_server),
    );
    assert!(
        primary.accepted_registers("1001") > before_failback,
        "{}",
        primary.log()
    );
}
