//! SIP transactions (RFC 3261 §17, with RFC 6026's Accepted state), as sans-IO state machines.
//!
//! A transaction never looks inside a message: the endpoint parses, matches a message to its
//! transaction (by branch and method), and tells the transaction what happened; the
//! transaction says what to (re)send, when it next wants [`ClientTransaction::handle_timeout`]
//! or [`ServerTransaction::handle_timeout`] called, and what to tell the transaction user.
//!
//! Call order, for both kinds: feed inputs with `handle_*`, then drain `poll_transmit()` and
//! `poll_event()` until they return `None`, then ask `poll_timeout()` when to come back.

mod client;
mod key;
mod server;
mod timer;

pub use client::{ClientState, ClientTransaction};
pub use key::{ack_for_failure, TransactionKey};
pub use server::{ResponseError, ServerState, ServerTransaction};
pub use timer::{Timer, TimerConfig};

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use timer::TimerTable;

/// Whether the transaction is for an INVITE (which has its own state machines) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// INVITE.
    Invite,
    /// Any other method (ACK never has a transaction of its own).
    NonInvite,
}

/// Whether the transport delivers reliably (TCP, TLS) or not (UDP): unreliable transports get
/// retransmissions and longer wait states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP.
    Unreliable,
    /// TCP or TLS.
    Reliable,
}

/// Bytes of a whole message, shared so retransmissions copy nothing.
pub type Bytes = Arc<[u8]>;

/// What a transaction tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// No final response came in time (Timer B or F), or no ACK came (Timer H).
    Timeout,
    /// The transport could not send.
    TransportError,
    /// The transaction is over and can be forgotten.
    Terminated,
}

/// Whether the endpoint should hand a message it matched to this transaction up to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Delivery {
    /// Give it to the transaction user.
    PassUp,
    /// The transaction took care of it (a retransmission, or too late).
    Absorbed,
}

/// What a transaction has to say, and its timers: the part both kinds share.
#[derive(Debug, Default)]
struct Outputs {
    timers: TimerTable,
    transmits: VecDeque<Bytes>,
    events: VecDeque<Event>,
}

impl Outputs {
    /// Starts `timer`, or reports `true` when `after` is zero and the transaction ends now
    /// (the wait states that reliable transports skip).
    fn wait_or_end(&mut self, timer: Timer, now: Instant, after: Duration) -> bool {
        if after.is_zero() {
            self.end();
            true
        } else {
            self.timers.start(timer, now, after);
            false
        }
    }

    /// Stops every timer and announces the end.
    fn end(&mut self) {
        self.timers.stop_all();
        self.events.push_back(Event::Terminated);
    }
}
