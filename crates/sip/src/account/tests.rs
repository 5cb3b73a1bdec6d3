//! The account against simulated servers, in simulated time.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use super::*;
use crate::auth::{ChallengeKind, Credentials, DigestClient, Unauthorized};
use crate::header::Via;
use crate::keepalive::NatPacket;
use crate::locate::{DnsMode, FailoverMode};
use crate::message::response_to;
use crate::registration::UnregisterMode;
use crate::test_support::origin;

pub(super) const LOCAL: &str = "10.0.0.9:5060";

pub(super) fn udp(addr: &str) -> Target {
    Target {
        addr: addr.parse().unwrap(),
        transport: TransportKind::Udp,
    }
}

pub(super) fn name(text: &str) -> ServerName {
    ServerName::parse(text).unwrap()
}

pub(super) fn config(servers: &[&str]) -> AccountConfig {
    let mut config = AccountConfig::new("alice", servers.iter().map(|s| name(s)).collect());
    config.registration = RegistrationConfig::default()
        .with_credentials(Credentials::new("alice", "secret"))
        .with_user_agent("handset/test")
        .with_unregister(UnregisterMode::All);
    config.max_retries = 1;
    config.failback = Duration::from_secs(600);
    config
}

/// The account and a clock; the test plays every server.
pub(super) struct Harness {
    pub(super) account: Account,
    pub(super) now: Instant,
    pub(super) sent: Vec<(Target, Message)>,
    pub(super) packets: Vec<(Target, Vec<u8>)>,
    pub(super) events: Vec<AccountEvent>,
    /// Host name → address answers.
    pub(super) dns: Vec<(String, String)>,
}

impl Harness {
    pub(super) fn new(config: AccountConfig) -> Self {
        let now = origin();
        Self {
            account: Account::new(config, 7, now),
            now,
            sent: Vec::new(),
            packets: Vec::new(),
            events: Vec::new(),
            dns: Vec::new(),
        }
    }

    /// Starts, answering every need: DNS from `dns`, the local address with [`LOCAL`].
    pub(super) fn started(config: AccountConfig, dns: &[(&str, &str)]) -> Self {
        let mut h = Self::new(config);
        h.dns = dns
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        h.account.start(h.now);
        h.pump();
        h
    }

    pub(super) fn pump(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(need) = self.account.poll_need() {
                progressed = true;
                match need {
                    Need::Dns(Query::Address(host)) => {
                        let answer = match self.dns.iter().find(|(n, _)| *n == host) {
                            Some((_, ip)) => Answer::Addresses(vec![ip.parse().unwrap()]),
                            None => Answer::Nothing,
                        };
                        self.account.handle_dns_answer(
                            self.now,
                            answer,
                            Some(Duration::from_secs(300)),
                        );
                    }
                    Need::Dns(_) => self
                        .account
                        .handle_dns_answer(self.now, Answer::Nothing, None),
                    Need::LocalAddress(_) => self
                        .account
                        .handle_local_address(self.now, LOCAL.parse().unwrap()),
                }
            }
            while let Some(t) = self.account.poll_transmit() {
                progressed = true;
                match Message::parse(&t.bytes) {
                    Ok(m) => self.sent.push((t.to, m)),
                    Err(_) => self.packets.push((t.to, t.bytes.to_vec())),
                }
            }
            while let Some(e) = self.account.poll_event() {
                progressed = true;
                self.events.push(e);
            }
            if !progressed {
                break;
            }
        }
    }

    pub(super) fn advance(&mut self, by: Duration) {
        let end = self.now + by;
        while let Some(at) = self.account.poll_timeout().filter(|at| *at <= end) {
            self.now = self.now.max(at);
            self.account.handle_timeout(self.now);
            self.pump();
        }
        self.now = end;
    }

    pub(super) fn take_sent(&mut self) -> Vec<(Target, Message)> {
        std::mem::take(&mut self.sent)
    }

    pub(super) fn take_events(&mut self) -> Vec<AccountEvent> {
        std::mem::take(&mut self.events)
    }

    pub(super) fn deliver(&mut self, bytes: &[u8], from: Target) {
        self.account.handle_message(self.now, bytes, from);
        self.pump();
    }

    pub(super) fn answer(&mut self, request: &Message, status: u16, from: Target) {
        let mut r = response_to(request, StatusCode::new(status).unwrap(), None).unwrap();
        r.with_to_tag("srv");
        if status == 200 && request.method() == Some(&Method::Register) {
            let contact = request.headers().get(HeaderKind::Contact).unwrap();
            r.header(HeaderKind::Contact, contact.value().unwrap());
        }
        if status == 200 && request.method() == Some(&Method::Subscribe) {
            r.header(HeaderKind::Contact, "<sip:192.0.2.1:5060>")
                .header(HeaderKind::Expires, 3600);
        }
        let bytes = r.to_bytes();
        self.deliver(&bytes, from);
    }

    pub(super) fn last_register(&mut self) -> (Target, Message) {
        let sent = self.take_sent();
        sent.into_iter()
            .rev()
            .find(|(_, m)| m.method() == Some(&Method::Register))
            .expect("a REGISTER")
    }

    fn selected(&self) -> Vec<(Target, bool)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AccountEvent::ServerSelected {
                    target,
                    failed_over,
                    ..
                } => Some((*target, *failed_over)),
                _ => None,
            })
            .collect()
    }

    fn registered(&self) -> bool {
        self.events.iter().any(|e| {
            matches!(
                e,
                AccountEvent::Registration(RegistrationEvent::Registered { .. })
            )
        })
    }
}

#[test]
fn registers_at_an_ip_server_without_dns() {
    let mut h = Harness::started(config(&["192.0.2.1:5070"]), &[]);
    let (to, register) = h.last_register();
    assert_eq!(to, udp("192.0.2.1:5070"));
    assert_eq!(
        register.request_uri().unwrap().to_string(),
        "sip:192.0.2.1:5070"
    );
    let via: Via = register.headers().top_via().unwrap();
    assert_eq!(via.host().to_string(), "10.0.0.9");
    assert_eq!(h.selected(), [(udp("192.0.2.1:5070"), false)]);
    h.answer(&register, 200, to);
    assert!(h.registered());
    assert_eq!(
        h.account.registration_state(),
        RegistrationState::Registered
    );
}

#[test]
fn looks_up_a_domain_and_keeps_its_name_in_the_uris() {
    let mut h = Harness::started(
        config(&["pbx.example.com"]),
        &[("pbx.example.com", "192.0.2.7")],
    );
    let (to, register) = h.last_register();
    assert_eq!(to, udp("192.0.2.7:5060"));
    assert_eq!(
        register.request_uri().unwrap().to_string(),
        "sip:pbx.example.com"
    );
    let from = register.headers().from().unwrap();
    assert_eq!(from.uri().to_string(), "sip:alice@pbx.example.com");
}

#[test]
fn an_unresolvable_server_is_reported_and_looked_up_again_after_the_wait() {
    let mut h = Harness::started(config(&["nowhere.example"]), &[]);
    assert!(h.take_sent().is_empty());
    assert!(matches!(
        h.take_events().as_slice(),
        [AccountEvent::Unreachable { reason }] if reason.contains("nowhere.example")
    ));
    h.dns.push(("nowhere.example".into(), "192.0.2.8".into()));
    h.advance(Duration::from_secs(20));
    let (to, _) = h.last_register();
    assert_eq!(to, udp("192.0.2.8:5060"));
}

#[test]
fn fails_over_to_the_secondary_server_and_back_after_the_failback_time() {
    let mut h = Harness::started(config(&["192.0.2.1", "192.0.2.2"]), &[]);
    let (to, _) = h.last_register();
    assert_eq!(to, udp("192.0.2.1:5060"));
    // Timer F (64·T1) passes without an answer.
    h.advance(Duration::from_secs(32));
    let (to, register) = h.last_register();
    assert_eq!(to, udp("192.0.2.2:5060"));
    assert_eq!(register.request_uri().unwrap().to_string(), "sip:192.0.2.2");
    assert_eq!(h.selected().last(), Some(&(udp("192.0.2.2:5060"), true)));
    h.answer(&register, 200, to);
    assert!(h.registered());
    h.take_events();
    // Failback expiration: 600 s after the failover, the primary is tried again.
    h.advance(Duration::from_secs(500));
    assert!(h.selected().is_empty());
    h.advance(Duration::from_secs(100));
    let (to, register) = h.last_register();
    assert_eq!(to, udp("192.0.2.1:5060"));
    assert_eq!(h.selected(), [(udp("192.0.2.1:5060"), false)]);
    h.answer(&register, 200, to);
    assert!(h.registered());
}

#[test]
fn max_retries_sends_again_to_the_same_server_before_failing_over() {
    let mut c = config(&["192.0.2.1", "192.0.2.2"]);
    c.max_retries = 2;
    let mut h = Harness::started(c, &[]);
    h.advance(Duration::from_secs(32));
    assert!(
        h.selected().len() == 1,
        "still on the primary after one timeout"
    );
    // The registration's own retry wait (20 s), then a second unanswered attempt.
    h.advance(Duration::from_secs(20));
    let (to, _) = h.last_register();
    assert_eq!(to, udp("192.0.2.1:5060"));
    h.advance(Duration::from_secs(32));
    let (to, _) = h.last_register();
    assert_eq!(to, udp("192.0.2.2:5060"));
}

#[test]
fn a_503_moves_on_but_a_403_does_not() {
    let mut h = Harness::started(config(&["192.0.2.1", "192.0.2.2"]), &[]);
    let (to, register) = h.last_register();
    h.answer(&register, 403, to);
    h.advance(Duration::from_secs(20));
    let (to, register) = h.last_register();
    assert_eq!(to, udp("192.0.2.1:5060"));
    h.answer(&register, 503, to);
    let (to, _) = h.last_register();
    assert_eq!(to, udp("192.0.2.2:5060"));
}

#[test]
fn every_server_silent_means_unreachable_then_a_new_round() {
    let mut h = Harness::started(config(&["192.0.2.1", "192.0.2.2"]), &[]);
    h.advance(Duration::from_secs(64));
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, AccountEvent::Unreachable { .. })));
    h.take_sent();
    h.advance(Duration::from_secs(20));
    let (to, _) = h.last_register();
    assert_eq!(to, udp("192.0.2.1:5060"));
}

#[test]
fn a_transport_error_fails_over_at_once() {
    let mut c = config(&["192.0.2.1", "192.0.2.2"]);
    c.max_retries = 3;
    c.transport = TransportKind::Tcp;
    let mut h = Harness::started(c, &[]);
    let (to, register) = h.last_register();
    assert!(register
        .as_bytes()
        .windows(7)
        .any(|w| w == b"SIP/2.0/TCP".get(..7).unwrap()));
    h.account.handle_transport_error(h.now, to.addr);
    h.pump();
    let (to, _) = h.last_register();
    assert_eq!(to.addr, "192.0.2.2:5060".parse::<SocketAddr>().unwrap());
    assert_eq!(to.transport, TransportKind::Tcp);
}

#[test]
fn outbound_proxy_in_route_and_not_in_route() {
    let mut c = config(&["pbx.example.com"]);
    c.proxies = vec![name("192.0.2.50:5080")];
    let mut h = Harness::started(c.clone(), &[]);
    let (to, register) = h.last_register();
    assert_eq!(to, udp("192.0.2.50:5080"));
    assert_eq!(
        register.request_uri().unwrap().to_string(),
        "sip:pbx.example.com"
    );
    let route = register.headers().get(HeaderKind::Route).unwrap();
    assert_eq!(route.value().unwrap(), "<sip:192.0.2.50:5080;lr>");

    c.proxy_mode = ProxyMode::NotInRoute;
    let mut h = Harness::started(c, &[]);
    let (to, register) = h.last_register();
    assert_eq!(to, udp("192.0.2.50:5080"));
    assert!(register.headers().get(HeaderKind::Route).is_none());
}

#[test]
fn sips_over_tls_when_asked() {
    let mut c = config(&["pbx.example.com"]);
    c.transport = TransportKind::Tls;
    c.sips = true;
    let mut h = Harness::started(c, &[("pbx.example.com", "192.0.2.7")]);
    let t = h.account.poll_transmit();
    assert!(t.is_none());
    let (to, register) = h.last_register();
    assert_eq!(to.addr.port(), 5061);
    assert_eq!(
        register.request_uri().unwrap().to_string(),
        "sips:pbx.example.com"
    );
}

#[test]
fn tls_transmissions_name_the_server_for_certificate_checks() {
    let mut c = config(&["pbx.example.com"]);
    c.transport = TransportKind::Tls;
    let mut h = Harness::new(c);
    h.dns = vec![("pbx.example.com".into(), "192.0.2.7".into())];
    h.account.start(h.now);
    while let Some(need) = h.account.poll_need() {
        match need {
            Need::Dns(_) => h.account.handle_dns_answer(
                h.now,
                Answer::Addresses(vec!["192.0.2.7".parse().unwrap()]),
                None,
            ),
            Need::LocalAddress(_) => h
                .account
                .handle_local_address(h.now, LOCAL.parse().unwrap()),
        }
    }
    let t = h.account.poll_transmit().unwrap();
    assert_eq!(t.server_name.as_deref(), Some("pbx.example.com"));
}

#[test]
fn answers_options_itself_and_resends_the_answer_to_a_retransmission() {
    let mut h = Harness::started(config(&["192.0.2.1"]), &[]);
    h.take_sent();
    let peer = udp("192.0.2.99:5060");
    let options = request("OPTIONS", "").replace(";rport", "");
    h.deliver(options.as_bytes(), peer);
    let sent = h.take_sent();
    assert_eq!(sent.len(), 1);
    let (to, response) = &sent[0];
    assert_eq!(response.status(), Some(StatusCode::OK));
    assert!(response.headers().get(HeaderKind::Allow).is_some());
    assert!(response.headers().to().unwrap().tag().is_some());
    // No rport in the request's Via: the Via's port at the source address.
    assert_eq!(to.addr.ip(), peer.addr.ip());
    h.deliver(options.as_bytes(), peer);
    let again = h.take_sent();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1.as_bytes(), response.as_bytes());
    assert!(h
        .events
        .iter()
        .all(|e| !matches!(e, AccountEvent::Request { .. })));
}

fn request(method: &str, extra: &str) -> String {
    format!(
        "{method} sip:alice@10.0.0.9 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bK{method}1;rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:bob@example.com>;tag=b1\r\n\
         To: <sip:alice@example.com>\r\n\
         Call-ID: c-{method}@192.0.2.99\r\n\
         CSeq: 1 {method}\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    )
}

#[test]
fn unknown_methods_get_405_with_allow() {
    let mut h = Harness::started(config(&["192.0.2.1"]), &[]);
    h.take_sent();
    h.deliver(request("REGISTER", "").as_bytes(), udp("192.0.2.99:40000"));
    let sent = h.take_sent();
    let (to, response) = &sent[0];
    assert_eq!(response.status().map(|s| s.as_u16()), Some(405));
    assert!(response
        .headers()
        .get(HeaderKind::Allow)
        .unwrap()
        .value()
        .unwrap()
        .contains("INVITE"));
    // rport: back to the source port.
    assert_eq!(to.addr.port(), 40000);
}

#[test]
fn a_broken_request_gets_400_and_garbage_gets_nothing() {
    let mut h = Harness::started(config(&["192.0.2.1"]), &[]);
    h.take_sent();
    let broken = request("INVITE", "").replace("CSeq: 1 INVITE", "CSeq: 1 BYE");
    h.deliver(broken.as_bytes(), udp("192.0.2.99:5060"));
    let sent = h.take_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.status().map(|s| s.as_u16()), Some(400));
    h.deliver(b"\x00\x01garbage", udp("192.0.2.99:5060"));
    assert!(h.take_sent().is_empty());
}

#[test]
fn invite_is_passed_up_and_answered_through_its_transaction() {
    let mut h = Harness::started(config(&["192.0.2.1"]), &[]);
    h.take_sent();
    h.take_events();
    let peer = udp("192.0.2.99:5060");
    h.deliver(request("INVITE", "").as_bytes(), peer);
    let events = h.take_events();
    let Some(AccountEvent::Request { id, request, from }) = events.into_iter().next() else {
        panic!("the INVITE is passed up");
    };
    assert_eq!(from, peer);
    let mut busy = response_to(&request, StatusCode::BUSY_HERE, None).unwrap();
    busy.with_to_tag("x");
    h.account.respond(h.now, &id, busy).unwrap();
    h.pump();
    let sent = h.take_sent();
    assert_eq!(sent[0].1.status(), Some(StatusCode::BUSY_HERE));
    // Unacknowledged over UDP: Timer G resends it.
    h.advance(Duration::from_millis(500));
    let resent = h.take_sent();
    assert_eq!(
        resent.iter().filter(|(_, m)| m.status().is_some()).count(),
        1
    );
}

#[test]
fn incoming_invite_is_challenged_when_asked_and_accepted_with_the_password() {
    let mut c = config(&["192.0.2.1"]);
    c.challenge_invite_realm = Some("phone".into());
    let mut h = Harness::started(c, &[]);
    h.take_sent();
    h.take_events();
    let peer = udp("192.0.2.99:5060");
    h.deliver(request("INVITE", "").as_bytes(), peer);
    let sent = h.take_sent();
    let challenge = &sent[0].1;
    assert_eq!(challenge.status(), Some(StatusCode::UNAUTHORIZED));
    let offered = challenge
        .headers()
        .get(HeaderKind::WwwAuthenticate)
        .unwrap()
        .value()
        .unwrap()
        .into_owned();
    let mut client = DigestClient::new(Credentials::new("alice", "secret"));
    client
        .handle_challenges(&Unauthorized::new().challenge(ChallengeKind::Www, &offered))
        .unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let auth = client
        .authorize(
            &DigestRequest::new("INVITE", "sip:alice@10.0.0.9"),
            &mut rng,
        )
        .unwrap();
    let second = request("INVITE", &format!("Authorization: {}\r\n", auth[0].value))
        .replace("z9hG4bKINVITE1", "z9hG4bKINVITE2")
        .replace("CSeq: 1", "CSeq: 2");
    h.deliver(second.as_bytes(), peer);
    assert!(h
        .take_events()
        .iter()
        .any(|e| matches!(e, AccountEvent::Request { .. })));
}

#[test]
fn too_many_open_requests_get_a_stateless_503() {
    let mut c = config(&["192.0.2.1"]);
    c.max_server_transactions = 2;
    let mut h = Harness::started(c, &[]);
    h.take_sent();
    for i in 0..3 {
        let r = request("OPTIONS", "").replace("OPTIONS1", &format!("OPTIONS{i}x"));
        h.deliver(r.as_bytes(), udp("192.0.2.99:5060"));
    }
    let codes: Vec<u16> = h
        .take_sent()
        .iter()
        .filter_map(|(_, m)| m.status().map(|s| s.as_u16()))
        .collect();
    assert_eq!(codes, [200, 200, 503]);
    assert_eq!(h.account.open_requests(), 2);
    // Finished transactions are forgotten (Timer J, 64·T1 over UDP).
    h.advance(Duration::from_secs(33));
    assert_eq!(h.account.open_requests(), 0);
}

#[test]
fn options_keepalive_probes_and_reregisters_after_max_lost() {
    let mut c = config(&["192.0.2.1", "192.0.2.2"]);
    c.options_keepalive = Some((Duration::from_secs(30), 3));
    c.max_retries = 2;
    let mut h = Harness::started(c, &[]);
    let (to, register) = h.last_register();
    h.answer(&register, 200, to);
    h.advance(Duration::from_secs(30));
    let sent = h.take_sent();
    let (to, options) = sent
        .iter()
        .find(|(_, m)| m.method() == Some(&Method::Options))
        .unwrap()
        .clone();
    assert_eq!(to, udp("192.0.2.1:5060"));
    h.answer(&options, 200, to);
    // Three probes lost in a row: register again (same server: one strike of two).
    h.advance(Duration::from_secs(250));
    let registers = h
        .take_sent()
        .into_iter()
        .filter(|(_, m)| m.method() == Some(&Method::Register))
        .count();
    assert!(registers >= 1, "a REGISTER after the lost probes");
}

#[test]
fn nat_keepalive_sends_packets_to_the_server() {
    let mut c = config(&["192.0.2.1"]);
    c.nat_keepalive = Some((Duration::from_secs(20), NatPacket::DoubleCrlf));
    let mut h = Harness::started(c, &[]);
    let (to, register) = h.last_register();
    h.answer(&register, 200, to);
    h.advance(Duration::from_secs(40));
    let crlf: Vec<_> = h
        .packets
        .iter()
        .filter(|(to, p)| *to == udp("192.0.2.1:5060") && p == b"\r\n\r\n")
        .collect();
    assert_eq!(crlf.len(), 2);
}

#[test]
fn stop_unregisters_then_reports_stopped() {
    let mut h = Harness::started(config(&["192.0.2.1"]), &[]);
    let (to, register) = h.last_register();
    h.answer(&register, 200, to);
    h.account.stop(h.now);
    h.pump();
    let (_, unregister) = h.last_register();
    assert_eq!(
        unregister
            .headers()
            .get(HeaderKind::Contact)
            .unwrap()
            .value()
            .unwrap(),
        "*"
    );
    h.take_events();
    h.answer(&unregister, 200, to);
    assert!(h.events.contains(&AccountEvent::Stopped));
}

#[test]
fn register_before_failover_holds_requests_until_registered_there() {
    let mut c = config(&["192.0.2.1", "192.0.2.2"]);
    c.register_before_failover = true;
    let mut h = Harness::started(c, &[]);
    assert!(h.account.can_send_requests());
    h.advance(Duration::from_secs(32));
    assert!(!h.account.can_send_requests());
    let (to, register) = h.last_register();
    h.answer(&register, 200, to);
    assert!(h.account.can_send_requests());
}

#[test]
fn configured_ip_mode_uses_the_addresses_when_dns_finds_nothing() {
    let mut c = config(&["pbx.example.com"]);
    c.dns_mode = DnsMode::ConfiguredIp(vec![
        "192.0.2.31".parse().unwrap(),
        "192.0.2.32".parse().unwrap(),
    ]);
    c.failover_mode = FailoverMode::SavedUntilNoResponse;
    let mut h = Harness::started(c, &[]);
    let (to, _) = h.last_register();
    assert_eq!(to.addr.ip(), Ipv4Addr::new(192, 0, 2, 31));
    h.advance(Duration::from_secs(32));
    let (to, _) = h.last_register();
    assert_eq!(to.addr.ip(), Ipv4Addr::new(192, 0, 2, 32));
}

#[test]
fn a_broken_connection_while_registered_registers_again_then_fails_over() {
    let mut c = config(&["192.0.2.1", "192.0.2.2"]);
    c.transport = TransportKind::Tcp;
    c.max_retries = 2;
    let mut h = Harness::started(c, &[]);
    let (to, register) = h.last_register();
    h.answer(&register, 200, to);
    h.account.handle_transport_error(h.now, to.addr);
    h.pump();
    let (again, _) = h.last_register();
    assert_eq!(again, to, "registers again at the same server first");
    h.account.handle_transport_error(h.now, to.addr);
    h.pump();
    let (next, _) = h.last_register();
    assert_eq!(next.addr, "192.0.2.2:5060".parse::<SocketAddr>().unwrap());
}

fn notify_for(subscribe: &Message, to_tag: &str, state: &str, body: &str) -> String {
    let h = subscribe.headers();
    let from = h.from().unwrap();
    let call_id = h.call_id().unwrap();
    format!(
        "NOTIFY sip:alice@10.0.0.9:5060 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKn{to_tag}{state}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@192.0.2.1>;tag={to_tag}\r\n\
         To: {from}\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 NOTIFY\r\n\
         Contact: <sip:192.0.2.1:5060>\r\n\
         Event: message-summary\r\n\
         Subscription-State: {state}\r\n\
         Content-Type: application/simple-message-summary\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn subscribes_for_message_waiting_once_registered_and_reports_notifies() {
    let mut c = config(&["192.0.2.1"]);
    c.subscribe_mwi = true;
    let mut h = Harness::started(c, &[]);
    let (to, register) = h.last_register();
    assert!(h
        .take_sent()
        .iter()
        .all(|(_, m)| m.method() != Some(&Method::Subscribe)));
    h.answer(&register, 200, to);
    let sent = h.take_sent();
    let (to, subscribe) = sent
        .iter()
        .find(|(_, m)| m.method() == Some(&Method::Subscribe))
        .expect("a SUBSCRIBE after registering")
        .clone();
    assert_eq!(to, udp("192.0.2.1:5060"));
    assert_eq!(
        subscribe
            .headers()
            .get(HeaderKind::Event)
            .unwrap()
            .value()
            .unwrap(),
        "message-summary"
    );
    h.answer(&subscribe, 200, to);
    let body = "Messages-Waiting: yes\r\nVoice-Message: 2/8\r\n";
    h.deliver(
        notify_for(&subscribe, "srv", "active;expires=3600", body).as_bytes(),
        to,
    );
    let sent = h.take_sent();
    assert_eq!(sent.last().unwrap().1.status(), Some(StatusCode::OK));
    let summary = h
        .events
        .iter()
        .find_map(|e| match e {
            AccountEvent::MessageWaiting(s) => Some(s.clone()),
            _ => None,
        })
        .expect("a message-waiting event");
    assert!(summary.messages_waiting);
}

#[test]
fn an_unsolicited_message_summary_is_accepted() {
    let mut h = Harness::started(config(&["192.0.2.1"]), &[]);
    h.take_sent();
    let body = "Messages-Waiting: no\r\n";
    let notify = request(
        "NOTIFY",
        "Event: message-summary\r\nContent-Type: application/simple-message-summary\r\n",
    )
    .replace(
        "Content-Length: 0\r\n\r\n",
        &format!("Content-Length: {}\r\n\r\n{body}", body.len()),
    );
    h.deliver(notify.as_bytes(), udp("192.0.2.1:5060"));
    let sent = h.take_sent();
    assert_eq!(sent[0].1.status(), Some(StatusCode::OK));
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, AccountEvent::MessageWaiting(s) if !s.messages_waiting)));
}

#[test]
fn stop_unsubscribes_and_unregisters_before_reporting_stopped() {
    let mut c = config(&["192.0.2.1"]);
    c.subscribe_mwi = true;
    let mut h = Harness::started(c, &[]);
    let (to, register) = h.last_register();
    h.answer(&register, 200, to);
    let sent = h.take_sent();
    let (_, subscribe) = sent
        .iter()
        .find(|(_, m)| m.method() == Some(&Method::Subscribe))
        .unwrap()
        .clone();
    h.answer(&subscribe, 200, to);
    h.deliver(
        notify_for(
            &subscribe,
            "srv",
            "active;expires=3600",
            "Messages-Waiting: no\r\n",
        )
        .as_bytes(),
        to,
    );
    h.take_sent();
    h.account.stop(h.now);
    h.pump();
    let sent = h.take_sent();
    let unsubscribe = sent
        .iter()
        .find(|(_, m)| m.method() == Some(&Method::Subscribe))
        .expect("an unsubscribe")
        .1
        .clone();
    assert_eq!(unsubscribe.headers().expires().unwrap(), Some(0));
    let unregister = sent
        .iter()
        .find(|(_, m)| m.method() == Some(&Method::Register))
        .expect("an unregister")
        .1
        .clone();
    h.answer(&unregister, 200, to);
    assert!(!h.events.contains(&AccountEvent::Stopped));
    h.answer(&unsubscribe, 200, to);
    h.deliver(
        notify_for(&subscribe, "srv", "terminated;reason=timeout", "")
            .replace("CSeq: 1", "CSeq: 2")
            .as_bytes(),
        to,
    );
    assert!(h.events.contains(&AccountEvent::Stopped));
}

#[test]
fn a_notify_outside_any_subscription_is_challenged_when_asked() {
    let mut c = config(&["192.0.2.1"]);
    c.challenge_invite_realm = Some("phone".into());
    c.challenge_notify = true;
    let mut h = Harness::started(c, &[]);
    h.take_sent();
    let notify = request("NOTIFY", "Event: check-sync\r\n");
    h.deliver(notify.as_bytes(), udp("192.0.2.1:5060"));
    let sent = h.take_sent();
    assert_eq!(sent[0].1.status(), Some(StatusCode::UNAUTHORIZED));
    // An unsolicited message summary is still taken without credentials.
    let mwi = request("NOTIFY", "Event: message-summary\r\n")
        .replace("NOTIFY1", "NOTIFY2")
        .replace(
            "Content-Length: 0\r\n\r\n",
            "Content-Length: 22\r\n\r\nMessages-Waiting: no\r\n",
        );
    h.deliver(mwi.as_bytes(), udp("192.0.2.1:5060"));
    assert_eq!(h.take_sent()[0].1.status(), Some(StatusCode::OK));
}

#[test]
fn delay_registration_waits_before_the_first_register() {
    let mut c = config(&["192.0.2.1"]);
    c.start_delay = Duration::from_secs(5);
    let mut h = Harness::started(c, &[]);
    assert!(h.take_sent().is_empty());
    h.advance(Duration::from_secs(4));
    assert!(h.take_sent().is_empty());
    h.advance(Duration::from_secs(1));
    let (to, _) = h.last_register();
    assert_eq!(to, udp("192.0.2.1:5060"));
}
