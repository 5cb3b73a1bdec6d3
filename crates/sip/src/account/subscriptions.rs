//! The account's own subscriptions: message waiting (RFC 3842) and its registration state
//! (RFC 3680), started once it is registered; and NOTIFYs that come without a subscription
//! (unsolicited message-waiting indications).

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use rand::RngCore;

use super::{Account, AccountEvent, ProxyMode, Transmit};
use crate::body::{ContactState, MessageSummary, RegInfo};
use crate::header::HeaderKind;
use crate::locate::{Target, TransportKind};
use crate::message::{response_to, Message, MessageBuilder};
use crate::registration::RegistrationConfig;
use crate::status::StatusCode;
use crate::subscription::{
    Subscription, SubscriptionConfig, SubscriptionEvent, SubscriptionStatus,
};
use crate::uri::{Host, Uri};

/// An event package the account subscribes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    /// `message-summary`: voicemail waiting.
    MessageSummary,
    /// `reg`: the registrar's view of the account's bindings.
    Reg,
}

impl Package {
    /// The Event header token.
    pub fn token(self) -> &'static str {
        match self {
            Self::MessageSummary => "message-summary",
            Self::Reg => "reg",
        }
    }
}

/// The subscriptions of one account.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    active: Vec<(Package, Subscription)>,
}

impl Subscriptions {
    pub(crate) fn is_empty(&self) -> bool {
        self.active.is_empty()
    }

    /// Whether every subscription has ended (after a stop).
    pub(crate) fn all_idle(&self) -> bool {
        self.active
            .iter()
            .all(|(_, s)| s.state() == SubscriptionStatus::Idle)
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.active
            .iter()
            .filter_map(|(_, s)| s.poll_timeout())
            .min()
    }
}

impl Account {
    /// Starts the configured subscriptions once, with the registration's identity.
    pub(super) fn start_subscriptions(&mut self, now: Instant) {
        if !self.subscriptions.is_empty() {
            return;
        }
        let Some(registration) = self.registration_config() else {
            return;
        };
        let mut packages = Vec::new();
        if self.config.subscribe_mwi {
            packages.push(Package::MessageSummary);
        }
        if self.config.subscribe_reg {
            packages.push(Package::Reg);
        }
        for package in packages {
            let config = self.subscription_config(package, &registration);
            match Subscription::new(config, self.rng.next_u64()) {
                Ok(mut subscription) => {
                    if let Err(e) = subscription.start(now) {
                        self.events.push_back(AccountEvent::SubscriptionFailed {
                            package,
                            reason: e.to_string(),
                        });
                        continue;
                    }
                    self.subscriptions.active.push((package, subscription));
                }
                Err(e) => self.events.push_back(AccountEvent::SubscriptionFailed {
                    package,
                    reason: e.to_string(),
                }),
            }
        }
        self.drain_subscriptions(now);
    }

    fn subscription_config(
        &self,
        package: Package,
        registration: &RegistrationConfig,
    ) -> SubscriptionConfig {
        let aor = registration.aor.clone();
        let base = match package {
            Package::MessageSummary => {
                let mailbox = self
                    .config
                    .voicemail_uri
                    .clone()
                    .unwrap_or_else(|| Uri::from(aor.clone()));
                SubscriptionConfig::message_summary(mailbox, aor)
            }
            Package::Reg => SubscriptionConfig::reg(aor),
        };
        base.with_contact(registration.contact_host.clone(), registration.contact_port)
            .with_transport(registration.transport.clone())
            .with_expires(self.config.subscription_expires)
            .with_retry_wait(self.config.subscription_retry_wait)
            .with_credentials(registration.credentials.clone())
            .with_route(registration.route.clone())
            .with_timers(registration.timers)
            .with_use_route_set_in_notify(self.config.use_route_set_in_notify)
            .with_user_agent(registration.user_agent.clone().unwrap_or_default())
    }

    /// Unsubscribes everything.
    pub(super) fn stop_subscriptions(&mut self, now: Instant) {
        for (_, subscription) in &mut self.subscriptions.active {
            subscription.stop(now);
        }
        self.drain_subscriptions(now);
    }

    /// Forgets every subscription without unsubscribing (the server changed).
    pub(super) fn drop_subscriptions(&mut self) {
        self.subscriptions.active.clear();
    }

    pub(super) fn subscriptions_handle_timeout(&mut self, now: Instant) {
        for (_, subscription) in &mut self.subscriptions.active {
            if subscription.poll_timeout().is_some_and(|at| at <= now) {
                subscription.handle_timeout(now);
            }
        }
        self.drain_subscriptions(now);
    }

    pub(super) fn subscriptions_handle_response(&mut self, now: Instant, response: &Message) {
        let mut matched = false;
        for (_, subscription) in &mut self.subscriptions.active {
            if subscription.matches_response(response) {
                subscription.handle_response(now, response);
                matched = true;
            }
        }
        if matched {
            self.drain_subscriptions(now);
        }
    }

    /// The response to a NOTIFY, when one of the subscriptions claims it or it is an
    /// unsolicited message-waiting indication; `None` to pass it up.
    pub(super) fn answer_notify(
        &mut self,
        now: Instant,
        notify: &Message,
    ) -> Option<MessageBuilder> {
        let mut answer = None;
        for (_, subscription) in &mut self.subscriptions.active {
            if let Some(response) = subscription.handle_request(now, notify) {
                answer = Some(response);
                break;
            }
        }
        if answer.is_some() {
            self.drain_subscriptions(now);
            return answer;
        }
        let headers = notify.headers();
        let out_of_dialog = headers.to().ok().is_some_and(|to| to.tag().is_none());
        let event = headers
            .get(HeaderKind::Event)
            .and_then(|h| h.value().ok().map(|v| v.into_owned()))
            .unwrap_or_default();
        let package = event.split(';').next().unwrap_or_default().trim();
        if !(out_of_dialog && package.eq_ignore_ascii_case("message-summary")) {
            return None;
        }
        // An unsolicited indication (Asterisk and others send them without a SUBSCRIBE).
        let status = match MessageSummary::parse(notify.body()) {
            Ok(summary) => {
                self.events.push_back(AccountEvent::MessageWaiting(summary));
                StatusCode::OK
            }
            Err(_) => StatusCode::BAD_REQUEST,
        };
        response_to(notify, status, None).ok()
    }

    pub(super) fn drain_subscriptions(&mut self, now: Instant) {
        let mut outgoing = Vec::new();
        let mut events = Vec::new();
        for (package, subscription) in &mut self.subscriptions.active {
            while let Some(out) = subscription.poll_transmit() {
                outgoing.push(out);
            }
            while let Some(event) = subscription.poll_event() {
                events.push((*package, event));
            }
        }
        for out in outgoing {
            let to = match out.destination {
                Some(uri) if self.config.proxy_mode != ProxyMode::AlwaysSendTo => {
                    self.target_for(&uri)
                }
                _ => None,
            };
            match to {
                Some(to) => self.transmits.push_back(Transmit {
                    to,
                    server_name: None,
                    bytes: out.bytes,
                }),
                None => self.send_to_hop(out.bytes),
            }
        }
        for (package, event) in events {
            self.on_subscription_event(now, package, event);
        }
    }

    fn on_subscription_event(&mut self, now: Instant, package: Package, event: SubscriptionEvent) {
        match event {
            SubscriptionEvent::Notify { body, .. } => match package {
                Package::MessageSummary => match MessageSummary::parse(&body) {
                    Ok(summary) => self.events.push_back(AccountEvent::MessageWaiting(summary)),
                    Err(e) => self.events.push_back(AccountEvent::SubscriptionFailed {
                        package,
                        reason: format!("unreadable message summary: {e}"),
                    }),
                },
                Package::Reg => {
                    if let Ok(info) = RegInfo::parse(&body) {
                        let ours_ended = self.registration_ended_in(&info);
                        self.events.push_back(AccountEvent::RegistrationInfo(info));
                        if ours_ended {
                            // The registrar dropped our binding (deactivated, expired):
                            // register again at once.
                            self.start_registration(now);
                        }
                    }
                }
            },
            SubscriptionEvent::Failed { reason } => {
                self.events
                    .push_back(AccountEvent::SubscriptionFailed { package, reason });
            }
            SubscriptionEvent::Active { .. }
            | SubscriptionEvent::Pending
            | SubscriptionEvent::Terminated { .. } => {}
        }
        if matches!(self.phase, super::Phase::Stopping) {
            self.check_stopped();
        }
    }

    /// Whether the registration state document says our binding is gone.
    fn registration_ended_in(&self, info: &RegInfo) -> bool {
        let Some(config) = self.registration_config() else {
            return false;
        };
        let contact_host = config.contact_host.to_string();
        info.registrations.iter().any(|r| {
            r.contacts
                .iter()
                .any(|c| c.uri.contains(&contact_host) && c.state == ContactState::Terminated)
        })
    }

    /// Where a URI sends to: its IP and port when it names an address, else the current hop.
    fn target_for(&self, uri: &Uri) -> Option<Target> {
        let sip = uri.as_sip()?;
        let ip: IpAddr = match sip.host() {
            Host::Ipv4(v4) => IpAddr::V4(*v4),
            Host::Ipv6(v6) => IpAddr::V6(*v6),
            Host::Domain(_) => return None,
        };
        let transport = match sip.transport().as_deref().map(str::to_ascii_lowercase) {
            Some(t) if t == "tcp" => TransportKind::Tcp,
            Some(t) if t == "tls" => TransportKind::Tls,
            Some(t) if t == "udp" => TransportKind::Udp,
            _ if sip.is_secure() => TransportKind::Tls,
            _ => self.config.transport,
        };
        let port = sip.port().unwrap_or(transport.default_port());
        Some(Target {
            addr: SocketAddr::new(ip, port),
            transport,
        })
    }
}
