//! The daemon finds its registrar through DNS: SRV records (DNS mode "SRV") and NAPTR then SRV
//! ("NAPTR/SRV"), served by a test DNS server on 127.0.0.1 that `handset run --dns` points at,
//! with two Kamailios behind the records. Without Kamailio the tests say so and skip, except
//! under CI where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/dns_server.rs"]
mod dns_server;

use std::time::Duration;

use common::kamailio::{available, Kamailio, Transport, PASSWORD};
use common::phone::{configure, free_port, start_handset_with, wait_account};
use dns_server::{DnsServer, TestRecord};
use hickory_proto::rr::RecordType;

const DOMAIN: &str = "pbx.test";

/// Two registrars behind `_sip._udp.pbx.test`: priority 10 first, priority 20 second.
fn records(dns: &DnsServer, first: &Kamailio, second: &Kamailio) {
    dns.set_records(
        "_sip._udp.pbx.test",
        vec![
            TestRecord::srv(20, 0, second.port(), "sip2.pbx.test", 60),
            TestRecord::srv(10, 0, first.port(), "sip1.pbx.test", 60),
        ],
    );
    dns.set_records("sip1.pbx.test", vec![TestRecord::ip("127.0.0.1", 60)]);
    dns.set_records("sip2.pbx.test", vec![TestRecord::ip("127.0.0.1", 60)]);
}

/// Configures account 1 for `pbx.test` with DNS mode `mode`, starts the daemon on the test DNS
/// server and waits until it is registered at `expected`.
fn registers_through_dns(test: &str, mode: &str, setup: impl FnOnce(&DnsServer)) {
    if !available(test, Transport::Udp) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let dir = work.join("phone");
    let log = work.join("handset.log");
    let first = Kamailio::start(&work.join("first"), Transport::Udp, free_port());
    let second = Kamailio::start(&work.join("second"), Transport::Udp, free_port());
    let dns = DnsServer::start();
    records(&dns, &first, &second);
    setup(&dns);
    configure(
        &dir,
        &log,
        &[
            "P271", "1", "P47", DOMAIN, "P103", mode, "P35", "1001", "P34", PASSWORD, "P32", "1",
        ],
    );
    let dns_arg = dns.addr().to_string();
    let _daemon = start_handset_with(&dir, &log, &["--dns", &dns_arg]);
    let (first_log, second_log) = (first.log_path(), second.log_path());
    let logs = [log.as_path(), first_log.as_path(), second_log.as_path()];
    let expected = format!("udp 127.0.0.1:{}", first.port());
    wait_account(&dir, &logs, Duration::from_secs(20), |state, server| {
        state == "registered" && server == expected
    });
    assert!(first.accepted_registers("1001") >= 1, "{}", first.log());
    assert_eq!(second.accepted_registers("1001"), 0, "{}", second.log());
    assert!(dns.query_count("_sip._udp.pbx.test", RecordType::SRV) >= 1);
    if mode == "2" {
        assert!(dns.query_count(DOMAIN, RecordType::NAPTR) >= 1);
    }
}

#[test]
fn srv_mode_registers_at_the_highest_priority_target() {
    registers_through_dns("dns_srv", "1", |_| {});
}

#[test]
fn naptr_mode_follows_naptr_to_srv_to_the_address() {
    registers_through_dns("dns_naptr", "2", |dns| {
        dns.set_records(
            DOMAIN,
            vec![
                TestRecord::naptr(10, 10, "s", "SIPS+D2T", "_sips._tcp.pbx.test", 60),
                TestRecord::naptr(20, 10, "s", "SIP+D2U", "_sip._udp.pbx.test", 60),
            ],
        );
    });
}
