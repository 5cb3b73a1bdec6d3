//! Reliable provisional responses (RFC 3262): RSeq numbering on the answering side, RAck and
//! the discarding of repeats on the calling side.

use rand::{Rng, RngCore};

use super::DialogError;
use crate::header::{HeaderKind, RAck, MAX_CSEQ};
use crate::message::{ErrorKind, Message, ParseError};
use crate::method::Method;

/// The answering side of one INVITE: numbers its reliable provisional responses and matches
/// the PRACKs that acknowledge them (RFC 3262 §3). The caller retransmits a reliable
/// provisional until [`PrackSender::handle_prack`] reports it acknowledged.
#[derive(Debug, Clone)]
pub struct PrackSender {
    invite_cseq: u32,
    next_rseq: u32,
    pending: Option<u32>,
}

impl PrackSender {
    /// For the INVITE with CSeq number `invite_cseq`. "The value of the header field for the
    /// first reliable provisional response in a transaction MUST be between 1 and 2**31 - 1.
    /// It is RECOMMENDED that it be chosen uniformly in this range"; drawn from `rng`.
    pub fn new(invite_cseq: u32, rng: &mut impl RngCore) -> Self {
        Self {
            invite_cseq,
            next_rseq: rng.gen_range(1..=MAX_CSEQ),
            pending: None,
        }
    }

    /// The RSeq for the next reliable provisional response, now waiting for its PRACK. Fails
    /// while the previous one is unacknowledged: "the UAS MUST NOT send a second reliable
    /// provisional response until the first is acknowledged".
    pub fn send(&mut self) -> Result<u32, DialogError> {
        if let Some(rseq) = self.pending {
            return Err(DialogError::ProvisionalPending { rseq });
        }
        let rseq = self.next_rseq;
        self.next_rseq = rseq.wrapping_add(1).max(1);
        self.pending = Some(rseq);
        Ok(rseq)
    }

    /// The RSeq waiting for a PRACK, if any.
    pub fn pending(&self) -> Option<u32> {
        self.pending
    }

    /// Takes the RAck of a PRACK. `true` when it acknowledges the pending response (stop its
    /// retransmissions, answer 200); `false` otherwise: "If the PRACK does not match any
    /// unacknowledged reliable provisional response, the UAS MUST respond to the PRACK with
    /// a 481".
    pub fn handle_prack(&mut self, rack: &RAck) -> bool {
        let matches = self.pending == Some(rack.rseq)
            && rack.cseq == self.invite_cseq
            && rack.method == Method::Invite;
        if matches {
            self.pending = None;
        }
        matches
    }

    /// Forgets the pending response (its retransmissions timed out, or a final response
    /// went out).
    pub fn abandon(&mut self) {
        self.pending = None;
    }
}

/// What to do with a provisional response, on the calling side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provisional {
    /// An ordinary provisional response: process it, no PRACK.
    Unreliable,
    /// A new reliable provisional response, in order: process it and send a PRACK with this
    /// RAck.
    Acknowledge(RAck),
    /// A retransmission or one out of order: "MUST NOT be acknowledged with a PRACK, and
    /// MUST NOT be processed further by the UAC".
    Ignore,
}

/// The calling side of one early dialog: which reliable provisional responses it has seen
/// (RFC 3262 §4). Keep one per early dialog, since each answering UA numbers its own.
#[derive(Debug, Clone, Default)]
pub struct PrackReceiver {
    last_rseq: Option<u32>,
}

impl PrackReceiver {
    /// Nothing received yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The RSeq of the last in-order reliable provisional response.
    pub fn last_rseq(&self) -> Option<u32> {
        self.last_rseq
    }

    /// Classifies a provisional response to our INVITE. It is reliable when it requires
    /// `100rel`; then it must carry an RSeq, and only the first or the one "one higher than
    /// the value of the sequence number" is taken.
    pub fn handle_provisional(&mut self, response: &Message) -> Result<Provisional, DialogError> {
        let h = response.headers();
        let reliable = response
            .status()
            .is_some_and(|s| (101..=199).contains(&s.as_u16()))
            && h.require()?
                .iter()
                .any(|t| t.eq_ignore_ascii_case("100rel"));
        if !reliable {
            return Ok(Provisional::Unreliable);
        }
        let rseq = h.rseq()?.ok_or(ParseError {
            kind: ErrorKind::MissingHeader,
            offset: 0,
            header: Some(HeaderKind::RSeq),
        })?;
        let in_order = match self.last_rseq {
            None => true,
            Some(last) => last.checked_add(1) == Some(rseq),
        };
        if !in_order {
            return Ok(Provisional::Ignore);
        }
        self.last_rseq = Some(rseq);
        let cseq = h.cseq()?;
        Ok(Provisional::Acknowledge(RAck {
            rseq,
            cseq: cseq.seq,
            method: cseq.method,
        }))
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;

    fn provisional(extra: &str) -> Message {
        let text = format!(
            "SIP/2.0 183 Session Progress\r\n\
             Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n\
             To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n\
             From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
             Call-ID: a84b4c76e66710\r\n\
             CSeq: 314159 INVITE\r\n\
             Contact: <sip:bob@192.0.2.4>\r\n\
             {extra}Content-Length: 0\r\n\r\n"
        );
        Message::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn uac_acknowledges_in_order_and_ignores_repeats_and_gaps() {
        let mut rx = PrackReceiver::new();
        assert_eq!(
            rx.handle_provisional(&provisional("")).unwrap(),
            Provisional::Unreliable
        );
        let first = provisional("Require: 100rel\r\nRSeq: 988789\r\n");
        let rack = RAck {
            rseq: 988789,
            cseq: 314159,
            method: Method::Invite,
        };
        assert_eq!(
            rx.handle_provisional(&first).unwrap(),
            Provisional::Acknowledge(rack.clone())
        );
        assert_eq!(rack.to_string(), "988789 314159 INVITE");
        // The retransmission is dropped.
        assert_eq!(rx.handle_provisional(&first).unwrap(), Provisional::Ignore);
        // 988791 skips 988790: out of order.
        let gap = provisional("Require: 100rel\r\nRSeq: 988791\r\n");
        assert_eq!(rx.handle_provisional(&gap).unwrap(), Provisional::Ignore);
        let next = provisional("Require: 100rel\r\nRSeq: 988790\r\n");
        assert!(matches!(
            rx.handle_provisional(&next).unwrap(),
            Provisional::Acknowledge(RAck { rseq: 988790, .. })
        ));
        assert_eq!(rx.last_rseq(), Some(988790));
        assert!(rx
            .handle_provisional(&provisional("Require: 100rel\r\n"))
            .is_err());
    }

    #[test]
    fn uas_numbers_reliable_provisionals_one_at_a_time() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut tx = PrackSender::new(314159, &mut rng);
        let first = tx.send().unwrap();
        assert!((1..=MAX_CSEQ).contains(&first));
        assert_eq!(
            tx.send(),
            Err(DialogError::ProvisionalPending { rseq: first })
        );
        let wrong = RAck {
            rseq: first,
            cseq: 314160,
            method: Method::Invite,
        };
        assert!(!tx.handle_prack(&wrong));
        let right = RAck {
            rseq: first,
            cseq: 314159,
            method: Method::Invite,
        };
        assert!(tx.handle_prack(&right));
        assert_eq!(tx.pending(), None);
        // Acknowledged already: a second PRACK for it matches nothing (481).
        assert!(!tx.handle_prack(&right));
        assert_eq!(tx.send().unwrap(), first + 1);
        // The same seed gives the same first RSeq.
        let again = PrackSender::new(1, &mut StdRng::seed_from_u64(7))
            .send()
            .unwrap();
        assert_eq!(again, first);
    }
}
