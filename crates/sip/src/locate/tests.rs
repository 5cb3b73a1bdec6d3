use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::*;
use crate::test_support::origin;

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

fn addrs(r: &Resolution) -> Vec<String> {
    r.targets().iter().map(|t| t.addr.to_string()).collect()
}

/// Answers queries from a fixed table until the resolution is done.
fn resolve(mut r: Resolution, table: &[(Query, Answer)]) -> (Resolution, Vec<Query>) {
    let mut asked = Vec::new();
    while let Some(q) = r.poll_query() {
        let answer = table
            .iter()
            .find(|(k, _)| *k == q)
            .map(|(_, a)| a.clone())
            .unwrap_or(Answer::Nothing);
        asked.push(q);
        r.handle_answer(answer, Some(Duration::from_secs(300)));
    }
    assert!(r.is_done());
    (r, asked)
}

fn srv(priority: u16, weight: u16, port: u16, target: &str) -> SrvRecord {
    SrvRecord {
        priority,
        weight,
        port,
        target: target.into(),
    }
}

#[test]
fn server_names_parse_in_the_forms_settings_hold() {
    let n = ServerName::parse("sip.example.com:5070").unwrap();
    assert_eq!((n.host.as_str(), n.port), ("sip.example.com", Some(5070)));
    let n = ServerName::parse("sips:[2001:db8::1]:5061;transport=tls").unwrap();
    assert_eq!((n.host.as_str(), n.port), ("2001:db8::1", Some(5061)));
    assert_eq!(ServerName::parse("2001:db8::1").unwrap().port, None);
    assert_eq!(ServerName::parse(" "), Err(ServerNameError::Empty));
    assert!(matches!(
        ServerName::parse("pbx:0"),
        Err(ServerNameError::BadPort(_))
    ));
    assert!(matches!(
        ServerName::parse("bad host"),
        Err(ServerNameError::BadHost(_))
    ));
}

#[test]
fn numeric_hosts_need_no_lookup() {
    let r = Resolution::new(
        ServerName::parse("192.0.2.7").unwrap(),
        DnsMode::Srv,
        TransportKind::Udp,
        1,
    );
    let (r, asked) = resolve(r, &[]);
    assert!(asked.is_empty());
    assert_eq!(addrs(&r), ["192.0.2.7:5060"]);
}

#[test]
fn an_explicit_port_skips_srv() {
    let r = Resolution::new(
        ServerName::parse("pbx.example:5080").unwrap(),
        DnsMode::NaptrSrv,
        TransportKind::Udp,
        1,
    );
    let table = [(
        Query::Address("pbx.example".into()),
        Answer::Addresses(vec![ip(1), ip(2)]),
    )];
    let (r, asked) = resolve(r, &table);
    assert_eq!(asked, [Query::Address("pbx.example".into())]);
    assert_eq!(addrs(&r), ["192.0.2.1:5080", "192.0.2.2:5080"]);
}

#[test]
fn srv_targets_are_resolved_in_priority_order() {
    let r = Resolution::new(
        ServerName::parse("example.com").unwrap(),
        DnsMode::Srv,
        TransportKind::Tcp,
        1,
    );
    let table = [
        (
            Query::Srv("_sip._tcp.example.com".into()),
            Answer::Srv(vec![
                srv(20, 0, 5062, "b.example.com"),
                srv(10, 0, 5060, "a.example.com"),
            ]),
        ),
        (
            Query::Address("a.example.com".into()),
            Answer::Addresses(vec![ip(10)]),
        ),
        (
            Query::Address("b.example.com".into()),
            Answer::Addresses(vec![ip(20)]),
        ),
    ];
    let (r, _) = resolve(r, &table);
    assert_eq!(addrs(&r), ["192.0.2.10:5060", "192.0.2.20:5062"]);
    assert!(r
        .targets()
        .iter()
        .all(|t| t.transport == TransportKind::Tcp));
}

#[test]
fn no_srv_falls_back_to_the_address_with_the_default_port() {
    let r = Resolution::new(
        ServerName::parse("example.com").unwrap(),
        DnsMode::Srv,
        TransportKind::Tls,
        1,
    );
    let table = [(
        Query::Address("example.com".into()),
        Answer::Addresses(vec![ip(5)]),
    )];
    let (r, asked) = resolve(r, &table);
    assert_eq!(asked[0], Query::Srv("_sips._tcp.example.com".into()));
    assert_eq!(addrs(&r), ["192.0.2.5:5061"]);
}

#[test]
fn naptr_picks_the_service_of_the_transport() {
    let naptr = |order, service: &str, replacement: &str| NaptrRecord {
        order,
        preference: 10,
        flags: "s".into(),
        service: service.into(),
        replacement: replacement.into(),
    };
    let r = Resolution::new(
        ServerName::parse("example.com").unwrap(),
        DnsMode::NaptrSrv,
        TransportKind::Udp,
        1,
    );
    let table = [
        (
            Query::Naptr("example.com".into()),
            Answer::Naptr(vec![
                naptr(50, "SIP+D2U", "_sip._udp.example.com"),
                naptr(10, "SIP+D2T", "_sip._tcp.example.com"),
            ]),
        ),
        (
            Query::Srv("_sip._udp.example.com".into()),
            Answer::Srv(vec![srv(0, 0, 5060, "u.example.com")]),
        ),
        (
            Query::Address("u.example.com".into()),
            Answer::Addresses(vec![ip(3)]),
        ),
    ];
    let (r, asked) = resolve(r, &table);
    assert_eq!(asked.len(), 3);
    assert_eq!(addrs(&r), ["192.0.2.3:5060"]);
}

#[test]
fn configured_ips_are_used_when_the_lookup_finds_nothing() {
    let mode = DnsMode::ConfiguredIp(vec![ip(100), ip(101)]);
    let r = Resolution::new(
        ServerName::parse("pbx.invalid").unwrap(),
        mode.clone(),
        TransportKind::Udp,
        1,
    );
    let (r, _) = resolve(r, &[]);
    assert_eq!(addrs(&r), ["192.0.2.100:5060", "192.0.2.101:5060"]);
    let r = Resolution::new(
        ServerName::parse("pbx.example").unwrap(),
        mode,
        TransportKind::Udp,
        1,
    );
    let (r, _) = resolve(
        r,
        &[(
            Query::Address("pbx.example".into()),
            Answer::Addresses(vec![ip(9)]),
        )],
    );
    assert_eq!(addrs(&r), ["192.0.2.9:5060"]);
}

fn targets(n: u8) -> Vec<Target> {
    (1..=n)
        .map(|i| Target {
            addr: SocketAddr::new(ip(i), 5060),
            transport: TransportKind::Udp,
        })
        .collect()
}

fn last_octet(t: Option<Target>) -> Option<u8> {
    t.map(|t| match t.addr.ip() {
        IpAddr::V4(v4) => v4.octets()[3],
        IpAddr::V6(_) => 0,
    })
}

#[test]
fn default_mode_starts_over_with_the_first_target() {
    let t0 = origin();
    let mut f = Failover::new(
        targets(3),
        FailoverMode::Default,
        Duration::from_secs(3600),
        None,
    );
    assert_eq!(last_octet(f.begin(t0)), Some(1));
    assert_eq!(last_octet(f.handle_no_response(t0)), Some(2));
    f.handle_success();
    assert!(f.is_failed_over());
    assert_eq!(last_octet(f.begin(t0)), Some(1));
    assert_eq!(last_octet(f.handle_no_response(t0)), Some(2));
    assert_eq!(last_octet(f.handle_no_response(t0)), Some(3));
    assert_eq!(f.handle_no_response(t0), None, "all tried");
}

#[test]
fn saved_modes_keep_the_server_that_answered() {
    let t0 = origin();
    let ttl = Some(t0 + Duration::from_secs(300));
    let mut f = Failover::new(
        targets(3),
        FailoverMode::SavedUntilTtl,
        Duration::from_secs(3600),
        ttl,
    );
    f.begin(t0);
    f.handle_no_response(t0);
    f.handle_success();
    assert_eq!(last_octet(f.begin(t0 + Duration::from_secs(10))), Some(2));
    assert!(f.is_expired(t0 + Duration::from_secs(300)));
    assert_eq!(last_octet(f.begin(t0 + Duration::from_secs(301))), Some(1));

    let mut f = Failover::new(
        targets(3),
        FailoverMode::SavedUntilNoResponse,
        Duration::from_secs(3600),
        ttl,
    );
    f.begin(t0);
    f.handle_no_response(t0);
    f.handle_success();
    assert_eq!(last_octet(f.begin(t0 + Duration::from_secs(1000))), Some(2));
    // It stops answering: the next request starts over.
    assert_eq!(last_octet(f.handle_no_response(t0)), Some(3));
    assert_eq!(last_octet(f.begin(t0 + Duration::from_secs(1001))), Some(1));
}

#[test]
fn failback_returns_to_the_first_target_after_the_expiration() {
    let t0 = origin();
    let failback = Duration::from_secs(60);
    let mut f = Failover::new(targets(2), FailoverMode::SavedUntilFailback, failback, None);
    f.begin(t0);
    f.handle_no_response(t0);
    f.handle_success();
    assert_eq!(f.failback_at(), Some(t0 + failback));
    assert_eq!(last_octet(f.begin(t0 + Duration::from_secs(59))), Some(2));
    assert!(f.failback_due(t0 + failback));
    assert_eq!(last_octet(f.begin(t0 + failback)), Some(1));
    assert!(!f.is_failed_over());
    assert_eq!(f.failback_at(), None);
}
