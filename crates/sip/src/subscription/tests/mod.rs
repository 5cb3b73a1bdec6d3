//! The subscription against a fake notifier, in simulated time.

mod failures;
mod flow;
mod notify;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::*;
use crate::auth::Credentials;
use crate::header::{HeaderKind, NameAddr};
use crate::message::{response_to, MessageBuilder};
use crate::status::StatusCode;
use crate::test_support::origin;
use crate::uri::{Host, SipUri};

/// Where the notifier's first 2xx says it is.
const NOTIFIER: &str = "sip:vm@192.0.2.10:5060";
/// Where its NOTIFYs say it is.
const NOTIFIER_MOVED: &str = "sip:vm@192.0.2.20:5060";
const PROXY: &str = "sip:proxy.example.com;lr";

fn config() -> SubscriptionConfig {
    SubscriptionConfig::message_summary(
        "sip:alice@example.com".parse().unwrap(),
        SipUri::parse("sip:alice@example.com").unwrap(),
    )
    .with_contact(Host::Ipv4(Ipv4Addr::new(10, 0, 0, 2)), 5062)
    .with_user_agent("handset/1.0")
    .with_credentials(Credentials::new("alice", "secret"))
    .with_route(vec![NameAddr::parse(&format!("<{PROXY}>")).unwrap()])
}

/// The subscription and a simulated clock.
struct Harness {
    sub: Subscription,
    now: Instant,
    events: Vec<SubscriptionEvent>,
}

impl Harness {
    fn new(config: SubscriptionConfig) -> Self {
        Self {
            sub: Subscription::new(config, 7).unwrap(),
            now: origin(),
            events: Vec::new(),
        }
    }

    /// Started, with the first SUBSCRIBE.
    fn started(config: SubscriptionConfig) -> (Self, Message) {
        let mut h = Self::new(config);
        h.sub.start(h.now).unwrap();
        let (first, destination) = h.one_sent();
        assert_eq!(
            destination, None,
            "a new subscription goes to the default hop"
        );
        (h, first)
    }

    /// Started, answered 200 and activated by a NOTIFY: the SUBSCRIBE and the dialog's
    /// NOTIFY CSeq so far.
    fn active(config: SubscriptionConfig) -> (Self, Message) {
        let (mut h, first) = Self::started(config);
        h.respond(ok(&first, NOTIFIER, 3600));
        let response = h.notify(&notify(&first, 1, "active;expires=3600", ""));
        assert_eq!(response.status(), Some(StatusCode::OK));
        assert_eq!(h.sub.state(), SubscriptionStatus::Active);
        h.events();
        (h, first)
    }

    /// Everything the subscription wants to send now, parsed, with its destination.
    fn sent(&mut self) -> Vec<(Message, Option<String>)> {
        std::iter::from_fn(|| self.sub.poll_transmit())
            .map(|o| {
                (
                    Message::parse(&o.bytes).unwrap(),
                    o.destination.map(|d| d.to_string()),
                )
            })
            .collect()
    }

    fn one_sent(&mut self) -> (Message, Option<String>) {
        let mut sent = self.sent();
        assert_eq!(sent.len(), 1, "expected one SUBSCRIBE");
        sent.remove(0)
    }

    fn events(&mut self) -> Vec<SubscriptionEvent> {
        self.events
            .extend(std::iter::from_fn(|| self.sub.poll_event()));
        std::mem::take(&mut self.events)
    }

    /// Runs the timers up to `at`, returning what was sent on the way.
    fn advance_to(&mut self, at: Instant) -> Vec<(Message, Option<String>)> {
        let mut sent = Vec::new();
        while let Some(deadline) = self.sub.poll_timeout().filter(|d| *d <= at) {
            self.now = deadline.max(self.now);
            self.sub.handle_timeout(self.now);
            sent.extend(self.sent());
            self.events
                .extend(std::iter::from_fn(|| self.sub.poll_event()));
        }
        self.now = at;
        sent
    }

    /// Runs the timers until the first thing is sent, and returns it.
    fn next_sent(&mut self) -> (Message, Option<String>) {
        loop {
            let deadline = self.sub.poll_timeout().expect("a timer");
            let mut sent = self.advance_to(deadline);
            if !sent.is_empty() {
                assert_eq!(sent.len(), 1);
                return sent.remove(0);
            }
        }
    }

    fn advance(&mut self, by: Duration) -> Vec<(Message, Option<String>)> {
        self.advance_to(self.now + by)
    }

    fn respond(&mut self, response: MessageBuilder) {
        let response = response.build().unwrap();
        assert!(self.sub.matches_response(&response));
        self.sub.handle_response(self.now, &response);
    }

    /// Hands a NOTIFY in; it must be this subscription's.
    fn notify(&mut self, request: &Message) -> Message {
        self.sub
            .handle_request(self.now, request)
            .expect("a response")
            .build()
            .unwrap()
    }
}

fn header(message: &Message, kind: HeaderKind) -> Option<String> {
    message
        .headers()
        .get(kind)
        .map(|f| f.value().unwrap().into_owned())
}

fn to_tag(message: &Message) -> Option<String> {
    message.headers().to().unwrap().tag().map(str::to_owned)
}

/// A 2xx from the notifier at `contact`, granting `expires` (tag `n1` unless the request
/// already has one).
fn ok(request: &Message, contact: &str, expires: u32) -> MessageBuilder {
    let mut b = status(request, StatusCode::OK);
    b.header(HeaderKind::Contact, format_args!("<{contact}>"))
        .header(HeaderKind::Expires, expires);
    b
}

/// A response with `code`, tagged `n1` when the request had no To tag.
fn status(request: &Message, code: StatusCode) -> MessageBuilder {
    let mut b = response_to(request, code, None).unwrap();
    if to_tag(request).is_none() {
        b.with_to_tag("n1");
    }
    b
}

/// A NOTIFY from the notifier (tag `n1`) in the dialog of `subscribe`, with `extra` headers.
fn notify(subscribe: &Message, cseq: u32, state: &str, extra: &str) -> Message {
    notify_from("n1", subscribe, cseq, state, extra)
}

fn notify_from(tag: &str, subscribe: &Message, cseq: u32, state: &str, extra: &str) -> Message {
    let h = subscribe.headers();
    let body = "Messages-Waiting: yes\r\nVoice-Message: 2/0\r\n";
    let text = format!(
        "NOTIFY sip:alice@10.0.0.2:5062 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK{tag}{cseq}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@example.com>;tag={tag}\r\n\
         To: {}\r\n\
         Call-ID: {}\r\n\
         CSeq: {cseq} NOTIFY\r\n\
         Event: message-summary\r\n\
         Subscription-State: {state}\r\n\
         Contact: <{NOTIFIER_MOVED}>\r\n\
         {extra}\
         Content-Type: application/simple-message-summary\r\n\
         Content-Length: {}\r\n\r\n{body}",
        h.from().unwrap(),
        h.call_id().unwrap(),
        body.len()
    );
    Message::parse(text.as_bytes()).unwrap()
}
