//! The registration against a fake registrar, in simulated time.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::auth::{Credentials, DigestServer, ServerConfig, Verdict};
use crate::header::{Contacts, HeaderKind, Via};
use crate::message::{response_to, MessageBuilder};
use crate::method::Method;
use crate::param::Param;
use crate::status::StatusCode;
use crate::test_support::origin;
use crate::uri::Host;

const INSTANCE: &str = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6";

fn config() -> RegistrationConfig {
    RegistrationConfig::default()
        .with_registrar("sip:example.com".parse().unwrap())
        .with_aor(SipUri::parse("sip:alice@example.com").unwrap())
        .with_contact(Host::Ipv4(Ipv4Addr::new(10, 0, 0, 2)), 5062)
        .with_expires(3600)
        .with_instance(INSTANCE)
        .with_user_agent("handset/1.0")
        .with_credentials(Credentials::new("alice", "secret"))
}

/// The phone's registration and the registrar's digest server, on one simulated clock.
struct Harness {
    reg: Registration,
    server: DigestServer,
    start: Instant,
    now: Instant,
    events: Vec<RegistrationEvent>,
}

impl Harness {
    fn new(config: RegistrationConfig) -> Self {
        let start = origin();
        let mut rng = StdRng::seed_from_u64(99);
        Self {
            reg: Registration::new(config, 1).unwrap(),
            server: DigestServer::from_rng(ServerConfig::new("example.com"), &mut rng, start),
            start,
            now: start,
            events: Vec::new(),
        }
    }

    fn started(config: RegistrationConfig) -> (Self, Message) {
        let mut h = Self::new(config);
        h.reg.start(h.now).unwrap();
        let first = h.one_sent();
        (h, first)
    }

    /// Everything the registration wants to send now, parsed.
    fn sent(&mut self) -> Vec<Message> {
        std::iter::from_fn(|| self.reg.poll_transmit())
            .map(|b| Message::parse(&b).unwrap())
            .collect()
    }

    fn one_sent(&mut self) -> Message {
        let mut sent = self.sent();
        assert_eq!(sent.len(), 1, "expected one REGISTER");
        sent.remove(0)
    }

    /// The events since the last call.
    fn events(&mut self) -> Vec<RegistrationEvent> {
        self.events
            .extend(std::iter::from_fn(|| self.reg.poll_event()));
        std::mem::take(&mut self.events)
    }

    /// Runs the timers up to `at`, returning what was sent on the way.
    fn advance_to(&mut self, at: Instant) -> Vec<Message> {
        let mut sent = Vec::new();
        while let Some(deadline) = self.reg.poll_timeout().filter(|d| *d <= at) {
            self.now = deadline.max(self.now);
            self.reg.handle_timeout(self.now);
            sent.extend(self.sent());
            self.events
                .extend(std::iter::from_fn(|| self.reg.poll_event()));
        }
        self.now = at;
        sent
    }

    fn advance(&mut self, by: Duration) -> Vec<Message> {
        self.advance_to(self.now + by)
    }

    fn respond(&mut self, response: MessageBuilder) {
        let response = response.build().unwrap();
        self.reg.handle_response(self.now, &response);
    }

    /// The registrar's digest verdict on `request`.
    fn verify(&mut self, request: &Message, password: &'static str) -> Verdict {
        let values = header_values(request, HeaderKind::Authorization);
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let uri = request.request_uri().unwrap().to_string();
        let digest = DigestRequest::new("REGISTER", &uri);
        self.server.verify(self.now, &digest, &values, |user| {
            (user == "alice").then_some(password)
        })
    }

    /// A 401 carrying the server's challenges for `request`.
    fn challenge(&mut self, request: &Message, password: &'static str) -> MessageBuilder {
        let Verdict::Challenge { challenges, .. } = self.verify(request, password) else {
            panic!("expected a challenge");
        };
        let mut b = response_to(request, StatusCode::UNAUTHORIZED, None).unwrap();
        for c in challenges {
            b.header(HeaderKind::WwwAuthenticate, c);
        }
        b
    }
}

fn header_values(message: &Message, kind: HeaderKind) -> Vec<String> {
    let headers = message.headers();
    headers
        .all(kind)
        .map(|f| f.value().unwrap().into_owned())
        .collect()
}

fn header(message: &Message, kind: HeaderKind) -> String {
    let values = header_values(message, kind);
    assert_eq!(values.len(), 1, "one {kind}");
    values[0].clone()
}

/// A 200 granting `expires` to every contact of `request`.
fn ok(request: &Message, expires: u32) -> MessageBuilder {
    let mut b = response_to(request, StatusCode::OK, None).unwrap();
    b.with_to_tag("reg1");
    if let Ok(Contacts::Addresses(contacts)) = request.headers().contacts() {
        for contact in contacts {
            let granted = contact.with_param(Param::with_value("expires", &expires.to_string()));
            b.header(HeaderKind::Contact, granted);
        }
    }
    b
}

fn cseq(message: &Message) -> u32 {
    message.headers().cseq().unwrap().seq
}

fn only_contact(message: &Message) -> crate::header::NameAddr {
    let Contacts::Addresses(mut list) = message.headers().contacts().unwrap() else {
        panic!("expected addresses");
    };
    assert_eq!(list.len(), 1);
    list.remove(0)
}

fn local_contact() -> SipUri {
    SipUri::parse("sip:alice@10.0.0.2:5062").unwrap()
}

mod register;
mod stop;
