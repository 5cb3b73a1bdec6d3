//! One subscription to an event package (RFC 6665 subscriber): SUBSCRIBE with digest
//! authentication, the dialog its 2xx or first NOTIFY creates, refreshes before expiry,
//! NOTIFYs answered and passed up, re-subscribing when the notifier ends it, and
//! unsubscribing on stop. Message waiting (RFC 3842) and registration state (RFC 3680) are two
//! packages it serves; their bodies are read with [`crate::body`]. Sans-IO: see
//! [`Subscription`] for the call order.

mod config;
mod event;
mod notify;
mod request;
mod response;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;

pub use config::SubscriptionConfig;
pub use event::{Outgoing, SubscriptionError, SubscriptionEvent, SubscriptionStatus};

use crate::auth::{AuthorizationHeader, DigestClient, DigestRequest};
use crate::dialog::{Dialog, DialogError};
use crate::message::Message;
use crate::method::Method;
use crate::transaction::{ClientTransaction, Event, Kind, TransactionKey, Transport};
use crate::uri::Uri;
use request::{add_subscribe_headers, initial_subscribe, new_via, Ids};
use response::{status_text, Failure};

/// The subscription's own timers (the transaction runs Timers E and F).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// The subscription is due for a refresh.
    Refresh,
    /// The wait after a failure or a termination is over: subscribe again.
    Retry,
    /// A 2xx came but no NOTIFY in the time RFC 6665 §4.1.2.4 allows (Timer N).
    NotifyWait,
}

/// The SUBSCRIBE transaction in progress.
#[derive(Debug)]
struct Flight {
    tx: ClientTransaction,
    key: TransactionKey,
    request: Message,
    destination: Option<Uri>,
    /// Sent in the dialog (a refresh or the unsubscribe), not as a new subscription.
    in_dialog: bool,
    /// The Expires it asked for; 0 unsubscribes.
    expires: u32,
    /// The Authorization values it carried, to tell a wrong password from a stale nonce.
    sent: Vec<AuthorizationHeader>,
}

/// One subscription to one resource's event package.
///
/// Call order, all with the caller's clock:
/// 1. [`Subscription::start`];
/// 2. after every input, drain [`Subscription::poll_transmit`] (requests, with where to send
///    them), then [`Subscription::poll_event`];
/// 3. [`Subscription::handle_response`] for each response received
///    ([`Subscription::matches_response`] tells which are its), [`Subscription::handle_request`]
///    for each NOTIFY (it returns the response to send, or `None` when the NOTIFY is another
///    subscription's), [`Subscription::handle_timeout`] when the instant from
///    [`Subscription::poll_timeout`] has come;
/// 4. [`Subscription::stop`] to unsubscribe; wait for [`SubscriptionEvent::Terminated`]
///    before dropping it.
#[derive(Debug)]
pub struct Subscription {
    config: SubscriptionConfig,
    rng: StdRng,
    digest: DigestClient,
    ids: Ids,
    /// CSeq of the last SUBSCRIBE outside a dialog; in the dialog, the dialog counts.
    cseq: u32,
    /// Seconds to ask for, raised by a 423's Min-Expires.
    expires: u32,
    status: SubscriptionStatus,
    dialog: Option<Dialog>,
    /// The last SUBSCRIBE sent outside a dialog, for a NOTIFY that comes before its 2xx.
    initial: Option<Message>,
    /// Seconds the last 2xx granted, for a NOTIFY that gives none.
    granted: Option<u32>,
    /// A NOTIFY arrived since the last new SUBSCRIBE.
    notified: bool,
    flight: Option<Flight>,
    timer: Option<(Instant, Timer)>,
    events: VecDeque<SubscriptionEvent>,
}

impl Subscription {
    /// A subscription for `config`, drawing Call-IDs, tags, branches and cnonces from an RNG
    /// seeded with `seed`.
    pub fn new(config: SubscriptionConfig, seed: u64) -> Result<Self, SubscriptionError> {
        if config.from.user().is_none() {
            return Err(SubscriptionError::NoUser);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let ids = Ids::random(&mut rng);
        Ok(Self {
            digest: DigestClient::new(config.credentials.clone()),
            expires: config.expires,
            config,
            rng,
            ids,
            cseq: 0,
            status: SubscriptionStatus::Idle,
            dialog: None,
            initial: None,
            granted: None,
            notified: false,
            flight: None,
            timer: None,
            events: VecDeque::new(),
        })
    }

    /// Where the subscription stands.
    pub fn state(&self) -> SubscriptionStatus {
        self.status
    }

    /// The Call-ID of the current subscription attempt.
    pub fn call_id(&self) -> &str {
        &self.ids.call_id
    }

    /// The subscription's dialog, once a 2xx or NOTIFY created it.
    pub fn dialog(&self) -> Option<&Dialog> {
        self.dialog.as_ref()
    }

    /// Sends the first SUBSCRIBE. Does nothing unless [`SubscriptionStatus::Idle`].
    pub fn start(&mut self, now: Instant) -> Result<(), SubscriptionError> {
        if self.status != SubscriptionStatus::Idle {
            return Ok(());
        }
        self.expires = self.config.expires;
        self.subscribe_anew(now)
    }

    /// Unsubscribes (a SUBSCRIBE with `Expires: 0` in the dialog) when a subscription
    /// exists; [`SubscriptionEvent::Terminated`] follows its response. Without one (nothing
    /// granted yet, or waiting to retry) it just goes idle and reports nothing.
    pub fn stop(&mut self, now: Instant) {
        self.timer = None;
        self.flight = None;
        let alive = matches!(
            self.status,
            SubscriptionStatus::Subscribing
                | SubscriptionStatus::Pending
                | SubscriptionStatus::Active
        );
        if !alive || self.dialog.is_none() {
            self.go_idle();
            return;
        }
        match self.send(now, true, 0) {
            Ok(()) => self.status = SubscriptionStatus::Unsubscribing,
            Err(e) => {
                self.events.push_back(SubscriptionEvent::Failed {
                    reason: e.to_string(),
                });
                self.go_idle();
            }
        }
    }

    /// Whether `response` answers the SUBSCRIBE in progress (by transaction key), for an
    /// account that holds several subscriptions.
    pub fn matches_response(&self, response: &Message) -> bool {
        let Some(flight) = self.flight.as_ref() else {
            return false;
        };
        TransactionKey::of_response(response).is_ok_and(|key| key == flight.key)
    }

    /// A response the endpoint received. Responses of other transactions, and
    /// retransmissions, are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Message) {
        let Some(status) = response.status() else {
            return;
        };
        if !self.matches_response(response) {
            return;
        }
        let Some(flight) = self.flight.as_mut() else {
            return;
        };
        if flight.tx.handle_response(now, status.as_u16(), None)
            == crate::transaction::Delivery::Absorbed
            || status.is_provisional()
        {
            return;
        }
        let Some(flight) = self.flight.take() else {
            return;
        };
        let code = status.as_u16();
        if flight.expires == 0 && !matches!(code, 401 | 407) {
            return self.finish_unsubscribe();
        }
        let result = match code {
            200..=299 => self.on_success(now, response, &flight),
            401 | 407 => self.on_challenge(now, response, &flight),
            423 => self.on_too_brief(now, response, &flight),
            481 if flight.in_dialog => self.subscribe_anew(now).map_err(Into::into),
            _ => Err(Failure::Status {
                text: status_text(response),
                retry_after: response
                    .headers()
                    .retry_after()
                    .ok()
                    .flatten()
                    .map(|r| r.seconds),
            }),
        };
        if let Err(failure) = result {
            self.fail_with(now, failure);
        }
    }

    /// Runs the timers due at `now`: retransmissions, Timer F, refresh, retry and the wait
    /// for the first NOTIFY.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(flight) = self.flight.as_mut() {
            flight.tx.handle_timeout(now);
            let mut timed_out = false;
            while let Some(event) = flight.tx.poll_event() {
                timed_out |= matches!(event, Event::Timeout | Event::TransportError);
            }
            if timed_out {
                self.transaction_failed(now, "timeout");
            }
        }
        let Some((at, timer)) = self.timer else {
            return;
        };
        if at > now {
            return;
        }
        self.timer = None;
        let result = match timer {
            Timer::Refresh => self.send(now, true, self.expires),
            Timer::Retry => self.subscribe_anew(now),
            Timer::NotifyWait => return self.fail(now, "no NOTIFY".into(), None),
        };
        if let Err(e) = result {
            self.fail(now, e.to_string(), None);
        }
    }

    /// The SUBSCRIBE could not be sent (an unreachable TCP or TLS peer): the attempt fails
    /// and is retried after the wait.
    pub fn handle_transport_error(&mut self, now: Instant) {
        if self.flight.is_some() {
            self.transaction_failed(now, "transport error");
        }
    }

    /// The next request to send.
    pub fn poll_transmit(&mut self) -> Option<Outgoing> {
        let flight = self.flight.as_mut()?;
        let bytes = flight.tx.poll_transmit()?;
        Some(Outgoing {
            bytes,
            destination: flight.destination.clone(),
        })
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<SubscriptionEvent> {
        self.events.pop_front()
    }

    /// When [`Subscription::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let tx = self.flight.as_ref().and_then(|f| f.tx.poll_timeout());
        let own = self.timer.map(|(at, _)| at);
        match (tx, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A new subscription from scratch: new Call-ID and tag, no dialog, SUBSCRIBE now.
    fn subscribe_anew(&mut self, now: Instant) -> Result<(), SubscriptionError> {
        self.ids = Ids::random(&mut self.rng);
        self.cseq = 0;
        self.dialog = None;
        self.initial = None;
        self.granted = None;
        self.notified = false;
        self.flight = None;
        self.timer = None;
        self.send(now, false, self.expires)?;
        self.status = SubscriptionStatus::Subscribing;
        Ok(())
    }

    /// Sends a SUBSCRIBE asking for `expires` seconds, in the dialog or as a new subscription,
    /// with the answers to the challenges known so far.
    fn send(
        &mut self,
        now: Instant,
        in_dialog: bool,
        expires: u32,
    ) -> Result<(), SubscriptionError> {
        let via = new_via(&self.config, &mut self.rng);
        let (request, destination, authorization) = if in_dialog {
            let dialog = self.dialog.as_mut().ok_or(DialogError::Terminated)?;
            let (uri, routes) = dialog.request_target();
            let authorization = self.digest.authorize(
                &DigestRequest::new("SUBSCRIBE", &uri.to_string()),
                &mut self.rng,
            )?;
            let mut b = dialog.request(Method::Subscribe, &via)?;
            add_subscribe_headers(&mut b, &self.config, expires, &authorization);
            let destination = routes.first().map_or(uri, |r| r.uri().clone());
            (b.build()?, Some(destination), authorization)
        } else {
            let uri = self.config.resource.to_string();
            let authorization = self
                .digest
                .authorize(&DigestRequest::new("SUBSCRIBE", &uri), &mut self.rng)?;
            let cseq = self.cseq.saturating_add(1);
            let request =
                initial_subscribe(&self.config, &self.ids, cseq, &via, expires, &authorization)?;
            self.cseq = cseq;
            self.initial = Some(request.clone());
            (request, None, authorization)
        };
        let key = TransactionKey::of_sent_request(&request)?;
        let transport = if self.config.transport.is_reliable() {
            Transport::Reliable
        } else {
            Transport::Unreliable
        };
        let tx = ClientTransaction::new(
            now,
            Kind::NonInvite,
            request.shared_bytes(),
            transport,
            self.config.timers,
        );
        self.flight = Some(Flight {
            tx,
            key,
            request,
            destination,
            in_dialog,
            expires,
            sent: authorization,
        });
        Ok(())
    }

    /// The SUBSCRIBE in progress timed out or could not be sent.
    fn transaction_failed(&mut self, now: Instant, reason: &str) {
        let unsubscribing = self.flight.take().is_some_and(|f| f.expires == 0);
        if unsubscribing {
            self.finish_unsubscribe();
        } else {
            self.fail(now, reason.into(), None);
        }
    }

    fn fail_with(&mut self, now: Instant, failure: Failure) {
        let retry_after = match &failure {
            Failure::Status { retry_after, .. } => *retry_after,
            _ => None,
        };
        self.fail(now, failure.to_string(), retry_after);
    }

    /// Reports a failure and schedules a new subscription after the wait (or Retry-After).
    fn fail(&mut self, now: Instant, reason: String, retry_after: Option<u32>) {
        self.events.push_back(SubscriptionEvent::Failed { reason });
        self.wait_and_retry(now, retry_after);
    }

    /// Drops the dialog and subscribes again after `retry_after` seconds or the retry wait.
    fn wait_and_retry(&mut self, now: Instant, retry_after: Option<u32>) {
        self.flight = None;
        self.dialog = None;
        self.status = SubscriptionStatus::Waiting;
        let wait = retry_after.map_or(self.config.retry_wait, |s| {
            Duration::from_secs(u64::from(s))
        });
        self.timer = Some((now + wait, Timer::Retry));
    }

    fn finish_unsubscribe(&mut self) {
        self.events.push_back(SubscriptionEvent::Terminated {
            reason: "unsubscribed".into(),
        });
        self.go_idle();
    }

    /// Idle; the ids stay, so that a late NOTIFY of the ended subscription is still
    /// recognized and answered.
    fn go_idle(&mut self) {
        self.status = SubscriptionStatus::Idle;
        self.flight = None;
        self.timer = None;
        self.dialog = None;
    }
}

#[cfg(test)]
mod tests;
