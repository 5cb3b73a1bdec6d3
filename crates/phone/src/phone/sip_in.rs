//! What the accounts report: requests (a new call, or one for a call in progress),
//! responses to the calls' requests, and requests that failed.

use std::time::Instant;

use handset_sip::account::RequestId;
use handset_sip::header::HeaderKind;
use handset_sip::locate::Target;
use handset_sip::message::response_to;
use handset_sip::transaction::TransactionKey;
use handset_sip::{Message, Method, StatusCode};

use super::{CallEntry, Phone, PhoneOutput, SipCommand};
use crate::call::{Call, Direction};
use crate::call_log::{CallEnding, CallOutcome, ReceivedEnding};
use crate::events::{CallInfo, Party, PhoneEvent};
use crate::forwarding::{DiversionReason, ForwardDecision};
use crate::incoming::{decide, IncomingDecision, IncomingHeaders, LineState};

/// Where an incoming call's own To tag comes from when the phone refuses it without a call.
const REFUSAL_TAG_BYTES: usize = 6;

impl Phone {
    /// A request that arrived for `account` from `from`; `id` answers it.
    pub fn handle_request(
        &mut self,
        now: Instant,
        account: u8,
        id: RequestId,
        request: &Message,
        from: Target,
    ) {
        let owner = self
            .calls
            .iter()
            .find(|(_, e)| e.call.account() == account && e.call.owns(request))
            .map(|(handle, _)| *handle);
        if let Some(handle) = owner {
            if let Some(entry) = self.calls.get_mut(&handle) {
                entry.call.handle_request(now, id, request);
            }
            return self.pump(now, handle);
        }
        let in_dialog = request
            .headers()
            .to()
            .ok()
            .is_some_and(|to| to.tag().is_some());
        match request.method() {
            Some(Method::Ack) => {}
            Some(Method::Invite) if !in_dialog => self.new_call(now, account, id, request, from),
            Some(Method::Options) if !in_dialog => self.answer_plainly(account, id, request, 200),
            Some(Method::Message) if !in_dialog => self.answer_plainly(account, id, request, 200),
            // "Allow Unsolicited REFER" (P26023) is off by default: a REFER outside a call
            // places no call.
            Some(Method::Refer) if !in_dialog => self.answer_plainly(account, id, request, 403),
            _ => self.answer_plainly(account, id, request, 481),
        }
    }

    /// A response for one of the calls' requests.
    pub fn handle_response(
        &mut self,
        now: Instant,
        account: u8,
        key: &TransactionKey,
        response: &Message,
    ) {
        let owner = self
            .calls
            .iter()
            .find(|(_, e)| e.call.account() == account && e.call.owns(response))
            .map(|(handle, _)| *handle);
        if let Some(handle) = owner {
            if let Some(entry) = self.calls.get_mut(&handle) {
                entry.call.handle_response(now, key, response);
            }
            self.pump(now, handle);
        }
    }

    /// A request of the calls got no final response.
    pub fn handle_request_failed(&mut self, now: Instant, account: u8, key: &TransactionKey) {
        let handles: Vec<_> = self
            .calls
            .iter()
            .filter(|(_, e)| e.call.account() == account)
            .map(|(handle, _)| *handle)
            .collect();
        for handle in handles {
            if let Some(entry) = self.calls.get_mut(&handle) {
                entry.call.handle_request_failed(now, key);
            }
            self.pump(now, handle);
        }
    }

    /// A new INVITE: refuse it, ring, or answer it by the account's incoming policy.
    fn new_call(
        &mut self,
        now: Instant,
        account: u8,
        id: RequestId,
        invite: &Message,
        from: Target,
    ) {
        if let Ok(Some(replaces)) = invite.headers().replaces() {
            return self.replacing_call(now, account, id, invite, from, &replaces);
        }
        let Some(entry) = self.accounts.get(&account).cloned() else {
            return self.answer_plainly(account, id, invite, 404);
        };
        if !entry.settings.enabled {
            return self.answer_plainly(account, id, invite, 404);
        }
        let line = if self.calls.is_empty() {
            LineState::Idle
        } else {
            LineState::InCall
        };
        let incoming = decide(
            &IncomingHeaders::from_message(invite),
            &entry.settings.incoming,
            line,
        );
        let remote = Party::from(incoming.caller.clone());
        let call_id = invite.headers().call_id().unwrap_or_default().to_owned();
        let info = self.call_info(account, &call_id, Direction::Incoming, remote);
        let forwarding = self.forwarding_for(account);
        if let ForwardDecision::Forward { target, reason } = &forwarding {
            if let Some(redirect) = self.redirect_for(account, target, *reason) {
                self.forward_now(account, id, invite, &redirect, info.clone());
                let ending = ReceivedEnding::Forwarded {
                    after_ringing: false,
                };
                return self.ended_without_call(now, &info, ending);
            }
        }
        if let IncomingDecision::Reject { status, reason } = incoming.decision {
            self.outputs
                .push_back(PhoneOutput::Event(PhoneEvent::CallRejected {
                    call: info.clone(),
                }));
            self.answer_plainly(account, id, invite, status);
            return self.ended_without_call(now, &info, ReceivedEnding::RefusedByPhone(reason));
        }
        let made = self.make_call(
            &entry,
            486,
            |_| 480,
            |params| {
                // An offer we cannot answer.
                Call::receive(params, id.clone(), invite.clone(), from).map_err(|_| 488)
            },
        );
        let (call, local_ip, port) = match made {
            Ok(made) => made,
            Err(status) => return self.answer_plainly(account, id, invite, status),
        };
        let auto_answer_at = match incoming.decision {
            IncomingDecision::AutoAnswer { delay, .. } => Some(now + delay),
            _ => None,
        };
        let ring_until = Some(now + entry.settings.ring_timeout);
        self.outputs
            .push_back(PhoneOutput::Event(PhoneEvent::IncomingCall {
                call: info.clone(),
            }));
        let (forward_at, forward_to) = match &forwarding {
            ForwardDecision::ForwardAfter { timeout, target } => (
                Some(now + *timeout),
                self.redirect_for(account, target, DiversionReason::NoAnswer),
            ),
            _ => (None, None),
        };
        let mut call_entry = CallEntry::new(call, local_ip, port, info, now);
        call_entry.auto_answer_at = auto_answer_at;
        call_entry.ring_until = ring_until;
        call_entry.muted = matches!(
            incoming.decision,
            IncomingDecision::AutoAnswer { muted: true, .. }
        );
        call_entry.forward_at = forward_at;
        call_entry.forward_to = forward_to;
        self.add_call(now, call_entry);
    }

    /// Reports a call that ended before it had a call of its own (refused, forwarded at once).
    fn ended_without_call(&mut self, now: Instant, info: &CallInfo, ending: ReceivedEnding) {
        let outcome = CallOutcome {
            account: info.account.index,
            remote_number: info.remote.number.clone(),
            remote_name: info.remote.display_name.clone(),
            local_identity: info.local.number.clone(),
            started_at: 0,
            ending: CallEnding::Received(ending),
        };
        self.outputs.push_back(PhoneOutput::Ended {
            call: 0,
            outcome,
            started: now,
        });
    }

    /// Answers a request outside any call with `status` and nothing else.
    pub(super) fn answer_plainly(
        &mut self,
        account: u8,
        id: RequestId,
        request: &Message,
        status: u16,
    ) {
        let Some(code) = StatusCode::new(status) else {
            return;
        };
        let Ok(mut response) = response_to(request, code, None) else {
            return;
        };
        let has_tag = request
            .headers()
            .to()
            .ok()
            .is_some_and(|to| to.tag().is_some());
        if !has_tag && request.method() != Some(&Method::Cancel) {
            let tag = crate::call::random_tag(&mut self.rng, REFUSAL_TAG_BYTES);
            response.with_to_tag(&tag);
        }
        if let Some(agent) = &self.settings.user_agent {
            response.header(HeaderKind::Server, agent);
        }
        self.outputs.push_back(PhoneOutput::Sip {
            account,
            command: SipCommand::Respond { id, response },
        });
    }
}
