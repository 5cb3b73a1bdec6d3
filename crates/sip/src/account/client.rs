//! Requests the account's user builds (calls, transfers, messages …) and sends through the
//! account: their client transactions, where they go, and the responses and failures that
//! come back.
//!
//! The user writes the whole request, Via branch included; the account only carries it. A
//! request goes to the target the user names (a dialog's remote target, a direct IP call) or
//! to the server hop, chosen once when it is sent so that retransmissions go to the same
//! place even if the account fails over meanwhile.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use super::{Account, AccountEvent, Transmit};
use crate::locate::{Target, TransportKind};
use crate::message::{Message, ParseError};
use crate::method::Method;
use crate::transaction::{
    ack_for_failure, ClientTransaction, Delivery, Event, Kind, TimerConfig, TransactionKey,
    Transport,
};

/// Most client transactions open at once: a phone has a handful of calls, each with a few
/// requests in flight; finished transactions linger at most Timer D or M (32 s).
pub(crate) const MAX_CLIENT_TRANSACTIONS: usize = 64;

/// Why an outgoing request could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// No target was given and the account knows no server address yet.
    #[error("no server address is known yet and no target was given")]
    NoDestination,
    /// The message is a response.
    #[error("only requests can be sent this way")]
    NotARequest,
    /// The request is not a well-formed SIP message.
    #[error("the request is malformed: {0}")]
    Malformed(#[from] ParseError),
    /// The top Via has no RFC 3261 branch (`z9hG4bK…`), so responses could not be matched.
    #[error("the top Via needs an RFC 3261 branch")]
    NoBranch,
    /// ACK never has a transaction of its own; send it with
    /// [`Account::send_stateless`].
    #[error("an ACK is sent without a transaction")]
    Ack,
    /// A transaction with the same branch and method is still open.
    #[error("a request with this branch and method is already in flight")]
    InFlight,
    /// Too many client transactions are open.
    #[error("too many requests are in flight (at most {limit})")]
    TooMany {
        /// The bound.
        limit: usize,
    },
}

/// Why a request sent with [`Account::send_request`] ended without a final response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFailure {
    /// No final response came before Timer B (INVITE) or Timer F (others).
    Timeout,
    /// The transport could not deliver it (see [`Account::handle_transport_error`]).
    TransportError,
}

/// Where a request and its retransmissions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Destination {
    /// The address and transport.
    pub(crate) target: Target,
    /// For TLS: the name the server's certificate must carry.
    pub(crate) server_name: Option<String>,
}

impl Destination {
    fn transmit(&self, bytes: crate::transaction::Bytes) -> Transmit {
        Transmit {
            to: self.target,
            server_name: self.server_name.clone(),
            bytes,
        }
    }
}

/// One client transaction of the user's.
#[derive(Debug)]
struct Entry {
    tx: ClientTransaction,
    to: Destination,
    /// The INVITE itself, to build the ACK for a failure response from.
    invite: Option<Message>,
}

/// The client transactions carrying the user's requests.
#[derive(Debug)]
pub(crate) struct ClientRequests {
    entries: HashMap<TransactionKey, Entry>,
    timers: TimerConfig,
}

/// Where the table puts what it has for the runtime.
pub(crate) struct Outbox<'a> {
    pub(crate) transmits: &'a mut VecDeque<Transmit>,
    pub(crate) events: &'a mut VecDeque<AccountEvent>,
}

impl ClientRequests {
    /// An empty table whose transactions run on `timers`.
    pub(crate) fn new(timers: TimerConfig) -> Self {
        Self {
            entries: HashMap::new(),
            timers,
        }
    }

    /// The key `request` would have, or why it cannot be sent in a transaction.
    pub(crate) fn check(&self, request: &Message) -> Result<TransactionKey, SendError> {
        match request.method() {
            None => return Err(SendError::NotARequest),
            Some(Method::Ack) => return Err(SendError::Ack),
            Some(_) => {}
        }
        request.validate()?;
        if !request.headers().top_via()?.has_rfc3261_branch() {
            return Err(SendError::NoBranch);
        }
        let key = TransactionKey::of_sent_request(request)?;
        if self.entries.contains_key(&key) {
            return Err(SendError::InFlight);
        }
        if self.entries.len() >= MAX_CLIENT_TRANSACTIONS {
            return Err(SendError::TooMany {
                limit: MAX_CLIENT_TRANSACTIONS,
            });
        }
        Ok(key)
    }

    /// Starts the transaction for `request` (checked with [`Self::check`]) towards `to`.
    pub(crate) fn start(
        &mut self,
        now: Instant,
        key: TransactionKey,
        request: &Message,
        to: Destination,
        out: &mut Outbox<'_>,
    ) {
        let is_invite = request.method() == Some(&Method::Invite);
        let kind = if is_invite {
            Kind::Invite
        } else {
            Kind::NonInvite
        };
        let transport = if to.target.transport == TransportKind::Udp {
            Transport::Unreliable
        } else {
            Transport::Reliable
        };
        let tx = ClientTransaction::new(now, kind, request.shared_bytes(), transport, self.timers);
        let mut entry = Entry {
            tx,
            to,
            invite: is_invite.then(|| request.clone()),
        };
        if !drain(&key, &mut entry, out) {
            self.entries.insert(key, entry);
        }
    }

    /// Gives `response` to its transaction; `false` when it belongs to none of them.
    pub(crate) fn handle_response(
        &mut self,
        now: Instant,
        response: &Message,
        out: &mut Outbox<'_>,
    ) -> bool {
        let Some(status) = response.status() else {
            return false;
        };
        let Ok(key) = TransactionKey::of_response(response) else {
            return false;
        };
        let Some(entry) = self.entries.get_mut(&key) else {
            return false;
        };
        let status = status.as_u16();
        let ack = if entry.tx.wants_ack(status) {
            // A response missing what the ACK copies cannot be acknowledged; the transaction
            // still completes and the server gives up on its own.
            entry
                .invite
                .as_ref()
                .and_then(|invite| ack_for_failure(invite, response).ok())
                .map(|ack| ack.shared_bytes())
        } else {
            None
        };
        if entry.tx.handle_response(now, status, ack) == Delivery::PassUp {
            out.events.push_back(AccountEvent::Response {
                key: key.clone(),
                response: response.clone(),
            });
        }
        if drain(&key, entry, out) {
            self.entries.remove(&key);
        }
        true
    }

    /// Fails every transaction sending to `to`.
    pub(crate) fn handle_transport_error(&mut self, to: SocketAddr, out: &mut Outbox<'_>) {
        self.entries.retain(|key, entry| {
            if entry.to.target.addr == to {
                entry.tx.handle_transport_error();
            }
            !drain(key, entry, out)
        });
    }

    /// Runs the timers due at `now`; forgets finished transactions.
    pub(crate) fn handle_timeout(&mut self, now: Instant, out: &mut Outbox<'_>) {
        self.entries.retain(|key, entry| {
            if entry.tx.poll_timeout().is_some_and(|at| at <= now) {
                entry.tx.handle_timeout(now);
            }
            !drain(key, entry, out)
        });
    }

    /// The earliest timer.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.entries
            .values()
            .filter_map(|e| e.tx.poll_timeout())
            .min()
    }

    /// Where the INVITE that a CANCEL with `key` cancels was sent: "The destination address,
    /// port, and transport for the CANCEL MUST be identical to those used to send the
    /// original request" (RFC 3261 §9.1).
    pub(crate) fn cancelled_invite_destination(&self, key: &TransactionKey) -> Option<Destination> {
        let TransactionKey::Client {
            branch,
            method: Method::Cancel,
        } = key
        else {
            return None;
        };
        let invite = TransactionKey::Client {
            branch: branch.clone(),
            method: Method::Invite,
        };
        self.entries.get(&invite).map(|e| e.to.clone())
    }

    /// How many transactions are open.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Moves what `entry`'s transaction has to send and say into `out`; `true` once it is over.
fn drain(key: &TransactionKey, entry: &mut Entry, out: &mut Outbox<'_>) -> bool {
    while let Some(bytes) = entry.tx.poll_transmit() {
        out.transmits.push_back(entry.to.transmit(bytes));
    }
    let mut over = false;
    while let Some(event) = entry.tx.poll_event() {
        let reason = match event {
            Event::Timeout => RequestFailure::Timeout,
            Event::TransportError => RequestFailure::TransportError,
            Event::Terminated => {
                over = true;
                continue;
            }
        };
        out.events.push_back(AccountEvent::RequestFailed {
            key: key.clone(),
            reason,
        });
    }
    over
}

impl Account {
    /// The local address (IP and port) the account uses towards its current server, for the
    /// Via and Contact of requests its user builds; `None` before it is known.
    pub fn local_address(&self) -> Option<SocketAddr> {
        // While a new server's address is being located the old one no longer applies.
        if self.hop.is_none() || matches!(self.phase, super::Phase::Locating) {
            return None;
        }
        self.local
    }

    /// The transport requests go over (for the Via).
    pub fn transport(&self) -> TransportKind {
        self.config.transport
    }

    /// Client transactions of the user's still open (for limits and diagnostics).
    pub fn open_client_requests(&self) -> usize {
        self.client.len()
    }

    /// Sends `request` through a new client transaction (INVITE or non-INVITE by method), to
    /// `to` when given (a direct IP call, a dialog's remote target), else to the current
    /// server hop (a CANCEL without `to` follows its INVITE). Returns the transaction key ([`TransactionKey::of_sent_request`]) that
    /// [`AccountEvent::Response`] and [`AccountEvent::RequestFailed`] carry.
    ///
    /// The request goes out as given: the user writes its Via (with a fresh RFC 3261 branch),
    /// From, To, Call-ID, CSeq, Contact and credentials.
    pub fn send_request(
        &mut self,
        now: Instant,
        request: &Message,
        to: Option<Target>,
    ) -> Result<TransactionKey, SendError> {
        let key = self.client.check(request)?;
        let destination = match to {
            None => self.client.cancelled_invite_destination(&key),
            Some(_) => None,
        }
        .or_else(|| self.destination(to))
        .ok_or(SendError::NoDestination)?;
        self.client.start(
            now,
            key.clone(),
            request,
            destination,
            &mut Outbox {
                transmits: &mut self.transmits,
                events: &mut self.events,
            },
        );
        Ok(key)
    }

    /// Sends `request` once without a transaction: the ACK for a 2xx (RFC 3261 §13.2.2.4),
    /// which the user sends again for every 2xx retransmission it is given.
    pub fn send_stateless(
        &mut self,
        request: &Message,
        to: Option<Target>,
    ) -> Result<(), SendError> {
        if !request.is_request() {
            return Err(SendError::NotARequest);
        }
        let destination = self.destination(to).ok_or(SendError::NoDestination)?;
        self.transmits
            .push_back(destination.transmit(request.shared_bytes()));
        Ok(())
    }

    /// `to`, or the current hop; a target that is the hop keeps the hop's TLS name.
    fn destination(&self, to: Option<Target>) -> Option<Destination> {
        let hop = self.hop_destination();
        match (to, hop) {
            (Some(target), Some(hop)) if hop.target == target => Some(hop),
            (Some(target), _) => Some(Destination {
                target,
                server_name: None,
            }),
            (None, hop) => hop,
        }
    }

    /// Hands a response to the user's transactions; `true` when one of them took it.
    pub(super) fn client_handle_response(&mut self, now: Instant, response: &Message) -> bool {
        self.client.handle_response(
            now,
            response,
            &mut Outbox {
                transmits: &mut self.transmits,
                events: &mut self.events,
            },
        )
    }

    /// Fails the user's transactions sending to `to`.
    pub(super) fn client_handle_transport_error(&mut self, to: SocketAddr) {
        self.client.handle_transport_error(
            to,
            &mut Outbox {
                transmits: &mut self.transmits,
                events: &mut self.events,
            },
        );
    }

    /// Runs the timers of the user's transactions.
    pub(super) fn client_handle_timeout(&mut self, now: Instant) {
        self.client.handle_timeout(
            now,
            &mut Outbox {
                transmits: &mut self.transmits,
                events: &mut self.events,
            },
        );
    }
}
