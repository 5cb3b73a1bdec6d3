//! Keep-alives: OPTIONS to check the server is there (re-register after too many lost), and
//! NAT keep-alive packets that hold the router's mapping open.
//!
//! Both are sans-IO timers: ask `poll_timeout()`, call `handle_timeout(now)`, then drain
//! `poll_action()`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

/// What a keep-alive asks the account to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send an OPTIONS request to the server and report the outcome.
    SendOptions,
    /// Too many OPTIONS went unanswered in a row: register again.
    Reregister,
    /// Send these bytes to the server from the SIP socket (NAT keep-alive).
    SendPacket(Vec<u8>),
}

/// OPTIONS keep-alive ("Enable OPTIONS keep alive", interval, max lost).
#[derive(Debug)]
pub struct OptionsKeepAlive {
    interval: Duration,
    max_lost: u32,
    lost: u32,
    next: Option<Instant>,
    awaiting_answer: bool,
    actions: VecDeque<Action>,
}

impl OptionsKeepAlive {
    /// Starts probing every `interval`; `max_lost` unanswered probes in a row mean re-register.
    pub fn new(now: Instant, interval: Duration, max_lost: u32) -> Self {
        Self {
            interval,
            max_lost: max_lost.max(1),
            lost: 0,
            next: Some(now + interval),
            awaiting_answer: false,
            actions: VecDeque::new(),
        }
    }

    /// The server answered the last OPTIONS (any response counts: it is alive).
    pub fn handle_answer(&mut self) {
        self.awaiting_answer = false;
        self.lost = 0;
    }

    /// The last OPTIONS got no response (its transaction timed out).
    pub fn handle_lost(&mut self) {
        if !self.awaiting_answer {
            return;
        }
        self.awaiting_answer = false;
        self.lost += 1;
        if self.lost >= self.max_lost {
            self.lost = 0;
            self.actions.push_back(Action::Reregister);
        }
    }

    /// Fires the probe timer.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.next.is_some_and(|at| at <= now) {
            if !self.awaiting_answer {
                self.awaiting_answer = true;
                self.actions.push_back(Action::SendOptions);
            }
            self.next = Some(now + self.interval);
        }
    }

    /// When to call [`Self::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }

    /// The next thing to do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }
}

/// The packet a NAT keep-alive sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatPacket {
    /// A STUN Binding request (RFC 5389), which also reveals the public address.
    StunBinding,
    /// CRLF CRLF, the RFC 5626 keep-alive for stream transports.
    DoubleCrlf,
}

/// NAT keep-alive ("keep-alive interval", NAT traversal "keep alive" or "STUN").
#[derive(Debug)]
pub struct NatKeepAlive {
    interval: Duration,
    packet: NatPacket,
    next: Instant,
    rng: StdRng,
    actions: VecDeque<Action>,
}

/// The STUN magic cookie (RFC 5389 §6).
const STUN_MAGIC_COOKIE: u32 = 0x2112_A442;

impl NatKeepAlive {
    /// Sends `packet` every `interval`; `seed` drives STUN transaction ids.
    pub fn new(now: Instant, interval: Duration, packet: NatPacket, seed: u64) -> Self {
        Self {
            interval,
            packet,
            next: now + interval,
            rng: StdRng::seed_from_u64(seed),
            actions: VecDeque::new(),
        }
    }

    /// Fires the timer.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.next <= now {
            let bytes = match self.packet {
                NatPacket::DoubleCrlf => b"\r\n\r\n".to_vec(),
                NatPacket::StunBinding => self.stun_binding_request(),
            };
            self.actions.push_back(Action::SendPacket(bytes));
            self.next = now + self.interval;
        }
    }

    /// When to call [`Self::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        Some(self.next)
    }

    /// The next packet to send.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// A Binding request: type 0x0001, no attributes, the magic cookie, a random 96-bit id.
    fn stun_binding_request(&mut self) -> Vec<u8> {
        let mut packet = Vec::with_capacity(20);
        packet.extend_from_slice(&0x0001u16.to_be_bytes());
        packet.extend_from_slice(&0u16.to_be_bytes());
        packet.extend_from_slice(&STUN_MAGIC_COOKIE.to_be_bytes());
        let mut id = [0u8; 12];
        self.rng.fill_bytes(&mut id);
        packet.extend_from_slice(&id);
        packet
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::origin;

    fn actions(k: &mut OptionsKeepAlive) -> Vec<Action> {
        std::iter::from_fn(|| k.poll_action()).collect()
    }

    #[test]
    fn options_probe_every_interval_and_reregister_after_max_lost() {
        let t0 = origin();
        let every = Duration::from_secs(30);
        let mut k = OptionsKeepAlive::new(t0, every, 3);
        assert_eq!(k.poll_timeout(), Some(t0 + every));
        k.handle_timeout(t0 + every);
        assert_eq!(actions(&mut k), [Action::SendOptions]);
        k.handle_answer();
        for round in 2..=4 {
            let at = t0 + every * round;
            k.handle_timeout(at);
            assert_eq!(actions(&mut k), [Action::SendOptions]);
            k.handle_lost();
        }
        assert_eq!(actions(&mut k), [Action::Reregister]);
        // An answer in between resets the count.
        k.handle_timeout(t0 + every * 5);
        k.handle_lost();
        k.handle_timeout(t0 + every * 6);
        k.handle_answer();
        k.handle_timeout(t0 + every * 7);
        k.handle_lost();
        assert!(!actions(&mut k).contains(&Action::Reregister));
    }

    #[test]
    fn a_probe_still_out_is_not_doubled() {
        let t0 = origin();
        let every = Duration::from_secs(1);
        let mut k = OptionsKeepAlive::new(t0, every, 3);
        k.handle_timeout(t0 + every);
        k.handle_timeout(t0 + every * 2);
        assert_eq!(actions(&mut k), [Action::SendOptions]);
    }

    #[test]
    fn nat_keep_alive_sends_stun_bindings_or_crlf() {
        let t0 = origin();
        let every = Duration::from_secs(20);
        let mut k = NatKeepAlive::new(t0, every, NatPacket::StunBinding, 9);
        k.handle_timeout(t0 + every - Duration::from_millis(1));
        assert_eq!(k.poll_action(), None);
        k.handle_timeout(t0 + every);
        let Some(Action::SendPacket(first)) = k.poll_action() else {
            panic!("no packet")
        };
        assert_eq!(first.len(), 20);
        assert_eq!(&first[..8], &[0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42]);
        k.handle_timeout(t0 + every * 2);
        let Some(Action::SendPacket(second)) = k.poll_action() else {
            panic!("no packet")
        };
        assert_ne!(
            first[8..],
            second[8..],
            "each request has its own transaction id"
        );

        let mut k = NatKeepAlive::new(t0, every, NatPacket::DoubleCrlf, 9);
        k.handle_timeout(t0 + every);
        assert_eq!(
            k.poll_action(),
            Some(Action::SendPacket(b"\r\n\r\n".to_vec()))
        );
        assert_eq!(k.poll_timeout(), Some(t0 + every * 2));
    }
}
