//! `DnsResolver` against a real DNS server on 127.0.0.1.
#![allow(clippy::unwrap_used)]

#[path = "common/dns_server.rs"]
mod dns_server;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use dns_server::{DnsServer, TestRecord};
use handset::sip_runtime::dns::{configured_servers, DnsResolver};
use handset_config::{Commit, ConfigStore, Origin, Schema};
use handset_sip::locate::{
    Answer, DnsMode, NaptrRecord, Query, Resolution, ServerName, SrvRecord, Target, TransportKind,
};
use hickory_proto::rr::RecordType;

const LONG_FAILURE_CACHE: Duration = Duration::from_secs(600);

fn resolver(server: &DnsServer, failure_cache: Duration) -> DnsResolver {
    DnsResolver::new(&[server.addr()], failure_cache).unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn secs(n: u64) -> Option<Duration> {
    Some(Duration::from_secs(n))
}

#[tokio::test]
async fn addresses_are_ipv4_first_with_the_smallest_ttl() {
    let server = DnsServer::start();
    server.set_records(
        "sip.example.test",
        vec![
            TestRecord::ip("2001:db8::5", 120),
            TestRecord::ip("192.0.2.5", 300),
            TestRecord::ip("192.0.2.6", 300),
        ],
    );
    let dns = resolver(&server, LONG_FAILURE_CACHE);
    let (answer, ttl) = dns.answer(&Query::Address("sip.example.test".into())).await;
    assert_eq!(
        answer,
        Answer::Addresses(vec![ip("192.0.2.5"), ip("192.0.2.6"), ip("2001:db8::5")])
    );
    assert_eq!(ttl, secs(120));
}

#[tokio::test]
async fn an_ipv6_only_host_gives_its_ipv6_addresses() {
    let server = DnsServer::start();
    server.set_records("v6.example.test", vec![TestRecord::ip("2001:db8::7", 60)]);
    let dns = resolver(&server, LONG_FAILURE_CACHE);
    let (answer, ttl) = dns.answer(&Query::Address("v6.example.test".into())).await;
    assert_eq!(answer, Answer::Addresses(vec![ip("2001:db8::7")]));
    assert_eq!(ttl, secs(60));
}

#[tokio::test]
async fn srv_records_keep_priorities_weights_and_ports() {
    let server = DnsServer::start();
    server.set_records(
        "_sip._udp.example.test",
        vec![
            TestRecord::srv(10, 60, 5060, "a.example.test", 900),
            TestRecord::srv(10, 40, 5062, "b.example.test", 600),
            TestRecord::srv(20, 0, 5070, "c.example.test", 900),
        ],
    );
    let dns = resolver(&server, LONG_FAILURE_CACHE);
    let (answer, ttl) = dns
        .answer(&Query::Srv("_sip._udp.example.test".into()))
        .await;
    let Answer::Srv(mut records) = answer else {
        panic!("expected SRV records, got {answer:?}");
    };
    records.sort_by_key(|r| r.port);
    let srv = |priority, weight, port, target: &str| SrvRecord {
        priority,
        weight,
        port,
        target: target.to_owned(),
    };
    assert_eq!(
        records,
        vec![
            srv(10, 60, 5060, "a.example.test"),
            srv(10, 40, 5062, "b.example.test"),
            srv(20, 0, 5070, "c.example.test"),
        ]
    );
    assert_eq!(ttl, secs(600));
}

#[tokio::test]
async fn naptr_records_keep_flags_service_and_replacement() {
    let server = DnsServer::start();
    server.set_records(
        "example.test",
        vec![
            TestRecord::naptr(10, 20, "S", "SIP+D2U", "_sip._udp.example.test", 3600),
            TestRecord::naptr(20, 10, "s", "SIPS+D2T", "_sips._tcp.example.test", 1800),
        ],
    );
    let dns = resolver(&server, LONG_FAILURE_CACHE);
    let (answer, ttl) = dns.answer(&Query::Naptr("example.test".into())).await;
    let Answer::Naptr(mut records) = answer else {
        panic!("expected NAPTR records, got {answer:?}");
    };
    records.sort_by_key(|r| r.order);
    assert_eq!(
        records,
        vec![
            NaptrRecord {
                order: 10,
                preference: 20,
                flags: "S".into(),
                service: "SIP+D2U".into(),
                replacement: "_sip._udp.example.test".into(),
            },
            NaptrRecord {
                order: 20,
                preference: 10,
                flags: "s".into(),
                service: "SIPS+D2T".into(),
                replacement: "_sips._tcp.example.test".into(),
            },
        ]
    );
    assert_eq!(ttl, secs(1800));
}

#[tokio::test]
async fn unknown_names_and_missing_record_types_give_nothing() {
    let server = DnsServer::start();
    server.set_records("sip.example.test", vec![TestRecord::ip("192.0.2.5", 60)]);
    let dns = resolver(&server, LONG_FAILURE_CACHE);
    for query in [
        Query::Address("nowhere.example.test".into()),
        Query::Srv("_sip._udp.nowhere.example.test".into()),
        Query::Naptr("nowhere.example.test".into()),
        // The name exists, but has no record of these types.
        Query::Srv("sip.example.test".into()),
        Query::Naptr("sip.example.test".into()),
    ] {
        assert_eq!(
            dns.answer(&query).await,
            (Answer::Nothing, None),
            "{query:?}"
        );
    }
    assert_eq!(server.query_count("nowhere.example.test", RecordType::A), 1);
    assert_eq!(server.query_count("sip.example.test", RecordType::SRV), 1);
}

#[tokio::test]
async fn the_failure_cache_answers_repeats_until_it_expires() {
    let server = DnsServer::start();
    let failure_cache = Duration::from_millis(700);
    let dns = resolver(&server, failure_cache);
    let query = Query::Srv("_sip._udp.late.example.test".into());

    assert_eq!(dns.answer(&query).await.0, Answer::Nothing);
    assert_eq!(
        server.query_count("_sip._udp.late.example.test", RecordType::SRV),
        1
    );

    // The record appears, but the failure is remembered: no query reaches the server.
    server.set_records(
        "_sip._udp.late.example.test",
        vec![TestRecord::srv(1, 1, 5060, "late.example.test", 60)],
    );
    assert_eq!(dns.answer(&query).await.0, Answer::Nothing);
    assert_eq!(
        server.query_count("_sip._udp.late.example.test", RecordType::SRV),
        1
    );

    tokio::time::sleep(failure_cache + Duration::from_millis(200)).await;
    let (answer, _) = dns.answer(&query).await;
    assert!(
        matches!(answer, Answer::Srv(ref r) if r.len() == 1),
        "{answer:?}"
    );
    assert_eq!(
        server.query_count("_sip._udp.late.example.test", RecordType::SRV),
        2
    );
}

#[tokio::test]
async fn a_zero_failure_cache_asks_every_time() {
    let server = DnsServer::start();
    let dns = resolver(&server, Duration::ZERO);
    let query = Query::Naptr("gone.example.test".into());
    dns.answer(&query).await;
    dns.answer(&query).await;
    assert_eq!(
        server.query_count("gone.example.test", RecordType::NAPTR),
        2
    );
}

#[tokio::test]
async fn positive_answers_are_cached_for_their_ttl() {
    let server = DnsServer::start();
    server.set_records(
        "cached.example.test",
        vec![TestRecord::ip("192.0.2.8", 3600)],
    );
    server.set_records("fresh.example.test", vec![TestRecord::ip("192.0.2.9", 0)]);
    let dns = resolver(&server, LONG_FAILURE_CACHE);
    for _ in 0..2 {
        let cached = dns
            .answer(&Query::Address("cached.example.test".into()))
            .await;
        assert_eq!(cached.0, Answer::Addresses(vec![ip("192.0.2.8")]));
        let fresh = dns
            .answer(&Query::Address("fresh.example.test".into()))
            .await;
        assert_eq!(fresh, (Answer::Addresses(vec![ip("192.0.2.9")]), secs(0)));
    }
    assert_eq!(server.query_count("cached.example.test", RecordType::A), 1);
    assert_eq!(server.query_count("fresh.example.test", RecordType::A), 2);
}

#[tokio::test]
async fn a_naptr_srv_resolution_ends_with_ordered_targets() {
    let server = DnsServer::start();
    server.set_records(
        "example.test",
        vec![
            TestRecord::naptr(10, 10, "s", "SIP+D2T", "_sip._tcp.example.test", 3600),
            TestRecord::naptr(20, 10, "S", "SIP+D2U", "_sip._udp.example.test", 3600),
            TestRecord::naptr(5, 10, "U", "SIP+D2U", "sip.example.test", 3600),
        ],
    );
    server.set_records(
        "_sip._udp.example.test",
        vec![
            TestRecord::srv(20, 0, 5080, "backup.example.test", 900),
            TestRecord::srv(10, 0, 5070, "main.example.test", 900),
        ],
    );
    server.set_records(
        "main.example.test",
        vec![
            TestRecord::ip("2001:db8::2", 300),
            TestRecord::ip("127.0.0.2", 120),
        ],
    );
    server.set_records(
        "backup.example.test",
        vec![TestRecord::ip("127.0.0.3", 300)],
    );
    let dns = resolver(&server, LONG_FAILURE_CACHE);

    let name = ServerName::parse("example.test").unwrap();
    let mut resolution = Resolution::new(name, DnsMode::NaptrSrv, TransportKind::Udp, 1);
    while let Some(query) = resolution.poll_query() {
        let (answer, ttl) = dns.answer(&query).await;
        resolution.handle_answer(answer, ttl);
    }
    assert!(resolution.is_done());
    let udp = |addr: &str| Target {
        addr: addr.parse::<SocketAddr>().unwrap(),
        transport: TransportKind::Udp,
    };
    assert_eq!(
        resolution.targets(),
        [
            udp("127.0.0.2:5070"),
            udp("[2001:db8::2]:5070"),
            udp("127.0.0.3:5080")
        ]
    );
    assert_eq!(resolution.ttl(), secs(120));
    assert_eq!(
        server.query_count("_sip._tcp.example.test", RecordType::SRV),
        0
    );
    assert_eq!(server.query_count("sip.example.test", RecordType::A), 0);
}

#[test]
fn the_server_table_changes_while_it_runs_from_a_plain_test() {
    let server = DnsServer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dns = resolver(&server, Duration::ZERO);
    let query = Query::Address("moving.example.test".into());
    server.set_records("moving.example.test", vec![TestRecord::ip("192.0.2.1", 0)]);
    let first = runtime.block_on(dns.answer(&query));
    server.set_records("moving.example.test", vec![TestRecord::ip("192.0.2.2", 0)]);
    let second = runtime.block_on(dns.answer(&query));
    server.remove("moving.example.test");
    let third = runtime.block_on(dns.answer(&query));
    assert_eq!(first.0, Answer::Addresses(vec![ip("192.0.2.1")]));
    assert_eq!(second.0, Answer::Addresses(vec![ip("192.0.2.2")]));
    assert_eq!(third.0, Answer::Nothing);
}

fn store(pairs: &[(&str, &str)]) -> ConfigStore {
    let mut store = ConfigStore::new(Schema::builtin(), 1);
    store
        .set_many(pairs.iter().copied(), Origin::User, Commit::Save)
        .unwrap();
    store
}

fn port_53(list: &[&str]) -> Vec<SocketAddr> {
    list.iter()
        .map(|ip| SocketAddr::new(self::ip(ip), 53))
        .collect()
}

#[test]
fn defaults_configure_no_server() {
    assert!(configured_servers(&store(&[])).is_empty());
}

#[test]
fn the_preferred_server_comes_first_and_static_ones_need_static_ip() {
    let preferred = [("P92", "192"), ("P93", "0"), ("P94", "2"), ("P95", "53")];
    let dns1 = [("P21", "198"), ("P22", "51"), ("P23", "100"), ("P24", "1")];
    let dns2 = [
        ("network.dns.2.ip.1", "203"),
        ("network.dns.2.ip.2", "0"),
        ("network.dns.2.ip.3", "113"),
        ("network.dns.2.ip.4", "9"),
    ];
    let mut dhcp: Vec<_> = preferred
        .iter()
        .chain(&dns1)
        .chain(&dns2)
        .copied()
        .collect();
    assert_eq!(configured_servers(&store(&dhcp)), port_53(&["192.0.2.53"]));

    dhcp.push(("network.port.eth.1.type", "1"));
    assert_eq!(
        configured_servers(&store(&dhcp)),
        port_53(&["192.0.2.53", "198.51.100.1", "203.0.113.9"])
    );

    let static_only: Vec<_> = dns2.iter().copied().chain([("P8", "1")]).collect();
    assert_eq!(
        configured_servers(&store(&static_only)),
        port_53(&["203.0.113.9"])
    );
}

#[test]
fn a_server_listed_twice_is_used_once() {
    let same = store(&[
        ("P8", "1"),
        ("P21", "198"),
        ("P22", "51"),
        ("P23", "100"),
        ("P24", "1"),
        ("P92", "198"),
        ("P93", "51"),
        ("P94", "100"),
        ("P95", "1"),
    ]);
    assert_eq!(configured_servers(&same), port_53(&["198.51.100.1"]));
}

#[tokio::test]
async fn an_answer_too_big_for_udp_comes_over_tcp() {
    let server = DnsServer::start();
    let many: Vec<_> = (1..=150)
        .map(|n| TestRecord::ip(&format!("192.0.2.{n}"), 60))
        .collect();
    server.set_records("big.example.test", many);
    let dns = resolver(&server, LONG_FAILURE_CACHE);
    let (answer, _) = dns.answer(&Query::Address("big.example.test".into())).await;
    let Answer::Addresses(ips) = answer else {
        panic!("expected addresses, got {answer:?}");
    };
    assert_eq!(ips.len(), 150);
    // Once truncated over UDP, once in full over TCP.
    assert_eq!(server.query_count("big.example.test", RecordType::A), 2);
}
