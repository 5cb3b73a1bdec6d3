//! One account's registration (RFC 3261 §10): REGISTER, digest authentication, refresh
//! before expiry, retry after failure, RFC 3581 contact rewriting behind NAT, and removing
//! the binding when the account stops. Sans-IO: see [`Registration`] for the call order.

mod config;
mod event;
pub(crate) mod request;

use std::collections::VecDeque;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;

pub use config::{RegistrationConfig, UnregisterMode};
pub use event::{FailureKind, RegistrationError, RegistrationEvent, RegistrationState};

use crate::auth::{
    challenges_in, AuthError, Authorization, AuthorizationHeader, DigestClient, DigestRequest,
    Unauthorized,
};
use crate::message::Message;
use crate::transaction::{
    Bytes, ClientTransaction, Delivery, Event, Kind, TransactionKey, Transport,
};
use crate::uri::SipUri;
use request::{build_register, contact_uri, granted_expires, new_branch, random_hex, Binding};

/// The registration's own timers (the transaction runs Timers E and F).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// The binding is due for a refresh: send REGISTER again.
    Refresh,
    /// The retry wait after a failure is over: try again.
    Retry,
}

/// The REGISTER transaction in progress.
#[derive(Debug)]
struct Flight {
    tx: ClientTransaction,
    key: TransactionKey,
    binding: Binding,
    /// The Authorization values it carried, to tell a wrong password from a stale nonce.
    sent: Vec<AuthorizationHeader>,
}

/// One account's REGISTER client.
///
/// Call order, all with the caller's clock:
/// 1. [`Registration::start`] once the account is configured (and after every
///    [`Registration::stop`] to register again);
/// 2. after every input, drain [`Registration::poll_transmit`] (whole REGISTER datagrams
///    to send to the registrar), then [`Registration::poll_event`];
/// 3. [`Registration::handle_response`] for each response the endpoint received (those of
///    other transactions are ignored), [`Registration::handle_timeout`] when the instant
///    from [`Registration::poll_timeout`] has come;
/// 4. [`Registration::stop`] to remove the binding per [`UnregisterMode`]; wait for
///    [`RegistrationEvent::Unregistered`] (or `Failed`) before dropping it.
#[derive(Debug)]
pub struct Registration {
    config: RegistrationConfig,
    rng: StdRng,
    digest: DigestClient,
    ids: request::CallIds,
    /// CSeq of the last REGISTER; it only ever grows (RFC 3261 §10.2).
    cseq: u32,
    /// Seconds to ask for, raised by a 423's Min-Expires.
    expires: u32,
    /// The contact we register, rewritten from the registrar's view of us (RFC 3581).
    contact: SipUri,
    state: RegistrationState,
    /// What the last [`RegistrationEvent::Registered`] said.
    reported: Option<(u32, SipUri)>,
    flight: Option<Flight>,
    timer: Option<(Instant, Timer)>,
    events: VecDeque<RegistrationEvent>,
}

impl Registration {
    /// A registration for `config`, drawing Call-ID, tags, branches and cnonces from an RNG
    /// seeded with `seed`.
    pub fn new(config: RegistrationConfig, seed: u64) -> Result<Self, RegistrationError> {
        if config.aor.user().is_none() {
            return Err(RegistrationError::NoUser);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let ids = request::CallIds {
            call_id: random_hex(&mut rng, 16),
            from_tag: random_hex(&mut rng, 8),
        };
        let contact = contact_uri(&config, config.contact_host.clone(), config.contact_port);
        Ok(Self {
            digest: DigestClient::new(config.credentials.clone()),
            expires: config.expires,
            config,
            rng,
            ids,
            cseq: 0,
            contact,
            state: RegistrationState::Idle,
            reported: None,
            flight: None,
            timer: None,
            events: VecDeque::new(),
        })
    }

    /// Where the registration stands.
    pub fn state(&self) -> RegistrationState {
        self.state
    }

    /// Whether a REGISTER transaction is in progress.
    pub fn is_in_flight(&self) -> bool {
        self.flight.is_some()
    }

    /// The Call-ID shared by every REGISTER of this registration.
    pub fn call_id(&self) -> &str {
        &self.ids.call_id
    }

    /// Sends the first REGISTER. Does nothing unless [`RegistrationState::Idle`].
    pub fn start(&mut self, now: Instant) -> Result<(), RegistrationError> {
        if self.state != RegistrationState::Idle {
            return Ok(());
        }
        let authorization = if self.config.send_auth_on_initial_register {
            self.initial_authorization()?
        } else {
            self.digest.forget();
            Vec::new()
        };
        self.send_with(now, Binding::Contact(self.expires), authorization)?;
        self.enter_registering();
        Ok(())
    }

    /// Stops: removes the binding per [`UnregisterMode`], or just goes idle with
    /// [`UnregisterMode::No`] (nothing is sent and nothing reported).
    pub fn stop(&mut self, now: Instant) {
        self.timer = None;
        self.flight = None;
        let binding = match self.config.unregister {
            _ if self.state == RegistrationState::Idle => None,
            UnregisterMode::No => None,
            UnregisterMode::All => Some(Binding::All),
            UnregisterMode::Instance => Some(Binding::Contact(0)),
        };
        let Some(binding) = binding else {
            self.go_idle();
            return;
        };
        match self.send(now, binding) {
            Ok(()) => self.state = RegistrationState::Unregistering,
            Err(e) => {
                self.events.push_back(RegistrationEvent::Failed {
                    reason: e.to_string(),
                    kind: FailureKind::Other,
                });
                self.go_idle();
            }
        }
    }

    /// A response the endpoint received. Responses to other transactions (another branch or
    /// method), and retransmissions, are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Message) {
        let Some(status) = response.status() else {
            return;
        };
        let Some(flight) = self.flight.as_mut() else {
            return;
        };
        if TransactionKey::of_response(response).ok().as_ref() != Some(&flight.key) {
            return;
        }
        if flight.tx.handle_response(now, status.as_u16(), None) == Delivery::Absorbed
            || status.is_provisional()
        {
            return;
        }
        let Some(flight) = self.flight.take() else {
            return;
        };
        let result = match status.as_u16() {
            200..=299 => self.on_success(now, response),
            401 | 407 => self.on_challenge(now, response, flight),
            423 => self.on_too_brief(now, response, flight),
            code => Err(Failure::Status(code, status_text(response))),
        };
        if let Err(failure) = result {
            let kind = match failure {
                Failure::Status(code, _) => FailureKind::Status(code),
                _ => FailureKind::Other,
            };
            self.fail(now, failure.to_string(), kind);
        }
    }

    /// Runs the timers due at `now`: retransmissions, Timer F, refresh and retry.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(flight) = self.flight.as_mut() {
            flight.tx.handle_timeout(now);
            let mut timed_out = false;
            while let Some(event) = flight.tx.poll_event() {
                timed_out |= matches!(event, Event::Timeout | Event::TransportError);
            }
            if timed_out {
                self.flight = None;
                self.fail(now, "timeout".into(), FailureKind::NoResponse);
            }
        }
        let Some((at, timer)) = self.timer else {
            return;
        };
        if at > now {
            return;
        }
        self.timer = None;
        let authorization = match self.digest_answer() {
            Ok(headers) => headers,
            Err(e) => return self.fail(now, e.to_string(), FailureKind::Other),
        };
        if let Err(e) = self.send_with(now, Binding::Contact(self.expires), authorization) {
            return self.fail(now, e.to_string(), FailureKind::Other);
        }
        if timer == Timer::Retry {
            self.enter_registering();
        }
    }

    /// The REGISTER could not be sent (an unreachable TCP or TLS peer): the attempt fails and
    /// is retried after the wait.
    pub fn handle_transport_error(&mut self, now: Instant) {
        if self.flight.take().is_some() {
            self.fail(now, "transport error".into(), FailureKind::NoResponse);
        }
    }

    /// The next REGISTER to send, whole.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.flight.as_mut()?.tx.poll_transmit()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<RegistrationEvent> {
        self.events.pop_front()
    }

    /// When [`Registration::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let tx = self.flight.as_ref().and_then(|f| f.tx.poll_timeout());
        let own = self.timer.map(|(at, _)| at);
        match (tx, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn on_success(&mut self, now: Instant, response: &Message) -> Result<(), Failure> {
        if self.state == RegistrationState::Unregistering {
            self.events.push_back(RegistrationEvent::Unregistered);
            self.go_idle();
            return Ok(());
        }
        if let Some(rewritten) = self.observed_contact(response) {
            // RFC 3581 §4: the received/rport of our Via is where the registrar reaches us.
            let from = std::mem::replace(&mut self.contact, rewritten.clone());
            self.events.push_back(RegistrationEvent::ContactRewritten {
                from,
                to: rewritten,
            });
            let authorization = self.digest_answer()?;
            return Ok(self.send_with(now, self.current_binding(), authorization)?);
        }
        let granted = granted_expires(response, &self.config, &self.contact, self.expires);
        if granted == 0 {
            return Err(Failure::NothingGranted);
        }
        self.timer = Some((now + self.config.refresh_after(granted), Timer::Refresh));
        self.state = RegistrationState::Registered;
        let now_reported = (granted, self.contact.clone());
        if self.reported.as_ref() != Some(&now_reported) {
            self.reported = Some(now_reported);
            self.events.push_back(RegistrationEvent::Registered {
                expires: granted,
                contact: self.contact.clone(),
            });
        }
        Ok(())
    }

    fn on_challenge(
        &mut self,
        now: Instant,
        response: &Message,
        flight: Flight,
    ) -> Result<(), Failure> {
        let offered = challenges_in(response);
        let mut unauthorized = Unauthorized::new();
        for (kind, value) in &offered {
            unauthorized = unauthorized.challenge(*kind, value);
        }
        // The empty-nonce Authorization of an initial REGISTER answered nothing: passing it
        // would make the first real challenge look like a refused password.
        let answers = flight
            .sent
            .iter()
            .filter(|sent| Authorization::parse(&sent.value).is_ok_and(|a| !a.nonce.is_empty()));
        for sent in answers {
            unauthorized = unauthorized.sent(sent.kind, &sent.value);
        }
        self.digest
            .handle_challenges(&unauthorized)
            .map_err(Failure::Auth)?;
        let authorization = self.digest_answer()?;
        Ok(self.send_with(now, flight.binding, authorization)?)
    }

    fn on_too_brief(
        &mut self,
        now: Instant,
        response: &Message,
        flight: Flight,
    ) -> Result<(), Failure> {
        // RFC 3261 §10.2.8: "the client MAY retry the registration with an expiration
        // interval that is greater than or equal to the one in the Min-Expires header".
        let minimum = response.headers().min_expires().ok().flatten();
        let Some(minimum) = minimum.filter(|m| *m > self.expires) else {
            return Err(Failure::Status(423, status_text(response)));
        };
        self.expires = minimum;
        let binding = match flight.binding {
            Binding::Contact(_) => Binding::Contact(minimum),
            Binding::All => Binding::All,
        };
        let authorization = self.digest_answer()?;
        Ok(self.send_with(now, binding, authorization)?)
    }

    /// The contact the registrar's view of our Via asks for, when it differs from ours.
    /// Over TCP and TLS the connection is the way back (RFC 5626): the contact keeps the
    /// listening address rather than the connection's ephemeral port.
    fn observed_contact(&self, response: &Message) -> Option<SipUri> {
        if self.config.transport.is_reliable() {
            return None;
        }
        let via = response.headers().top_via().ok()?;
        if via.received().is_none() && via.rport().is_none() {
            return None;
        }
        let host = via.received().unwrap_or_else(|| via.host().clone());
        let port = via
            .rport()
            .or(via.port())
            .unwrap_or(self.config.contact_port);
        let observed = contact_uri(&self.config, host, port);
        (observed != self.contact).then_some(observed)
    }

    fn current_binding(&self) -> Binding {
        Binding::Contact(self.expires)
    }

    /// The answers to the challenges known so far (none before the first).
    fn digest_answer(&mut self) -> Result<Vec<AuthorizationHeader>, AuthError> {
        let uri = self.config.registrar.to_string();
        self.digest
            .authorize(&DigestRequest::new("REGISTER", &uri), &mut self.rng)
    }

    /// The Authorization of the first REGISTER when the account asks for one.
    fn initial_authorization(&mut self) -> Result<Vec<AuthorizationHeader>, AuthError> {
        let known = self.digest_answer()?;
        if !known.is_empty() {
            return Ok(known);
        }
        let uri = self.config.registrar.to_string();
        let realm = self.config.aor.host().to_string();
        let header = self
            .digest
            .initial_authorization(&realm, &DigestRequest::new("REGISTER", &uri))?;
        Ok(vec![header])
    }

    fn send(&mut self, now: Instant, binding: Binding) -> Result<(), RegistrationError> {
        let authorization = self.digest_answer()?;
        self.send_with(now, binding, authorization)
    }

    /// Sends a REGISTER with the next CSeq and a new branch in a new transaction.
    fn send_with(
        &mut self,
        now: Instant,
        binding: Binding,
        authorization: Vec<AuthorizationHeader>,
    ) -> Result<(), RegistrationError> {
        let branch = new_branch(&mut self.rng);
        let cseq = self.cseq.saturating_add(1);
        let message = build_register(
            &self.config,
            &self.ids,
            cseq,
            &branch,
            &self.contact,
            &binding,
            &authorization,
        )?;
        self.cseq = cseq;
        let key = TransactionKey::of_sent_request(&message)?;
        let transport = if self.config.transport.is_reliable() {
            Transport::Reliable
        } else {
            Transport::Unreliable
        };
        let tx = ClientTransaction::new(
            now,
            Kind::NonInvite,
            message.shared_bytes(),
            transport,
            self.config.timers,
        );
        self.flight = Some(Flight {
            tx,
            key,
            binding,
            sent: authorization,
        });
        Ok(())
    }

    fn enter_registering(&mut self) {
        if self.state != RegistrationState::Registering {
            self.state = RegistrationState::Registering;
            self.reported = None;
            self.events.push_back(RegistrationEvent::Registering);
        }
    }

    /// Reports a failure and, unless stopping, schedules the retry.
    fn fail(&mut self, now: Instant, reason: String, kind: FailureKind) {
        self.flight = None;
        self.events
            .push_back(RegistrationEvent::Failed { reason, kind });
        if self.state == RegistrationState::Unregistering {
            self.go_idle();
            return;
        }
        self.state = RegistrationState::Failed;
        self.reported = None;
        self.timer = Some((now + self.config.retry_wait, Timer::Retry));
    }

    fn go_idle(&mut self) {
        self.state = RegistrationState::Idle;
        self.reported = None;
        self.flight = None;
        self.timer = None;
    }
}

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// A final response other than 2xx, 401/407 and a usable 423: its code and status line.
    #[error("{1}")]
    Status(u16, String),
    /// The registrar granted 0 seconds.
    #[error("registrar granted no lifetime")]
    NothingGranted,
    /// The challenge could not be answered, or the password was refused.
    #[error("authentication failed: {0}")]
    Auth(AuthError),
    /// The next REGISTER could not be written.
    #[error(transparent)]
    Send(#[from] RegistrationError),
}

impl From<AuthError> for Failure {
    fn from(e: AuthError) -> Self {
        Failure::Send(RegistrationError::Auth(e))
    }
}

/// `403 Forbidden`.
fn status_text(response: &Message) -> String {
    let code = response.status().map_or(0, |s| s.as_u16());
    format!("{code} {}", response.reason().unwrap_or_default())
}

#[cfg(test)]
mod tests;
