//! Requests the peer sends in the call: ACK, CANCEL, BYE, re-INVITE and UPDATE (hold and
//! resume from their side, or a new address), INFO with DTMF, OPTIONS.

use std::time::Instant;

use handset_sdp::{Direction as SdpDirection, Negotiated};
use handset_sip::account::RequestId;
use handset_sip::dialog::DialogError;
use handset_sip::header::HeaderKind;
use handset_sip::message::response_to;
use handset_sip::{Message, Method, StatusCode};

use super::messages::sdp_of;
use super::{
    Call, CallEvent, CallOutput, CallState, Direction, EndReason, SipCommand, UnacknowledgedOk,
};

impl Call {
    /// A request in this call (see [`Call::owns`]); `id` answers it.
    pub fn handle_request(&mut self, now: Instant, id: RequestId, request: &Message) {
        let Some(method) = request.method().cloned() else {
            return;
        };
        match method {
            Method::Ack => return self.on_ack(request),
            Method::Cancel => return self.on_cancel(id, request),
            _ => {}
        }
        if self.state == CallState::Ended {
            return self.reply(id, request, 481);
        }
        if self.direction == Direction::Incoming && self.state == CallState::Ringing {
            // Only CANCEL (and PRACK, which we never ask for) may come before we answer.
            if method != Method::Bye {
                return self.reply(id, request, 481);
            }
        }
        if let Some(dialog) = self.dialog.as_mut() {
            match dialog.handle_request(request) {
                Ok(()) => {}
                Err(DialogError::Retransmission { .. }) => return,
                Err(DialogError::OutOfOrder { .. }) => return self.reply(id, request, 500),
                Err(_) => return self.reply(id, request, 481),
            }
        }
        self.update_route();
        match method {
            Method::Bye => {
                self.reply(id, request, 200);
                if self.state == CallState::Ringing {
                    self.respond_to_invite(487, None, None);
                }
                self.end(EndReason::RemoteHangup);
            }
            Method::Invite | Method::Update => self.on_offer(now, id, request, method),
            Method::Info => self.on_info(id, request),
            Method::Options => self.reply(id, request, 200),
            Method::Refer => self.on_refer(id, request),
            Method::Notify => self.on_notify(id, request),
            _ => self.reply(id, request, 501),
        }
    }

    /// A re-INVITE or UPDATE: answer its offer (or offer in our 2xx when it has none).
    fn on_offer(&mut self, now: Instant, id: RequestId, request: &Message, method: Method) {
        if self.invite.is_some() || self.negotiator.has_pending_offer() {
            // RFC 3261 §14.2: an offer crossing ours.
            return self.reply(id, request, 491);
        }
        if method == Method::Invite && self.unacknowledged.is_some() {
            let Some(code) = StatusCode::new(500) else {
                return;
            };
            if let Ok(mut response) = response_to(request, code, None) {
                response.header(HeaderKind::RetryAfter, 1);
                self.outputs
                    .push_back(CallOutput::Sip(SipCommand::Respond { id, response }));
            }
            return;
        }
        let Ok(offer) = sdp_of(request) else {
            return self.reply(id, request, 400);
        };
        let sdp = match offer {
            Some(offer) => {
                let mut keys = self.keys();
                match self.negotiator.answer(&offer, &mut keys) {
                    Ok((answer, negotiated)) => {
                        self.note_remote_hold(&negotiated);
                        self.apply_media(negotiated);
                        answer
                    }
                    Err(_) => return self.reply(id, request, 488),
                }
            }
            None if method == Method::Invite => {
                let mut keys = self.keys();
                match self.negotiator.create_offer(&mut keys) {
                    Ok(offer) => offer,
                    Err(_) => return self.reply(id, request, 488),
                }
            }
            None => return self.reply(id, request, 200),
        };
        let Ok(mut response) = response_to(request, StatusCode::OK, None) else {
            return;
        };
        response.header(
            HeaderKind::Contact,
            handset_sip::header::NameAddr::new(self.params.contact.clone()),
        );
        self.describe(&mut response, false);
        Self::with_sdp(&mut response, &sdp);
        if method == Method::Invite {
            self.unacknowledged = Some(UnacknowledgedOk::new(id.clone(), response.clone(), now));
        }
        self.outputs
            .push_back(CallOutput::Sip(SipCommand::Respond { id, response }));
    }

    /// Whether the peer's latest offer holds us, reported when it changes.
    fn note_remote_hold(&mut self, negotiated: &Negotiated) {
        let we_hold = self.negotiator.is_held();
        let held = negotiated.remote_rtp.is_none()
            || if we_hold {
                negotiated.direction == SdpDirection::Inactive
            } else {
                matches!(
                    negotiated.direction,
                    SdpDirection::RecvOnly | SdpDirection::Inactive
                )
            };
        if held != self.remote_hold {
            self.remote_hold = held;
            self.outputs
                .push_back(CallOutput::Event(CallEvent::RemoteHold(held)));
        }
    }

    /// SIP INFO: DTMF as `application/dtmf-relay` (`Signal=`, `Duration=`) or
    /// `application/dtmf` (the digit alone).
    fn on_info(&mut self, id: RequestId, request: &Message) {
        let kind = request
            .headers()
            .get(HeaderKind::ContentType)
            .and_then(|h| h.value().ok().map(|v| v.trim().to_ascii_lowercase()))
            .unwrap_or_default();
        if request.body().is_empty() {
            // An empty INFO is a keep-alive probe.
            return self.reply(id, request, 200);
        }
        let text = String::from_utf8_lossy(request.body()).into_owned();
        let parsed = if kind.starts_with("application/dtmf-relay") {
            parse_dtmf_relay(&text)
        } else if kind.starts_with("application/dtmf") {
            text.trim()
                .chars()
                .next()
                .and_then(dtmf_digit)
                .map(|d| (d, 250))
        } else {
            return self.reply(id, request, 415);
        };
        match parsed {
            Some((digit, duration_ms)) => {
                self.reply(id, request, 200);
                self.outputs
                    .push_back(CallOutput::Event(CallEvent::Dtmf { digit, duration_ms }));
            }
            None => self.reply(id, request, 400),
        }
    }
}

/// The digit and duration of an `application/dtmf-relay` body.
fn parse_dtmf_relay(text: &str) -> Option<(char, u32)> {
    let mut digit = None;
    let mut duration = 250;
    for line in text.lines() {
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "signal" => digit = value.trim().chars().next().and_then(dtmf_digit),
            "duration" => {
                if let Ok(ms) = value.trim().parse::<u32>() {
                    duration = ms.min(10_000);
                }
            }
            _ => {}
        }
    }
    digit.map(|d| (d, duration))
}

/// A DTMF key as SIP INFO writes it (event numbers 10 and 11 stand for `*` and `#`; 16 is
/// flash).
fn dtmf_digit(c: char) -> Option<char> {
    match c.to_ascii_uppercase() {
        d @ ('0'..='9' | '*' | '#' | 'A'..='D') => Some(d),
        '!' => Some('F'),
        _ => None,
    }
}
