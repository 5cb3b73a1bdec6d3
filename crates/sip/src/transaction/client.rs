//! Client transactions: INVITE (RFC 3261 §17.1.1, RFC 6026 §7.2) and non-INVITE (§17.1.2).

use std::time::{Duration, Instant};

use super::{Bytes, Delivery, Event, Kind, Outputs, Timer, TimerConfig, Transport};

/// States of a client transaction, as RFC 3261 and RFC 6026 name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    /// INVITE sent, nothing heard yet.
    Calling,
    /// Non-INVITE request sent, nothing heard yet.
    Trying,
    /// A provisional response came.
    Proceeding,
    /// A final response came; absorbing its retransmissions.
    Completed,
    /// A 2xx to the INVITE came; passing its retransmissions up (RFC 6026).
    Accepted,
    /// Over.
    Terminated,
}

/// One client transaction. Created when the request is sent; see the module docs for the call
/// order.
#[derive(Debug)]
pub struct ClientTransaction {
    kind: Kind,
    transport: Transport,
    config: TimerConfig,
    state: ClientState,
    request: Bytes,
    ack: Option<Bytes>,
    /// Current retransmission interval (Timer A or E).
    interval: Duration,
    out: Outputs,
}

impl ClientTransaction {
    /// Starts a transaction by sending `request`.
    pub fn new(
        now: Instant,
        kind: Kind,
        request: Bytes,
        transport: Transport,
        config: TimerConfig,
    ) -> Self {
        let mut tx = Self {
            kind,
            transport,
            config,
            state: match kind {
                Kind::Invite => ClientState::Calling,
                Kind::NonInvite => ClientState::Trying,
            },
            request: request.clone(),
            ack: None,
            interval: config.t1,
            out: Outputs::default(),
        };
        tx.out.transmits.push_back(request);
        let (retransmit, timeout, timeout_after) = match kind {
            Kind::Invite => (Timer::A, Timer::B, config.b()),
            Kind::NonInvite => (Timer::E, Timer::F, config.f()),
        };
        // "If an unreliable transport is being used, the client transaction MUST start timer A
        // with a value of T1" (and E likewise); B and F run on every transport.
        if transport == Transport::Unreliable {
            tx.out.timers.start(retransmit, now, config.t1);
        }
        tx.out.timers.start(timeout, now, timeout_after);
        tx
    }

    /// The current state.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// Whether a response with `status` needs an ACK from this transaction: a 300-699 to an
    /// INVITE that has not been acknowledged yet. The endpoint builds it (RFC 3261 §17.1.1.3).
    pub fn wants_ack(&self, status: u16) -> bool {
        self.kind == Kind::Invite
            && (300..=699).contains(&status)
            && matches!(self.state, ClientState::Calling | ClientState::Proceeding)
    }

    /// A response matched to this transaction came in. For a 300-699 to an INVITE pass the ACK
    /// to send (see [`Self::wants_ack`]).
    pub fn handle_response(&mut self, now: Instant, status: u16, ack: Option<Bytes>) -> Delivery {
        match (self.kind, self.state) {
            (_, ClientState::Terminated) => Delivery::Absorbed,
            (Kind::Invite, ClientState::Calling | ClientState::Proceeding) => match status {
                100..=199 => {
                    // "the client transaction SHOULD NOT retransmit the request any longer";
                    // Timer B only guards the Calling state.
                    self.out.timers.stop(Timer::A);
                    self.out.timers.stop(Timer::B);
                    self.state = ClientState::Proceeding;
                    Delivery::PassUp
                }
                200..=299 => {
                    self.out.timers.stop_all();
                    self.state = ClientState::Accepted;
                    self.out.timers.start(Timer::M, now, self.config.t1_x64());
                    Delivery::PassUp
                }
                _ => {
                    self.out.timers.stop_all();
                    self.ack = ack;
                    self.send_ack();
                    self.state = ClientState::Completed;
                    let wait = match self.transport {
                        Transport::Unreliable => self.config.timer_d,
                        Transport::Reliable => Duration::ZERO,
                    };
                    self.start_or_terminate(Timer::D, now, wait);
                    Delivery::PassUp
                }
            },
            (Kind::Invite, ClientState::Completed) => {
                // "Any retransmissions of the final response that are received while in the
                // 'Completed' state MUST cause the ACK to be re-passed to the transport layer".
                if status >= 300 {
                    self.send_ack();
                }
                Delivery::Absorbed
            }
            (Kind::Invite, ClientState::Accepted) => {
                // RFC 6026: 2xx retransmissions go to the TU, which re-sends its ACK.
                if (200..=299).contains(&status) {
                    Delivery::PassUp
                } else {
                    Delivery::Absorbed
                }
            }
            (Kind::NonInvite, ClientState::Trying | ClientState::Proceeding) => match status {
                100..=199 => {
                    self.state = ClientState::Proceeding;
                    Delivery::PassUp
                }
                _ => {
                    self.out.timers.stop_all();
                    self.state = ClientState::Completed;
                    let wait = match self.transport {
                        Transport::Unreliable => self.config.t4,
                        Transport::Reliable => Duration::ZERO,
                    };
                    self.start_or_terminate(Timer::K, now, wait);
                    Delivery::PassUp
                }
            },
            (Kind::NonInvite, _) => Delivery::Absorbed,
            (Kind::Invite, ClientState::Trying) => Delivery::Absorbed,
        }
    }

    /// The transport failed to send.
    pub fn handle_transport_error(&mut self) {
        if self.state != ClientState::Terminated {
            self.out.events.push_back(Event::TransportError);
            self.terminate();
        }
    }

    /// Fires the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(timer) = self.out.timers.pop_expired(now) {
            self.fire(timer, now);
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

    fn fire(&mut self, timer: Timer, now: Instant) {
        match timer {
            Timer::A if self.state == ClientState::Calling => {
                // "the client transaction MUST retransmit the request ... and reset the timer
                // with a value of 2*T1" (doubling each time).
                self.out.transmits.push_back(self.request.clone());
                self.interval = self.interval.saturating_mul(2);
                self.out.timers.start(Timer::A, now, self.interval);
            }
            Timer::E if matches!(self.state, ClientState::Trying | ClientState::Proceeding) => {
                self.out.transmits.push_back(self.request.clone());
                // In Trying the interval doubles up to T2; in Proceeding it is T2.
                self.interval = match self.state {
                    ClientState::Trying => self.interval.saturating_mul(2).min(self.config.t2),
                    _ => self.config.t2,
                };
                self.out.timers.start(Timer::E, now, self.interval);
            }
            Timer::B | Timer::F => {
                self.out.events.push_back(Event::Timeout);
                self.terminate();
            }
            Timer::D | Timer::K | Timer::M => self.terminate(),
            _ => {}
        }
    }

    fn send_ack(&mut self) {
        if let Some(ack) = &self.ack {
            self.out.transmits.push_back(ack.clone());
        }
    }

    fn start_or_terminate(&mut self, timer: Timer, now: Instant, after: Duration) {
        if self.out.wait_or_end(timer, now, after) {
            self.state = ClientState::Terminated;
        }
    }

    fn terminate(&mut self) {
        self.out.end();
        self.state = ClientState::Terminated;
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

    /// Runs timers until `until`, returning (offset in ms, message) for every transmit.
    fn drive(tx: &mut ClientTransaction, t0: Instant, until: Instant) -> Vec<(u128, String)> {
        let mut sent = Vec::new();
        loop {
            while let Some(b) = tx.poll_transmit() {
                sent.push((0, String::from_utf8_lossy(&b).into_owned()));
            }
            match tx.poll_timeout() {
                Some(at) if at <= until => {
                    tx.handle_timeout(at);
                    while let Some(b) = tx.poll_transmit() {
                        sent.push((
                            (at - t0).as_millis(),
                            String::from_utf8_lossy(&b).into_owned(),
                        ));
                    }
                }
                _ => return sent,
            }
        }
    }

    fn events(tx: &mut ClientTransaction) -> Vec<Event> {
        std::iter::from_fn(|| tx.poll_event()).collect()
    }

    #[test]
    fn invite_over_udp_retransmits_with_doubling_and_times_out_with_timer_b() {
        let t0 = origin();
        let mut tx = ClientTransaction::new(
            t0,
            Kind::Invite,
            bytes("INVITE"),
            Transport::Unreliable,
            TimerConfig::default(),
        );
        let sent = drive(&mut tx, t0, t0 + Duration::from_secs(40));
        let times: Vec<u128> = sent.iter().map(|(t, _)| *t).collect();
        // Sent at 0, then after 0.5, 1, 2, 4, 8, 16 s of doubling: 7 sends before B at 32 s.
        assert_eq!(times, [0, 500, 1500, 3500, 7500, 15500, 31500]);
        assert_eq!(events(&mut tx), [Event::Timeout, Event::Terminated]);
        assert_eq!(tx.state(), ClientState::Terminated);
    }

    #[test]
    fn invite_over_tcp_is_never_retransmitted() {
        let t0 = origin();
        let mut tx = ClientTransaction::new(
            t0,
            Kind::Invite,
            bytes("INVITE"),
            Transport::Reliable,
            TimerConfig::default(),
        );
        let sent = drive(&mut tx, t0, t0 + Duration::from_secs(40));
        assert_eq!(sent.len(), 1);
        assert_eq!(events(&mut tx), [Event::Timeout, Event::Terminated]);
    }

    #[test]
    fn provisional_stops_retransmission_and_timer_b() {
        let t0 = origin();
        let mut tx = ClientTransaction::new(
            t0,
            Kind::Invite,
            bytes("INVITE"),
            Transport::Unreliable,
            TimerConfig::default(),
        );
        drive(&mut tx, t0, t0 + ms(600));
        assert_eq!(
            tx.handle_response(t0 + ms(700), 180, None),
            Delivery::PassUp
        );
        assert_eq!(tx.state(), ClientState::Proceeding);
        assert_eq!(
            tx.poll_timeout(),
            None,
            "nothing runs while the callee rings"
        );
    }

    #[test]
    fn non_2xx_final_is_acked_and_retransmissions_re_ack_until_timer_d() {
        let t0 = origin();
        let config = TimerConfig::default();
        let mut tx = ClientTransaction::new(
            t0,
            Kind::Invite,
            bytes("INVITE"),
            Transport::Unreliable,
            config,
        );
        let _ = tx.poll_transmit();
        assert!(tx.wants_ack(486));
        assert_eq!(
            tx.handle_response(t0 + ms(100), 486, Some(bytes("ACK"))),
            Delivery::PassUp
        );
        assert_eq!(tx.poll_transmit().as_deref(), Some(&b"ACK"[..]));
        assert!(!tx.wants_ack(486));
        // The 486 is retransmitted because our ACK was lost: ACK again, absorbed.
        assert_eq!(
            tx.handle_response(t0 + ms(600), 486, None),
            Delivery::Absorbed
        );
        assert_eq!(tx.poll_transmit().as_deref(), Some(&b"ACK"[..]));
        assert_eq!(tx.poll_timeout(), Some(t0 + ms(100) + config.timer_d));
        tx.handle_timeout(t0 + ms(100) + config.timer_d);
        assert_eq!(events(&mut tx), [Event::Terminated]);
    }

    #[test]
    fn non_2xx_over_tcp_terminates_at_once() {
        let t0 = origin();
        let mut tx = ClientTransaction::new(
            t0,
            Kind::Invite,
            bytes("INVITE"),
            Transport::Reliable,
            TimerConfig::default(),
        );
        let _ = tx.handle_response(t0, 603, Some(bytes("ACK")));
        assert_eq!(tx.state(), ClientState::Terminated);
    }

    #[test]
    fn accepted_passes_2xx_retransmissions_up_until_timer_m() {
        let t0 = origin();
        let mut tx = ClientTransaction::new(
            t0,
            Kind::Invite,
            bytes("INVITE"),
            Transport::Unreliable,
            TimerConfig::default(),
        );
        assert_eq!(tx.handle_response(t0 + ms(50), 200, None), Delivery::PassUp);
        assert_eq!(tx.state(), ClientState::Accepted);
        // The 200 is retransmitted because the ACK was lost: the TU sees it again.
        assert_eq!(
            tx.handle_response(t0 + ms(550), 200, None),
            Delivery::PassUp
        );
        assert_eq!(
            tx.handle_response(t0 + ms(560), 486, None),
            Delivery::Absorbed
        );
        assert_eq!(
            tx.poll_timeout(),
            Some(t0 + ms(50) + Duration::from_secs(32))
        );
        tx.handle_timeout(t0 + Duration::from_secs(33));
        assert_eq!(tx.state(), ClientState::Terminated);
    }

    #[test]
    fn non_invite_retransmits_up_to_t2_and_then_at_t2() {
        let t0 = origin();
        let mut tx = ClientTransaction::new(
            t0,
            Kind::NonInvite,
            bytes("REGISTER"),
            Transport::Unreliable,
            TimerConfig::default(),
        );
        let sent = drive(&mut tx, t0, t0 + Duration::from_secs(9));
        let times: Vec<u128> = sent.iter().map(|(t, _)| *t).collect();
        assert_eq!(times, [0, 500, 1500, 3500, 7500]);
        // A 100 Trying: retransmissions continue every T2.
        let _ = tx.handle_response(t0 + Duration::from_secs(9), 100, None);
        let sent = drive(&mut tx, t0, t0 + Duration::from_secs(20));
        let times: Vec<u128> = sent.iter().map(|(t, _)| *t).collect();
        assert_eq!(times, [11500, 15500, 19500]);
    }

    #[test]
    fn non_invite_times_out_with_timer_f_and_completes_with_timer_k() {
        let t0 = origin();
        let mut tx = ClientTransaction::new(
            t0,
            Kind::NonInvite,
            bytes("OPTIONS"),
            Transport::Unreliable,
            TimerConfig::default(),
        );
        drive(&mut tx, t0, t0 + Duration::from_secs(33));
        assert_eq!(events(&mut tx), [Event::Timeout, Event::Terminated]);

        let mut tx = ClientTransaction::new(
            t0,
            Kind::NonInvite,
            bytes("OPTIONS"),
            Transport::Unreliable,
            TimerConfig::default(),
        );
        assert_eq!(tx.handle_response(t0 + ms(10), 200, None), Delivery::PassUp);
        assert_eq!(
            tx.handle_response(t0 + ms(20), 200, None),
            Delivery::Absorbed
        );
        assert_eq!(
            tx.poll_timeout(),
            Some(t0 + ms(10) + Duration::from_secs(5))
        );
        tx.handle_timeout(t0 + Duration::from_secs(6));
        assert_eq!(events(&mut tx), [Event::Terminated]);
    }

    #[test]
    fn transport_errors_end_the_transaction() {
        let t0 = origin();
        let mut tx = ClientTransaction::new(
            t0,
            Kind::NonInvite,
            bytes("MESSAGE"),
            Transport::Reliable,
            TimerConfig::default(),
        );
        tx.handle_transport_error();
        assert_eq!(events(&mut tx), [Event::TransportError, Event::Terminated]);
        assert_eq!(tx.poll_timeout(), None);
    }

    #[test]
    fn configured_timer_b_and_t1_are_used() {
        let t0 = origin();
        let config = TimerConfig {
            timer_b: Some(Duration::from_secs(4)),
            ..TimerConfig::default().with_t1(Duration::from_secs(1))
        };
        let mut tx = ClientTransaction::new(
            t0,
            Kind::Invite,
            bytes("INVITE"),
            Transport::Unreliable,
            config,
        );
        let sent = drive(&mut tx, t0, t0 + Duration::from_secs(10));
        let times: Vec<u128> = sent.iter().map(|(t, _)| *t).collect();
        assert_eq!(times, [0, 1000, 3000]);
        assert_eq!(events(&mut tx), [Event::Timeout, Event::Terminated]);
    }
}
