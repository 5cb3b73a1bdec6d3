//! Requests from the network: their server transactions, where responses go, and the
//! answers the account gives itself (OPTIONS, 405, digest challenges, over-limit 503).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use crate::locate::{Target, TransportKind};
use crate::message::{Message, MessageBuilder};
use crate::method::Method;
use crate::transaction::{
    Bytes, Delivery, Event, Kind, ResponseError, ServerTransaction, TimerConfig, TransactionKey,
    Transport,
};

/// Identifies a request handed to the account's user, to answer it with
/// [`super::Account::respond`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(pub(crate) TransactionKey);

impl RequestId {
    /// The id of `request`'s server transaction (what [`super::AccountEvent::Request`]
    /// carries for it).
    pub fn of_request(request: &Message) -> Result<Self, crate::ParseError> {
        TransactionKey::of_request(request).map(Self)
    }
}

/// One server transaction and where its responses go.
#[derive(Debug)]
struct Entry {
    tx: ServerTransaction,
    reply_to: Target,
}

/// The server transactions of one account.
#[derive(Debug)]
pub(crate) struct ServerTransactions {
    entries: HashMap<TransactionKey, Entry>,
    limit: usize,
    timers: TimerConfig,
}

/// What to do with a request that arrived.
#[derive(Debug)]
pub(crate) enum Arrival {
    /// A new request: handle it (its transaction exists now).
    New(TransactionKey),
    /// An ACK for a 2xx, or one the INVITE transaction passes up: no transaction of its own.
    Ack,
    /// A retransmission or an ACK the transaction absorbed.
    Absorbed,
    /// Too many transactions: answer statelessly.
    Overloaded,
}

impl ServerTransactions {
    /// Room for `limit` transactions.
    pub(crate) fn new(limit: usize, timers: TimerConfig) -> Self {
        Self {
            entries: HashMap::new(),
            limit,
            timers,
        }
    }

    /// Matches a request to its transaction, creating one for a new request.
    pub(crate) fn arrive(
        &mut self,
        now: Instant,
        key: TransactionKey,
        request: &Message,
        from: Target,
    ) -> Arrival {
        let is_ack = request.method() == Some(&Method::Ack);
        if let Some(entry) = self.entries.get_mut(&key) {
            let delivery = if is_ack {
                entry.tx.handle_ack(now)
            } else {
                entry.tx.handle_retransmission()
            };
            return match delivery {
                Delivery::PassUp if is_ack => Arrival::Ack,
                _ => Arrival::Absorbed,
            };
        }
        if is_ack {
            return Arrival::Ack;
        }
        if self.entries.len() >= self.limit {
            return Arrival::Overloaded;
        }
        let kind = if request.method() == Some(&Method::Invite) {
            Kind::Invite
        } else {
            Kind::NonInvite
        };
        let transport = if from.transport == TransportKind::Udp {
            Transport::Unreliable
        } else {
            Transport::Reliable
        };
        let reply_to = reply_address(request, from);
        self.entries.insert(
            key.clone(),
            Entry {
                tx: ServerTransaction::new(kind, transport, self.timers),
                reply_to,
            },
        );
        Arrival::New(key)
    }

    /// Sends `response` in transaction `key`; returns what to transmit and where.
    pub(crate) fn respond(
        &mut self,
        now: Instant,
        key: &TransactionKey,
        response: &MessageBuilder,
    ) -> Result<Vec<(Target, Bytes)>, RespondError> {
        let entry = self
            .entries
            .get_mut(key)
            .ok_or(RespondError::NoTransaction)?;
        let message = response.build().map_err(|_| RespondError::Unwritable)?;
        let status = message.status().ok_or(RespondError::Unwritable)?;
        entry
            .tx
            .send_response(now, status.as_u16(), message.shared_bytes())
            .map_err(RespondError::State)?;
        Ok(Self::drain(entry))
    }

    /// Runs the transactions' timers; forgets finished ones.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Vec<(Target, Bytes)> {
        let mut out = Vec::new();
        self.entries.retain(|_, entry| {
            if entry.tx.poll_timeout().is_some_and(|at| at <= now) {
                entry.tx.handle_timeout(now);
            }
            out.extend(Self::drain(entry));
            let mut finished = false;
            while let Some(event) = entry.tx.poll_event() {
                finished |= matches!(event, Event::Terminated | Event::Timeout);
            }
            !finished
        });
        out
    }

    /// The earliest timer.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.entries
            .values()
            .filter_map(|e| e.tx.poll_timeout())
            .min()
    }

    /// Transmissions a transaction made outside [`Self::respond`] (retransmitted responses).
    pub(crate) fn poll_transmits(&mut self, key: &TransactionKey) -> Vec<(Target, Bytes)> {
        self.entries
            .get_mut(key)
            .map(Self::drain)
            .unwrap_or_default()
    }

    /// How many transactions are open.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn drain(entry: &mut Entry) -> Vec<(Target, Bytes)> {
        let mut out = Vec::new();
        while let Some(bytes) = entry.tx.poll_transmit() {
            out.push((entry.reply_to, bytes));
        }
        out
    }
}

/// Why a response could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RespondError {
    /// The request's transaction is over (or never existed).
    #[error("no transaction for this request")]
    NoTransaction,
    /// The response does not build into a valid message.
    #[error("the response cannot be written")]
    Unwritable,
    /// The transaction cannot send this response now.
    #[error(transparent)]
    State(ResponseError),
}

/// Where responses to `request` go (RFC 3261 §18.2.2, RFC 3581 §4): back over the connection
/// for TCP/TLS; for UDP to the source address when the Via asks for `rport`, else to the
/// source IP at the Via's port.
pub(crate) fn reply_address(request: &Message, from: Target) -> Target {
    if from.transport != TransportKind::Udp {
        return from;
    }
    let Ok(via) = request.headers().top_via() else {
        return from;
    };
    if via.has_rport() {
        return from;
    }
    let port = via.port().unwrap_or(5060);
    Target {
        addr: SocketAddr::new(from.addr.ip(), port),
        transport: from.transport,
    }
}

/// The `Allow` value for `methods`.
pub(crate) fn allow_value(methods: &[Method]) -> String {
    methods
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds a To tag when the request had none (a response that creates no dialog still needs
/// one, RFC 3261 §8.2.6.2).
pub(crate) fn tag_if_missing(request: &Message, response: &mut MessageBuilder, tag: &str) {
    let has_tag = request
        .headers()
        .to()
        .ok()
        .is_some_and(|to| to.tag().is_some());
    if !has_tag {
        response.with_to_tag(tag);
    }
}
