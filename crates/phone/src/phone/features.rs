//! Do Not Disturb (switched by the user, kept over configuration reloads) and call forwarding
//! of new calls (at once with 302, or after ringing unanswered).

use std::time::Instant;

use handset_sip::account::RequestId;
use handset_sip::header::HeaderKind;
use handset_sip::message::response_to;
use handset_sip::{Message, StatusCode};

use super::{CallHandle, Phone, PhoneOutput, SipCommand};
use crate::events::{CallInfo, PhoneEvent};
use crate::forwarding::{
    decide, AccountUri, DiversionReason, ForwardDecision, ForwardTarget, Redirect, Situation,
    TimeOfDay, MOVED_TEMPORARILY,
};

impl Phone {
    /// Switches Do Not Disturb for `account`, or for every account with `None`. It stays as
    /// set when the configuration is read again.
    pub fn set_dnd(&mut self, account: Option<u8>, on: bool) {
        let accounts: Vec<u8> = match account {
            Some(account) => vec![account],
            None => self.accounts.keys().copied().collect(),
        };
        let mut changed = false;
        for account in accounts {
            self.dnd.insert(account, on);
            if let Some(entry) = self.accounts.get_mut(&account) {
                changed |= entry.settings.incoming.do_not_disturb != on;
                entry.settings.incoming.do_not_disturb = on;
            }
        }
        if changed {
            let event = if on {
                PhoneEvent::DndOn
            } else {
                PhoneEvent::DndOff
            };
            self.outputs.push_back(PhoneOutput::Event(event));
        }
    }

    /// Whether Do Not Disturb is on for `account`.
    pub fn dnd(&self, account: u8) -> bool {
        self.accounts
            .get(&account)
            .is_some_and(|a| a.settings.incoming.do_not_disturb)
    }

    /// The time of day forwarding rules see (the owner keeps it current).
    pub fn set_time_of_day(&mut self, time: TimeOfDay) {
        self.time_of_day = time;
    }

    /// What forwarding says about a new call on `account`.
    pub(super) fn forwarding_for(&self, account: u8) -> ForwardDecision {
        let Some(entry) = self.accounts.get(&account) else {
            return ForwardDecision::None;
        };
        let busy = self.calls.values().any(|c| c.call.account() == account);
        let situation = Situation {
            busy,
            dnd: entry.settings.incoming.do_not_disturb,
        };
        decide(&entry.settings.forwarding, situation, self.time_of_day)
    }

    /// The 302 for forwarding a call of `account` to `target`.
    pub(super) fn redirect_for(
        &self,
        account: u8,
        target: &ForwardTarget,
        reason: DiversionReason,
    ) -> Option<Redirect> {
        let entry = self.accounts.get(&account)?;
        let identity = &entry.settings.identity;
        // Without a server the account is known by its address.
        let domain = match (identity.sip_server.is_empty(), entry.local) {
            (false, _) => identity.sip_server.clone(),
            (true, Some((local, _))) => local.ip().to_string(),
            (true, None) => return None,
        };
        let uri = AccountUri::parse(&format!("sip:{}@{domain}", identity.user_id)).ok()?;
        Some(Redirect::new(&uri, target, reason))
    }

    /// Forwards a new call at once: 302 with Contact and Diversion, and the events.
    pub(super) fn forward_now(
        &mut self,
        account: u8,
        id: RequestId,
        invite: &Message,
        redirect: &Redirect,
        info: CallInfo,
    ) {
        let Some(moved) = StatusCode::new(MOVED_TEMPORARILY) else {
            return;
        };
        let Ok(mut response) = response_to(invite, moved, None) else {
            return;
        };
        let tag = crate::call::random_tag(&mut self.rng, 6);
        response
            .with_to_tag(&tag)
            .header(HeaderKind::Contact, &redirect.contact)
            .header(HeaderKind::Diversion, &redirect.diversion);
        self.outputs.push_back(PhoneOutput::Sip {
            account,
            command: SipCommand::Respond { id, response },
        });
        self.outputs
            .push_back(PhoneOutput::Event(PhoneEvent::CallForwarded {
                call: info,
                target: redirect.contact.clone(),
            }));
    }

    /// Forwards a call that rang unanswered (forward on no answer).
    pub(super) fn forward_after_ringing(&mut self, now: Instant, handle: CallHandle) {
        let Some(entry) = self.calls.get_mut(&handle) else {
            return;
        };
        let Some(redirect) = entry.forward_to.take() else {
            return;
        };
        entry.ring_until = None;
        entry.forwarded = true;
        if entry
            .call
            .redirect(&redirect.contact, Some(&redirect.diversion))
            .is_ok()
        {
            let call = entry.info.clone();
            self.outputs
                .push_back(PhoneOutput::Event(PhoneEvent::CallForwarded {
                    call,
                    target: redirect.contact.clone(),
                }));
        }
        self.pump(now, handle);
    }
}
