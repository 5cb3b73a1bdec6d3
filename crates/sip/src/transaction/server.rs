//! Server transactions: INVITE (RFC 3261 §17.2.1, RFC 6026 §7.1) and non-INVITE (§17.2.2).

use std::time::{Duration, Instant};

use super::{Bytes, Delivery, Event, Kind, Outputs, Timer, TimerConfig, Transport};

/// States of a server transaction, as RFC 3261 and RFC 6026 name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    /// Non-INVITE request received, no response sent yet.
    Trying,
    /// Provisional responses may be sent (an INVITE server starts here).
    Proceeding,
    /// A final response was sent; answering retransmissions of the request with it.
    Completed,
    /// INVITE server: the ACK for a non-2xx came; absorbing its retransmissions.
    Confirmed,
    /// INVITE server: a 2xx was sent; absorbing INVITE retransmissions, passing ACKs up.
    Accepted,
    /// Over.
    Terminated,
}

/// Why a response could not be sent through the transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// A final response was already sent (only 2xx retransmissions may follow one, for INVITE).
    #[error("a {status} cannot be sent in the {state:?} state")]
    NotAllowed {
        /// The status given.
        status: u16,
        /// The transaction's state.
        state: ServerState,
    },
    /// Not a status code.
    #[error("{0} is not a response status code")]
    BadStatus(u16),
}

/// One server transaction, created when a new request arrives.
#[derive(Debug)]
pub struct ServerTransaction {
    kind: Kind,
    transport: Transport,
    config: TimerConfig,
    state: ServerState,
    last_response: Option<Bytes>,
    /// Current Timer G interval.
    interval: Duration,
    out: Outputs,
}

impl ServerTransaction {
    /// A transaction for a request that just arrived.
    pub fn new(kind: Kind, transport: Transport, config: TimerConfig) -> Self {
        Self {
            kind,
            transport,
            config,
            state: match kind {
                Kind::Invite => ServerState::Proceeding,
                Kind::NonInvite => ServerState::Trying,
            },
            last_response: None,
            interval: config.t1,
            out: Outputs::default(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ServerState {
        self.state
    }

    /// The request arrived again.
    pub fn handle_retransmission(&mut self) -> Delivery {
        match self.state {
            // "the most recent provisional response ... MUST be passed to the transport layer"
            // in Proceeding; the final response in Completed.
            ServerState::Proceeding | ServerState::Completed => self.resend_last(),
            // RFC 6026: in Accepted, retransmitted INVITEs are absorbed; the TU retransmits 2xx.
            _ => {}
        }
        Delivery::Absorbed
    }

    /// An ACK matched to this INVITE transaction arrived.
    pub fn handle_ack(&mut self, now: Instant) -> Delivery {
        match (self.kind, self.state) {
            (Kind::Invite, ServerState::Completed) => {
                self.out.timers.stop_all();
                self.state = ServerState::Confirmed;
                let wait = match self.transport {
                    Transport::Unreliable => self.config.t4,
                    Transport::Reliable => Duration::ZERO,
                };
                self.start_or_terminate(Timer::I, now, wait);
                Delivery::Absorbed
            }
            // The ACK for a 2xx belongs to the dialog.
            (Kind::Invite, ServerState::Accepted) => Delivery::PassUp,
            _ => Delivery::Absorbed,
        }
    }

    /// Sends a response the transaction user made.
    pub fn send_response(
        &mut self,
        now: Instant,
        status: u16,
        response: Bytes,
    ) -> Result<(), ResponseError> {
        if !(100..=699).contains(&status) {
            return Err(ResponseError::BadStatus(status));
        }
        let not_allowed = ResponseError::NotAllowed {
            status,
            state: self.state,
        };
        match (self.kind, self.state) {
            (_, ServerState::Trying | ServerState::Proceeding) if status < 200 => {
                self.state = ServerState::Proceeding;
                self.send(response);
            }
            (Kind::Invite, ServerState::Proceeding) if status < 300 => {
                self.send(response);
                self.state = ServerState::Accepted;
                self.out.timers.start(Timer::L, now, self.config.t1_x64());
            }
            (Kind::Invite, ServerState::Proceeding) => {
                self.send(response);
                self.state = ServerState::Completed;
                if self.transport == Transport::Unreliable {
                    self.out.timers.start(Timer::G, now, self.config.t1);
                }
                self.out.timers.start(Timer::H, now, self.config.t1_x64());
            }
            // RFC 6026: the TU's retransmissions of its 2xx go out through the Accepted state.
            (Kind::Invite, ServerState::Accepted) if (200..300).contains(&status) => {
                self.out.transmits.push_back(response);
            }
            (Kind::NonInvite, ServerState::Trying | ServerState::Proceeding) => {
                self.send(response);
                self.state = ServerState::Completed;
                let wait = match self.transport {
                    Transport::Unreliable => self.config.t1_x64(),
                    Transport::Reliable => Duration::ZERO,
                };
                self.start_or_terminate(Timer::J, now, wait);
            }
            _ => return Err(not_allowed),
        }
        Ok(())
    }

    /// The transport failed to send.
    pub fn handle_transport_error(&mut self) {
        if self.state != ServerState::Terminated {
            self.out.events.push_back(Event::TransportError);
            self.terminate();
        }
    }

    /// Fires the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(timer) = self.out.timers.pop_expired(now) {
            match timer {
                Timer::G if self.state == ServerState::Completed => {
                    self.resend_last();
                    self.interval = self.interval.saturating_mul(2).min(self.config.t2);
                    self.out.timers.start(Timer::G, now, self.interval);
                }
                Timer::H => {
                    // "the server transaction ... SHOULD inform the TU that a failure has
                    // occurred" when no ACK came.
                    self.out.events.push_back(Event::Timeout);
                    self.terminate();
                }
                Timer::I | Timer::J | Timer::L => self.terminate(),
                _ => {}
            }
        }
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.out.transmits.pop_front()
    }

    /// The next event for the transaction user.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.out.events.pop_front()
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.out.timers.next_deadline()
    }

    fn send(&mut self, response: Bytes) {
        self.out.transmits.push_back(response.clone());
        self.last_response = Some(response);
    }

    fn resend_last(&mut self) {
        if let Some(last) = &self.last_response {
            self.out.transmits.push_back(last.clone());
        }
    }

    fn start_or_terminate(&mut self, timer: Timer, now: Instant, after: Duration) {
        if self.out.wait_or_end(timer, now, after) {
            self.state = ServerState::Terminated;
        }
    }

    fn terminate(&mut self) {
        self.out.end();
        self.state = ServerState::Terminated;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::origin;
    use std::sync::Arc;

    fn bytes(s: &str) -> Bytes {
        Arc::from(s.as_bytes())
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn sent(tx: &mut ServerTransaction) -> Vec<String> {
        std::iter::from_fn(|| tx.poll_transmit())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect()
    }

    fn events(tx: &mut ServerTransaction) -> Vec<Event> {
        std::iter::from_fn(|| tx.poll_event()).collect()
    }

    #[test]
    fn invite_retransmissions_get_the_latest_provisional() {
        let t0 = origin();
        let mut tx =
            ServerTransaction::new(Kind::Invite, Transport::Unreliable, TimerConfig::default());
        assert_eq!(tx.handle_retransmission(), Delivery::Absorbed);
        assert!(sent(&mut tx).is_empty(), "nothing to repeat yet");
        tx.send_response(t0, 100, bytes("100")).unwrap();
        tx.send_response(t0, 180, bytes("180")).unwrap();
        let _ = tx.handle_retransmission();
        assert_eq!(sent(&mut tx), ["100", "180", "180"]);
    }

    #[test]
    fn lost_ack_for_a_486_means_g_retransmissions_then_timer_h() {
        let t0 = origin();
        let mut tx =
            ServerTransaction::new(Kind::Invite, Transport::Unreliable, TimerConfig::default());
        tx.send_response(t0, 486, bytes("486")).unwrap();
        let mut times = Vec::new();
        while let Some(at) = tx.poll_timeout() {
            tx.handle_timeout(at);
            if !sent(&mut tx).is_empty() {
                times.push((at - t0).as_millis());
            }
        }
        // G: 0.5, then doubling to T2 = 4 s, until H at 32 s.
        assert_eq!(
            times,
            [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
        );
        assert_eq!(events(&mut tx), [Event::Timeout, Event::Terminated]);
    }

    #[test]
    fn ack_for_a_non_2xx_confirms_and_timer_i_ends_it() {
        let t0 = origin();
        let mut tx =
            ServerTransaction::new(Kind::Invite, Transport::Unreliable, TimerConfig::default());
        tx.send_response(t0, 404, bytes("404")).unwrap();
        let _ = tx.handle_retransmission();
        assert_eq!(sent(&mut tx), ["404", "404"]);
        assert_eq!(tx.handle_ack(t0 + ms(300)), Delivery::Absorbed);
        assert_eq!(tx.state(), ServerState::Confirmed);
        assert_eq!(
            tx.handle_ack(t0 + ms(400)),
            Delivery::Absorbed,
            "ACK retransmission"
        );
        assert_eq!(
            tx.poll_timeout(),
            Some(t0 + ms(300) + Duration::from_secs(5))
        );
        tx.handle_timeout(t0 + Duration::from_secs(6));
        assert_eq!(events(&mut tx), [Event::Terminated]);
        assert!(sent(&mut tx).is_empty());
    }

    #[test]
    fn a_2xx_moves_to_accepted_which_passes_acks_up() {
        let t0 = origin();
        let mut tx =
            ServerTransaction::new(Kind::Invite, Transport::Unreliable, TimerConfig::default());
        tx.send_response(t0, 200, bytes("200")).unwrap();
        assert_eq!(tx.state(), ServerState::Accepted);
        // A retransmitted INVITE is absorbed; retransmitting the 200 is the TU's job.
        let _ = tx.handle_retransmission();
        assert_eq!(sent(&mut tx), ["200"]);
        tx.send_response(t0 + ms(500), 200, bytes("200 again"))
            .unwrap();
        assert_eq!(sent(&mut tx), ["200 again"]);
        assert_eq!(tx.handle_ack(t0 + ms(600)), Delivery::PassUp);
        assert!(tx.send_response(t0, 486, bytes("486")).is_err());
        tx.handle_timeout(t0 + Duration::from_secs(32));
        assert_eq!(events(&mut tx), [Event::Terminated]);
    }

    #[test]
    fn non_invite_answers_retransmissions_until_timer_j() {
        let t0 = origin();
        let mut tx = ServerTransaction::new(
            Kind::NonInvite,
            Transport::Unreliable,
            TimerConfig::default(),
        );
        let _ = tx.handle_retransmission();
        assert!(sent(&mut tx).is_empty());
        tx.send_response(t0, 200, bytes("200")).unwrap();
        let _ = tx.handle_retransmission();
        assert_eq!(sent(&mut tx), ["200", "200"]);
        assert!(tx.send_response(t0, 500, bytes("500")).is_err());
        assert_eq!(tx.poll_timeout(), Some(t0 + Duration::from_secs(32)));
        tx.handle_timeout(t0 + Duration::from_secs(32));
        assert_eq!(events(&mut tx), [Event::Terminated]);
    }

    #[test]
    fn reliable_transports_skip_the_wait_states() {
        let t0 = origin();
        let mut tx =
            ServerTransaction::new(Kind::NonInvite, Transport::Reliable, TimerConfig::default());
        tx.send_response(t0, 200, bytes("200")).unwrap();
        assert_eq!(tx.state(), ServerState::Terminated);
        let mut tx =
            ServerTransaction::new(Kind::Invite, Transport::Reliable, TimerConfig::default());
        tx.send_response(t0, 480, bytes("480")).unwrap();
        assert_eq!(
            tx.poll_timeout(),
            Some(t0 + Duration::from_secs(32)),
            "only H runs"
        );
        let _ = tx.handle_ack(t0 + ms(5));
        assert_eq!(tx.state(), ServerState::Terminated);
    }

    #[test]
    fn bad_statuses_are_refused() {
        let mut tx =
            ServerTransaction::new(Kind::NonInvite, Transport::Reliable, TimerConfig::default());
        assert_eq!(
            tx.send_response(origin(), 99, bytes("x")),
            Err(ResponseError::BadStatus(99))
        );
    }
}
