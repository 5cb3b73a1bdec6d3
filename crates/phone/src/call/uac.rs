//! Our side of an INVITE: the call we place, CANCEL, challenges, redirects, the ACK for a
//! 2xx, and the re-INVITEs that hold and resume.

use std::time::Instant;

use handset_sip::auth::{answers_in, challenges_in, DigestRequest, Unauthorized};
use handset_sip::dialog::{cancel_for, glare_retry_delay, Dialog};
use handset_sip::header::{HeaderKind, NameAddr};
use handset_sip::locate::Target;
use handset_sip::transaction::TransactionKey;
use handset_sip::uri::Uri;
use handset_sip::{Message, MessageBuilder, Method};

use super::messages::{direct_target, random_hex, sdp_of};
use super::{
    Call, CallError, CallEvent, CallOutput, CallParams, CallState, Direction, EndReason,
    PendingInvite, SipCommand, MAX_REDIRECTS,
};

impl Call {
    /// Places a call to `request_uri` (To: `to`), sending the INVITE to `destination` when
    /// given (a direct IP call), else to the account's server.
    pub fn dial(
        params: CallParams,
        request_uri: Uri,
        to: NameAddr,
        destination: Option<Target>,
    ) -> Result<Self, CallError> {
        Self::dial_with_headers(params, request_uri, to, destination, Vec::new())
    }

    /// [`Self::dial`] with `extra` headers in the INVITE (Replaces, Referred-By).
    pub(super) fn dial_with_headers(
        params: CallParams,
        request_uri: Uri,
        to: NameAddr,
        destination: Option<Target>,
        extra: Vec<(HeaderKind, String)>,
    ) -> Result<Self, CallError> {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(params.seed ^ 1);
        let host = params.via.host.to_string();
        let call_id = format!("{}@{host}", random_hex(&mut rng, 12));
        let local_tag = random_hex(&mut rng, 6);
        let mut call = Self::new(params, Direction::Outgoing, call_id, local_tag);
        let offer = {
            let mut keys = |buffer: &mut [u8]| rand::RngCore::fill_bytes(&mut call.rng, buffer);
            call.negotiator.create_offer(&mut keys)?
        };
        let mut invite = MessageBuilder::request(Method::Invite, &request_uri);
        let via = call.new_via();
        invite
            .header(HeaderKind::Via, via)
            .header(HeaderKind::MaxForwards, 70)
            .header(
                HeaderKind::From,
                call.params.local.clone().with_tag(&call.local_tag),
            )
            .header(HeaderKind::To, to)
            .header(HeaderKind::CallId, &call.call_id)
            .header(HeaderKind::CSeq, "1 INVITE")
            .header(
                HeaderKind::Contact,
                NameAddr::new(call.params.contact.clone()),
            );
        let privacy = call.params.invite_headers.clone();
        for (kind, value) in privacy.into_iter().chain(extra) {
            invite.header(kind, value);
        }
        call.describe(&mut invite, true);
        Self::with_sdp(&mut invite, &offer);
        let request = invite.build()?;
        call.route_to = destination;
        call.send_invite(request, None)?;
        Ok(call)
    }

    /// Sends `request` (an INVITE) and remembers it as the one in flight.
    pub(super) fn send_invite(
        &mut self,
        request: Message,
        hold: Option<bool>,
    ) -> Result<(), CallError> {
        let key = TransactionKey::of_sent_request(&request)?;
        let to = self.route_to;
        self.invite = Some(PendingInvite {
            request: request.clone(),
            key,
            to,
            cancel_when_possible: false,
            cancelled: false,
            hold,
        });
        self.outputs
            .push_back(CallOutput::Sip(SipCommand::Send { request, to }));
        Ok(())
    }

    /// Hangs up our call before it is answered: CANCEL once a provisional response came
    /// (RFC 3261 §9.1), else as soon as one does.
    pub(super) fn cancel(&mut self) {
        let Some(invite) = self.invite.as_mut() else {
            return self.end(EndReason::LocalHangup);
        };
        if self.state == CallState::Calling && !invite.cancelled {
            invite.cancel_when_possible = true;
            // Tell the user now; the call is gone for them. The CANCEL follows the first
            // provisional response, and a late 2xx is acknowledged and ended with BYE.
            self.state_after_cancel();
            return;
        }
        self.send_cancel();
        self.state_after_cancel();
    }

    fn state_after_cancel(&mut self) {
        let media = self.media_started;
        self.media_started = false;
        if media {
            self.outputs
                .push_back(CallOutput::Media(super::MediaAction::Stop));
        }
        self.outputs
            .push_back(CallOutput::Event(CallEvent::Ended(EndReason::LocalHangup)));
        // Not `Ended` yet for routing: the INVITE's final response still has to be handled.
        self.state = CallState::Ended;
    }

    fn send_cancel(&mut self) {
        let Some(invite) = self.invite.as_mut() else {
            return;
        };
        if invite.cancelled {
            return;
        }
        invite.cancelled = true;
        invite.cancel_when_possible = false;
        if let Ok(cancel) = cancel_for(&invite.request) {
            let to = invite.to;
            self.outputs.push_back(CallOutput::Sip(SipCommand::Send {
                request: cancel,
                to,
            }));
        }
    }

    /// A response to our INVITE in flight.
    pub(super) fn on_invite_response(&mut self, now: Instant, response: &Message) {
        let Some(status) = response.status().map(|s| s.as_u16()) else {
            return;
        };
        let Some(invite) = self.invite.clone() else {
            return;
        };
        match status {
            100 if invite.cancel_when_possible => self.send_cancel(),
            100 => {}
            101..=199 => self.on_provisional(&invite, response),
            200..=299 => self.on_success(&invite, response),
            _ => {
                self.invite = None;
                self.on_failure(now, &invite, response, status);
            }
        }
    }

    fn on_provisional(&mut self, invite: &PendingInvite, response: &Message) {
        if invite.cancel_when_possible {
            self.send_cancel();
            return;
        }
        if invite.hold.is_some() || invite.cancelled {
            return;
        }
        let has_tag = response
            .headers()
            .to()
            .ok()
            .is_some_and(|t| t.tag().is_some());
        if has_tag && self.dialog.is_none() {
            if let Ok(dialog) = Dialog::from_uac_response(&invite.request, response) {
                self.dialog = Some(dialog);
            }
        }
        let mut early_media = false;
        if let Ok(Some(answer)) = sdp_of(response) {
            if !self.media_started {
                match self.negotiator.accept_answer(&answer) {
                    Ok(negotiated) => {
                        self.apply_media(negotiated);
                        early_media = true;
                    }
                    Err(_) => {
                        // A broken early answer: wait for the 2xx, whose answer counts.
                    }
                }
            }
        }
        if self.state == CallState::Calling || early_media {
            self.state = CallState::Alerting;
            self.outputs
                .push_back(CallOutput::Event(CallEvent::RemoteRinging { early_media }));
        }
    }

    fn on_success(&mut self, invite: &PendingInvite, response: &Message) {
        // The dialog of this 2xx (a fork may answer with another To tag than the 180).
        let same_dialog = self
            .dialog
            .as_ref()
            .is_some_and(|d| response_tag(response).as_deref() == Some(d.id().remote_tag.as_str()));
        if same_dialog {
            if let Some(dialog) = self.dialog.as_mut() {
                let _ = dialog.update_from_response(response);
            }
        } else {
            match Dialog::from_uac_response(&invite.request, response) {
                Ok(dialog) => self.dialog = Some(dialog),
                Err(_) => return,
            }
        }
        self.update_route();
        let cseq = invite.request.headers().cseq().map(|c| c.seq).unwrap_or(1);
        self.send_ack(cseq);
        let retransmission = self.invite.is_none();
        if retransmission {
            return;
        }
        self.invite = None;
        if self.state == CallState::Ended {
            // We hung up while it rang; the answer crossed our CANCEL.
            self.send_bye();
            return;
        }
        let answer = sdp_of(response);
        match invite.hold {
            None => {
                match answer {
                    Ok(Some(answer)) if self.negotiator.has_pending_offer() => {
                        match self.negotiator.accept_answer(&answer) {
                            Ok(negotiated) => self.apply_media(negotiated),
                            Err(e) => {
                                self.send_bye();
                                return self.end(EndReason::Failed(e.to_string()));
                            }
                        }
                    }
                    Ok(_) if self.media_started => {}
                    Ok(_) => {
                        self.send_bye();
                        return self.end(EndReason::Failed("the answer has no SDP".into()));
                    }
                    Err(e) => {
                        self.send_bye();
                        return self.end(EndReason::Failed(e.to_string()));
                    }
                }
                self.state = CallState::Established;
                self.outputs
                    .push_back(CallOutput::Event(CallEvent::Established));
            }
            Some(hold) => {
                let accepted = match answer {
                    Ok(Some(answer)) => self.negotiator.accept_answer(&answer).ok(),
                    _ => None,
                };
                match accepted {
                    Some(negotiated) => {
                        self.apply_media(negotiated);
                        let event = if hold {
                            CallEvent::Held
                        } else {
                            CallEvent::Resumed
                        };
                        self.outputs.push_back(CallOutput::Event(event));
                    }
                    None => {
                        self.negotiator.cancel_offer();
                        self.negotiator.set_hold(!hold);
                        self.outputs
                            .push_back(CallOutput::Event(CallEvent::HoldFailed { status: 200 }));
                    }
                }
            }
        }
    }

    fn on_failure(
        &mut self,
        now: Instant,
        invite: &PendingInvite,
        response: &Message,
        status: u16,
    ) {
        if let Some(hold) = invite.hold {
            self.negotiator.cancel_offer();
            if status == 491 {
                // RFC 3261 §14.1: try again after a random wait.
                let owner = self.direction == Direction::Outgoing;
                let delay = glare_retry_delay(owner, &mut self.rng);
                self.negotiator.set_hold(!hold);
                self.glare_retry = Some((hold, now + delay));
                return;
            }
            self.negotiator.set_hold(!hold);
            if matches!(status, 408 | 481) {
                self.send_bye();
                return self.end(EndReason::RemoteHangup);
            }
            if matches!(status, 401 | 407)
                && self.retry_with_credentials(invite, response, Some(hold))
            {
                return;
            }
            self.outputs
                .push_back(CallOutput::Event(CallEvent::HoldFailed { status }));
            return;
        }
        if self.state == CallState::Ended || invite.cancelled {
            // Our CANCEL took (487) or the call was already given up.
            return self.finish_silently();
        }
        if matches!(status, 401 | 407) && self.retry_with_credentials(invite, response, None) {
            return;
        }
        if (300..=399).contains(&status) && self.follow_redirect(invite, response) {
            return;
        }
        let reason = response.reason().unwrap_or_default().to_owned();
        self.end(EndReason::Refused { status, reason });
    }

    /// The call was already reported over; just settle the state.
    fn finish_silently(&mut self) {
        self.state = CallState::Ended;
        if let Some(dialog) = self.dialog.as_mut() {
            dialog.terminate();
        }
    }

    /// Resends the INVITE with credentials for the challenge in `response`.
    fn retry_with_credentials(
        &mut self,
        invite: &PendingInvite,
        response: &Message,
        hold: Option<bool>,
    ) -> bool {
        let Some(digest) = self.digest.as_mut() else {
            return false;
        };
        let offered = challenges_in(response);
        let sent = answers_in(&invite.request);
        let mut unauthorized = Unauthorized::new();
        for (kind, value) in &offered {
            unauthorized = unauthorized.challenge(*kind, value);
        }
        for (kind, value) in &sent {
            unauthorized = unauthorized.sent(*kind, value);
        }
        if digest.handle_challenges(&unauthorized).is_err() {
            return false;
        }
        match hold {
            None => self.resend_invite(invite, None).is_ok(),
            Some(hold) => self.reinvite(hold).is_ok(),
        }
    }

    /// Sends our initial INVITE again with the next CSeq and a new branch, with credentials
    /// for the challenges we know, to `request_uri` when redirected.
    fn resend_invite(
        &mut self,
        invite: &PendingInvite,
        request_uri: Option<&Uri>,
    ) -> Result<(), CallError> {
        let old = &invite.request;
        let uri = match request_uri {
            Some(uri) => uri.clone(),
            None => old
                .request_uri()
                .cloned()
                .ok_or_else(|| CallError::Message("the INVITE has no Request-URI".into()))?,
        };
        let cseq = old.headers().cseq()?.seq.saturating_add(1);
        let mut request = MessageBuilder::request(Method::Invite, &uri);
        let via = self.new_via();
        request.header(HeaderKind::Via, via);
        for header in old.headers().iter() {
            if matches!(
                header.kind(),
                HeaderKind::Via
                    | HeaderKind::CSeq
                    | HeaderKind::Authorization
                    | HeaderKind::ProxyAuthorization
                    | HeaderKind::ContentLength
                    | HeaderKind::ContentType
            ) {
                continue;
            }
            if let Ok(value) = header.value() {
                request.header_named(header.name(), value);
            }
        }
        request.header(HeaderKind::CSeq, format_args!("{cseq} INVITE"));
        self.authorize(&mut request, &Method::Invite, &uri)?;
        if !old.body().is_empty() {
            request.body(&super::messages::sdp_type(), old.body().to_vec());
        }
        let request = request.build()?;
        self.send_invite(request, None)
    }

    /// Adds the Authorization headers we know answers for.
    pub(super) fn authorize(
        &mut self,
        request: &mut MessageBuilder,
        method: &Method,
        uri: &Uri,
    ) -> Result<(), CallError> {
        let Some(digest) = self.digest.as_mut() else {
            return Ok(());
        };
        let method = method.to_string();
        let uri = uri.to_string();
        let answers = digest
            .authorize(&DigestRequest::new(&method, &uri), &mut self.rng)
            .map_err(|e| CallError::Message(e.to_string()))?;
        for answer in answers {
            request.header_named(answer.name(), &answer.value);
        }
        Ok(())
    }

    /// Follows a 3xx to its first Contact (at most [`MAX_REDIRECTS`] times).
    fn follow_redirect(&mut self, invite: &PendingInvite, response: &Message) -> bool {
        if self.redirects >= MAX_REDIRECTS {
            return false;
        }
        let Ok(handset_sip::header::Contacts::Addresses(contacts)) = response.headers().contacts()
        else {
            return false;
        };
        let Some(target) = contacts.first().map(|c| c.uri().clone()) else {
            return false;
        };
        self.redirects += 1;
        self.dialog = None;
        self.route_to = direct_target(&target).or(self.route_to);
        self.resend_invite(invite, Some(&target)).is_ok()
    }

    /// The ACK for the 2xx to our INVITE with CSeq `cseq`.
    fn send_ack(&mut self, cseq: u32) {
        let via = self.new_via();
        let Some(dialog) = self.dialog.as_ref() else {
            return;
        };
        let mut ack = dialog.ack(cseq, &via);
        if let Some(agent) = &self.params.user_agent {
            ack.header(HeaderKind::UserAgent, agent);
        }
        if let Ok(request) = ack.build() {
            self.outputs.push_back(CallOutput::Sip(SipCommand::SendAck {
                request,
                to: self.route_to,
            }));
        }
    }

    /// Sends a re-INVITE that holds (`true`) or resumes the peer.
    pub(super) fn reinvite(&mut self, hold: bool) -> Result<(), CallError> {
        self.negotiator.set_hold(hold);
        let offer = {
            let mut keys = self.keys();
            self.negotiator.create_offer(&mut keys)
        };
        let offer = match offer {
            Ok(offer) => offer,
            Err(e) => {
                self.negotiator.set_hold(!hold);
                return Err(e.into());
            }
        };
        let via = self.new_via();
        let Some(dialog) = self.dialog.as_mut() else {
            self.negotiator.cancel_offer();
            self.negotiator.set_hold(!hold);
            return Err(CallError::State {
                action: "re-INVITE",
                state: self.state,
            });
        };
        let mut request = dialog.request(Method::Invite, &via)?;
        let (uri, _) = dialog.request_target();
        self.describe(&mut request, true);
        self.authorize(&mut request, &Method::Invite, &uri)?;
        Self::with_sdp(&mut request, &offer);
        let request = request.build()?;
        self.send_invite(request, Some(hold))
    }

    /// A new request in the dialog with a fresh Via, our User-Agent and credentials for the
    /// challenges we know; the caller adds its headers and body and sends it.
    pub(super) fn in_dialog_request(
        &mut self,
        method: Method,
    ) -> Result<MessageBuilder, CallError> {
        let via = self.new_via();
        let Some(dialog) = self.dialog.as_mut() else {
            return Err(CallError::State {
                action: "send a request in",
                state: self.state,
            });
        };
        let mut request = dialog.request(method.clone(), &via)?;
        let (uri, _) = dialog.request_target();
        if let Some(agent) = &self.params.user_agent {
            request.header(HeaderKind::UserAgent, agent);
        }
        self.authorize(&mut request, &method, &uri)?;
        Ok(request)
    }

    /// Sends a request in the dialog (BYE, INFO, ...) with an optional body.
    pub(super) fn send_in_dialog(
        &mut self,
        method: Method,
        body: Option<(&str, &str, Vec<u8>)>,
    ) -> Result<(), CallError> {
        let mut request = self.in_dialog_request(method)?;
        if let Some((main, sub, bytes)) = body {
            request.body(&handset_sip::header::MediaType::new(main, sub), bytes);
        }
        let request = request.build()?;
        self.outputs.push_back(CallOutput::Sip(SipCommand::Send {
            request,
            to: self.route_to,
        }));
        Ok(())
    }

    /// Sends BYE (errors only mean there is no dialog to end).
    pub(super) fn send_bye(&mut self) {
        let _ = self.send_in_dialog(Method::Bye, None);
    }

    /// In-dialog requests go straight to the peer's contact when it is an IP address and no
    /// proxy stays in the route; else through the account's server.
    pub(super) fn update_route(&mut self) {
        let Some(dialog) = self.dialog.as_ref() else {
            return;
        };
        if !dialog.route_set().is_empty() {
            if self.direction == Direction::Incoming {
                self.route_to = None;
            }
            return;
        }
        if let Some(target) = direct_target(dialog.remote_target()) {
            self.route_to = Some(target);
        }
    }
}

/// The To tag of a response.
fn response_tag(response: &Message) -> Option<String> {
    response
        .headers()
        .to()
        .ok()
        .and_then(|t| t.tag().map(str::to_owned))
}
