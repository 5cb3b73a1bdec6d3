//! Their side of an INVITE: the call that rings here, answering it (with the 2xx resent
//! until the ACK comes), refusing it, and the caller's CANCEL.

use std::time::Instant;

use handset_sip::account::RequestId;
use handset_sip::dialog::Dialog;
use handset_sip::header::{HeaderKind, NameAddr};
use handset_sip::locate::Target;
use handset_sip::message::response_to;
use handset_sip::{Message, Method, StatusCode};

use super::messages::{random_hex, sdp_of};
use super::{
    Call, CallError, CallEvent, CallOutput, CallParams, CallState, Direction, EndReason,
    SipCommand, UnacknowledgedOk, T2,
};

impl Call {
    /// A call for an INVITE that arrived from `from` (`id` answers it). It rings at once
    /// (180 Ringing); the owner decides to [`Self::answer`] or [`Self::reject`].
    pub fn receive(
        params: CallParams,
        id: RequestId,
        invite: Message,
        from: Target,
    ) -> Result<Self, CallError> {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(params.seed ^ 2);
        let local_tag = random_hex(&mut rng, 6);
        let call_id = invite.headers().call_id()?.to_owned();
        let contact = params.contact.clone();
        let mut call = Self::new(params, Direction::Incoming, call_id, local_tag);
        call.state = CallState::Ringing;
        let dialog = Dialog::from_uas_request(&invite, &call.local_tag, &contact)?;
        call.dialog = Some(dialog);
        call.update_route();
        if call.route_to.is_none()
            && call
                .dialog
                .as_ref()
                .is_some_and(|d| d.route_set().is_empty())
        {
            // A peer that called us directly is answered where it called from.
            call.route_to = Some(from);
        }
        let offer = sdp_of(&invite);
        call.their_invite = Some((id.clone(), invite));
        match offer {
            Ok(offer) => call.their_offer = offer,
            Err(e) => {
                call.respond_to_invite(488, None, None);
                call.state = CallState::Ended;
                return Err(e);
            }
        }
        if let Some(offer) = call.their_offer.clone() {
            // Check now that we could answer it: a call we cannot talk in should not ring.
            let mut probe = call.negotiator.clone();
            let mut keys = call.keys();
            if let Err(e) = probe.answer(&offer, &mut keys) {
                call.respond_to_invite(488, None, None);
                call.state = CallState::Ended;
                return Err(e.into());
            }
        }
        call.respond_to_invite(180, None, None);
        Ok(call)
    }

    /// Answers the call that rings here (200 OK with our SDP).
    pub fn answer(&mut self, now: Instant) -> Result<(), CallError> {
        if self.state != CallState::Ringing {
            return Err(CallError::State {
                action: "answer",
                state: self.state,
            });
        }
        let sdp = match self.their_offer.clone() {
            Some(offer) => {
                let mut keys = self.keys();
                let (answer, negotiated) = self.negotiator.answer(&offer, &mut keys)?;
                self.apply_media(negotiated);
                answer
            }
            None => {
                // A late offer: ours goes in the 200, theirs comes back in the ACK.
                let mut keys = self.keys();
                self.negotiator.create_offer(&mut keys)?
            }
        };
        if let Some(dialog) = self.dialog.as_mut() {
            dialog.confirm();
        }
        self.state = CallState::Connecting;
        self.respond_to_invite(200, Some(&sdp), Some(now));
        Ok(())
    }

    /// Refuses the call that rings here with `status` (486 Busy Here, 603 Decline, ...).
    pub fn reject(&mut self, status: u16) -> Result<(), CallError> {
        if self.state != CallState::Ringing {
            return Err(CallError::State {
                action: "reject",
                state: self.state,
            });
        }
        let status = if (300..=699).contains(&status) {
            status
        } else {
            603
        };
        self.respond_to_invite(status, None, None);
        self.end(EndReason::Rejected(status));
        Ok(())
    }

    /// Forwards the call that rings here: 302 Moved Temporarily to `target`, with the
    /// Diversion header when given (the forwarding decision builds both).
    pub fn redirect(&mut self, contact: &str, diversion: Option<&str>) -> Result<(), CallError> {
        if self.state != CallState::Ringing {
            return Err(CallError::State {
                action: "forward",
                state: self.state,
            });
        }
        let Some((id, invite)) = self.their_invite.take() else {
            return Ok(());
        };
        let moved = StatusCode::new(302).ok_or_else(|| CallError::Message("302".into()))?;
        let mut response = response_to(&invite, moved, None)?;
        response.with_to_tag(&self.local_tag);
        response.header(HeaderKind::Contact, contact);
        if let Some(diversion) = diversion {
            response.header(HeaderKind::Diversion, diversion);
        }
        self.describe(&mut response, false);
        self.outputs
            .push_back(CallOutput::Sip(SipCommand::Respond { id, response }));
        self.end(EndReason::Rejected(302));
        Ok(())
    }

    /// Gives a response to their pending INVITE (a final one takes it off the list).
    pub(super) fn respond_to_invite(
        &mut self,
        status: u16,
        sdp: Option<&handset_sdp::SessionDescription>,
        now: Option<Instant>,
    ) {
        let Some((id, invite)) = self.their_invite.clone() else {
            return;
        };
        let Some(code) = StatusCode::new(status) else {
            return;
        };
        let Ok(mut response) = response_to(&invite, code, None) else {
            return;
        };
        if status != 100 {
            response.with_to_tag(&self.local_tag);
        }
        if (101..300).contains(&status) {
            response.header(
                HeaderKind::Contact,
                NameAddr::new(self.params.contact.clone()),
            );
        }
        self.describe(&mut response, false);
        if let Some(sdp) = sdp {
            Self::with_sdp(&mut response, sdp);
        }
        if status >= 200 {
            self.their_invite = None;
        }
        if let Some(now) = now.filter(|_| (200..300).contains(&status)) {
            self.unacknowledged = Some(UnacknowledgedOk::new(id.clone(), response.clone(), now));
        }
        self.outputs
            .push_back(CallOutput::Sip(SipCommand::Respond { id, response }));
    }

    /// Resends the 2xx when due; ends the call when the ACK never came.
    pub(super) fn resend_ok(&mut self, now: Instant) {
        let Some(ok) = self.unacknowledged.as_mut() else {
            return;
        };
        if ok.give_up <= now {
            self.unacknowledged = None;
            self.send_bye();
            return self.end(EndReason::NoAck);
        }
        if ok.next <= now {
            ok.interval = (ok.interval * 2).min(T2);
            ok.next = now + ok.interval;
            let (id, response) = (ok.id.clone(), ok.response.clone());
            self.outputs
                .push_back(CallOutput::Sip(SipCommand::Respond { id, response }));
        }
    }

    /// The ACK for our 2xx (it may carry the answer to a late offer).
    pub(super) fn on_ack(&mut self, request: &Message) {
        if self.unacknowledged.take().is_none() {
            return;
        }
        if self.negotiator.has_pending_offer() {
            match sdp_of(request).ok().flatten() {
                Some(answer) => match self.negotiator.accept_answer(&answer) {
                    Ok(negotiated) => self.apply_media(negotiated),
                    Err(e) => {
                        self.send_bye();
                        return self.end(EndReason::Failed(e.to_string()));
                    }
                },
                None => {
                    self.negotiator.cancel_offer();
                    if !self.media_started {
                        self.send_bye();
                        return self.end(EndReason::Failed("the ACK has no SDP answer".into()));
                    }
                }
            }
        }
        if self.state == CallState::Connecting {
            self.state = CallState::Established;
            self.outputs
                .push_back(CallOutput::Event(CallEvent::Established));
        }
    }

    /// The caller gave up: 200 for the CANCEL, 487 for the INVITE.
    pub(super) fn on_cancel(&mut self, id: RequestId, cancel: &Message) {
        if let Ok(mut ok) = response_to(cancel, StatusCode::OK, None) {
            ok.with_to_tag(&self.local_tag);
            self.outputs
                .push_back(CallOutput::Sip(SipCommand::Respond { id, response: ok }));
        }
        if self.state == CallState::Ringing {
            self.respond_to_invite(487, None, None);
            self.end(EndReason::Cancelled);
        }
    }

    /// Answers a request in the dialog with `status` and nothing else.
    pub(super) fn reply(&mut self, id: RequestId, request: &Message, status: u16) {
        let Some(code) = StatusCode::new(status) else {
            return;
        };
        if let Ok(mut response) = response_to(request, code, None) {
            if request.method() == Some(&Method::Options) {
                self.describe(&mut response, false);
            }
            self.outputs
                .push_back(CallOutput::Sip(SipCommand::Respond { id, response }));
        }
    }
}
