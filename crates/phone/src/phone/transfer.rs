//! Call transfer across the phone's calls.
//!
//! As transferor: a blind transfer refers the peer to a dialed target; an attended transfer
//! refers the peer of one call to the peer of another, with Replaces naming that other call.
//! A transfer that succeeds ends our calls; one that fails or hears nothing within the wait
//! timeout brings the call back (resumes it). As transferee: a REFER in a call places the call
//! it asks for and reports that call's progress by NOTIFY. As transfer target: an INVITE whose
//! Replaces names one of our calls is answered at once and the replaced call ends.

use std::time::Instant;

use handset_sip::account::RequestId;
use handset_sip::dialog::ReplacesOutcome;
use handset_sip::header::Replaces;
use handset_sip::locate::Target;
use handset_sip::Message;

use super::{CallEntry, CallHandle, Phone, PhoneError, PhoneOutput, TransferSettings};
use crate::call::{
    direct_target, Call, CallEvent, CallState, Direction, EndReason, TransferTarget,
};
use crate::events::{Party, PhoneEvent};
use crate::incoming::{caller_id, IncomingHeaders};

/// A transfer of one of our calls, waiting for its outcome.
#[derive(Debug, Clone)]
pub(super) struct Transfer {
    /// The other call of an attended transfer (it ends too on success).
    other: Option<CallHandle>,
    /// Give up waiting at this time (blind transfers only).
    deadline: Option<Instant>,
    /// We held the call for the transfer, so a failure resumes it.
    resume_on_failure: bool,
    /// A failure ends the call rather than giving it back.
    end_on_failure: bool,
}

impl Phone {
    /// Sets the transfer settings of `account` (calls in progress use them too).
    pub fn set_transfer_settings(&mut self, account: u8, settings: TransferSettings) {
        self.transfer_settings.insert(account, settings);
    }

    fn transfer_settings(&self, account: u8) -> TransferSettings {
        self.transfer_settings
            .get(&account)
            .copied()
            .unwrap_or_default()
    }

    /// Transfers a call as the control API asks: blind to `target`, or attended to the peer
    /// of call `attended` (exactly one of the two). Without `call`, the active call, or for an
    /// attended transfer the established call other than `attended` (a held one first).
    /// Returns the transferred call.
    pub fn transfer(
        &mut self,
        now: Instant,
        call: Option<CallHandle>,
        target: Option<&str>,
        attended: Option<CallHandle>,
    ) -> Result<CallHandle, PhoneError> {
        match (target, attended) {
            (Some(target), None) => {
                let handle = self.select(call, false)?;
                self.blind_transfer(now, handle, target)?;
                Ok(handle)
            }
            (None, Some(other)) => {
                let handle = match call {
                    Some(handle) => self.select(Some(handle), false)?,
                    None => self.partner_of(other)?,
                };
                self.attended_transfer(now, handle, other)?;
                Ok(handle)
            }
            (Some(_), Some(_)) => Err(PhoneError::BadTarget(
                "a transfer goes to a target or to another call, not both".into(),
            )),
            (None, None) => Err(PhoneError::BadTarget(
                "a transfer needs a target or another call".into(),
            )),
        }
    }

    /// The established call to join with call `other`: a held one first.
    fn partner_of(&self, other: CallHandle) -> Result<CallHandle, PhoneError> {
        let candidates = || {
            self.calls.iter().filter(move |(handle, e)| {
                **handle != other && e.call.state() == CallState::Established
            })
        };
        candidates()
            .find(|(_, e)| e.call.is_held())
            .or_else(|| candidates().next())
            .map(|(handle, _)| *handle)
            .ok_or_else(|| PhoneError::NoCall(format!("no other call to join with call {other}")))
    }

    /// Transfers call `handle` to `target` (dialed as [`Phone::dial`] reads it) without
    /// talking to the target first: holds the call and refers the peer to the target.
    pub fn blind_transfer(
        &mut self,
        now: Instant,
        handle: CallHandle,
        target: &str,
    ) -> Result<(), PhoneError> {
        let target = target.trim();
        if target.is_empty() {
            return Err(PhoneError::BadTarget("nothing to transfer to".into()));
        }
        self.check_transferable(handle)?;
        let account = self.entry(handle)?.call.account();
        let dialing = self
            .accounts
            .get(&account)
            .map(|a| a.settings.dialing.clone())
            .ok_or_else(|| PhoneError::NoAccount(format!("account {account} is gone")))?;
        let uri = self.request_uri(&dialing, target, now)?;
        let settings = self.transfer_settings(account);
        let entry = self.entry(handle)?;
        let was_held = hold_for_transfer(&mut entry.call)?;
        entry
            .call
            .refer(&uri, None)
            .map_err(|e| PhoneError::State(e.to_string()))?;
        let call = entry.info.clone();
        self.transfers.insert(
            handle,
            Transfer {
                other: None,
                deadline: Some(now + settings.wait_timeout),
                resume_on_failure: !was_held && settings.recovery,
                end_on_failure: !settings.recovery,
            },
        );
        self.outputs
            .push_back(PhoneOutput::Event(PhoneEvent::BlindTransfer {
                call,
                target: uri.to_string(),
            }));
        self.pump(now, handle);
        Ok(())
    }

    /// Joins the peer of call `handle` with the peer of call `other` (attended transfer):
    /// holds `handle` and refers its peer to `other`'s peer, replacing `other`'s dialog.
    pub fn attended_transfer(
        &mut self,
        now: Instant,
        handle: CallHandle,
        other: CallHandle,
    ) -> Result<(), PhoneError> {
        if handle == other {
            return Err(PhoneError::BadTarget(
                "a call cannot be transferred to itself".into(),
            ));
        }
        self.check_transferable(handle)?;
        let account = self.entry(handle)?.call.account();
        let settings = self.transfer_settings(account);
        let target_entry = self.entry(other)?;
        if target_entry.call.state() != CallState::Established {
            return Err(PhoneError::State(format!(
                "call {other} is not established; only an answered call can be joined"
            )));
        }
        let target = if settings.refer_to_use_target_contact {
            target_entry.call.remote_contact()
        } else {
            target_entry.call.remote()
        }
        .cloned()
        .ok_or_else(|| PhoneError::State(format!("call {other} has no peer address")))?;
        let replaces = target_entry
            .call
            .replaces()
            .ok_or_else(|| PhoneError::State(format!("call {other} has no dialog")))?;
        if settings.hold_target && !target_entry.call.is_held() {
            hold_for_transfer(&mut target_entry.call)?;
        }
        let entry = self.entry(handle)?;
        let was_held = hold_for_transfer(&mut entry.call)?;
        entry
            .call
            .refer(&target, Some(&replaces))
            .map_err(|e| PhoneError::State(e.to_string()))?;
        let call = entry.info.clone();
        self.transfers.insert(
            handle,
            Transfer {
                other: Some(other),
                deadline: None,
                resume_on_failure: !was_held,
                end_on_failure: false,
            },
        );
        self.outputs
            .push_back(PhoneOutput::Event(PhoneEvent::AttendedTransfer {
                call,
                target: target.to_string(),
            }));
        self.pump(now, other);
        self.pump(now, handle);
        Ok(())
    }

    /// Whether call `handle` can be transferred now.
    fn check_transferable(&mut self, handle: CallHandle) -> Result<(), PhoneError> {
        let busy = self.transfers.contains_key(&handle);
        let entry = self.entry(handle)?;
        if entry.call.state() != CallState::Established {
            return Err(PhoneError::State(format!(
                "call {handle} is not established; only an answered call can be transferred"
            )));
        }
        if busy || entry.call.is_transferring() {
            return Err(PhoneError::State(format!(
                "call {handle} is already being transferred"
            )));
        }
        Ok(())
    }

    /// The earliest transfer wait deadline.
    pub(super) fn transfer_timeout(&self) -> Option<Instant> {
        self.transfers.values().filter_map(|t| t.deadline).min()
    }

    /// Blind transfers that heard nothing in time fail.
    pub(super) fn handle_transfer_timeouts(&mut self, now: Instant) {
        let expired: Vec<CallHandle> = self
            .transfers
            .iter()
            .filter(|(_, t)| t.deadline.is_some_and(|at| at <= now))
            .map(|(handle, _)| *handle)
            .collect();
        for handle in expired {
            if let Some(entry) = self.calls.get_mut(&handle) {
                entry.call.abandon_transfer();
            }
            self.transfer_failed(now, handle);
            self.pump(now, handle);
        }
    }

    /// Takes the transfer events of call `handle`; gives back any other event.
    pub(super) fn transfer_event(
        &mut self,
        now: Instant,
        handle: CallHandle,
        event: CallEvent,
    ) -> Option<CallEvent> {
        match event {
            CallEvent::TransferAccepted | CallEvent::TransferProgress { .. } => None,
            CallEvent::TransferSucceeded => {
                self.transfer_succeeded(now, handle);
                None
            }
            CallEvent::TransferFailed { .. } => {
                self.transfer_failed(now, handle);
                None
            }
            CallEvent::TransferRequested(target) => {
                self.place_referred_call(now, handle, &target);
                None
            }
            other => {
                self.report_to_referrer(now, handle, &other);
                Some(other)
            }
        }
    }

    /// Our transfer worked: the transferred call (and the joined one) end.
    fn transfer_succeeded(&mut self, now: Instant, handle: CallHandle) {
        let Some(transfer) = self.transfers.remove(&handle) else {
            return;
        };
        let Some(entry) = self.calls.get_mut(&handle) else {
            return;
        };
        let call = entry.info.clone();
        self.outputs
            .push_back(PhoneOutput::Event(PhoneEvent::TransferCompleted { call }));
        self.transferred.insert(handle);
        entry.call.hang_up(now);
        if let Some(other) = transfer.other {
            self.transferred.insert(other);
            if let Some(entry) = self.calls.get_mut(&other) {
                // The target normally ends it when the replacing call arrives.
                entry.call.hang_up(now);
            }
            self.pump(now, other);
        }
    }

    /// Our transfer failed: the call comes back, or ends without recovery.
    fn transfer_failed(&mut self, now: Instant, handle: CallHandle) {
        let Some(transfer) = self.transfers.remove(&handle) else {
            return;
        };
        let Some(entry) = self.calls.get_mut(&handle) else {
            return;
        };
        let call = entry.info.clone();
        self.outputs
            .push_back(PhoneOutput::Event(PhoneEvent::TransferFailed { call }));
        if transfer.end_on_failure {
            entry.call.hang_up(now);
        } else if transfer.resume_on_failure {
            // The hold may still be under way; then the user resumes by hand.
            let _ = entry.call.resume();
        }
    }

    /// The peer of call `referrer` asked us to call `target`: place that call and report it.
    fn place_referred_call(&mut self, now: Instant, referrer: CallHandle, target: &TransferTarget) {
        match self.dial_referred(now, referrer, target) {
            Ok(new) => {
                self.referred.insert(new, referrer);
            }
            Err(status) => {
                if let Some(entry) = self.calls.get_mut(&referrer) {
                    let _ = entry.call.notify_transfer(status);
                }
            }
        }
    }

    /// Places the call a REFER asked for; the status to report when it cannot be placed.
    fn dial_referred(
        &mut self,
        now: Instant,
        referrer: CallHandle,
        target: &TransferTarget,
    ) -> Result<CallHandle, u16> {
        let entry = self.calls.get_mut(&referrer).ok_or(481u16)?;
        let account = entry.call.account();
        let account = self.accounts.get(&account).cloned().ok_or(480u16)?;
        let made = self.make_call(
            &account,
            486u16,
            |_| 480,
            |params| {
                Call::dial_transfer(params, target, direct_target(&target.uri)).map_err(|_| 400)
            },
        )?;
        if let Some(entry) = self.calls.get_mut(&referrer) {
            let _ = entry.call.notify_transfer(100);
        }
        let fallback = target.uri.to_string();
        Ok(self.add_outgoing(now, made, &target.uri, &fallback))
    }

    /// Tells the referrer of call `handle` (if a REFER placed it) how the call goes.
    fn report_to_referrer(&mut self, now: Instant, handle: CallHandle, event: &CallEvent) {
        let Some(referrer) = self.referred.get(&handle).copied() else {
            return;
        };
        let status = match event {
            CallEvent::RemoteRinging { .. } => 180,
            CallEvent::Established => 200,
            CallEvent::Ended(reason) => match reason {
                EndReason::Refused { status, .. } => *status,
                EndReason::Unreachable => 408,
                EndReason::LocalHangup => 487,
                _ => 500,
            },
            _ => return,
        };
        if status >= 200 {
            self.referred.remove(&handle);
        }
        if let Some(entry) = self.calls.get_mut(&referrer) {
            let _ = entry.call.notify_transfer(status);
        }
        self.pump(now, referrer);
    }

    /// An INVITE with Replaces (RFC 3891): answered at once when it names one of our calls,
    /// which then ends; refused otherwise (481 when it names none).
    pub(super) fn replacing_call(
        &mut self,
        now: Instant,
        account: u8,
        id: RequestId,
        invite: &Message,
        from: Target,
        replaces: &Replaces,
    ) {
        let verdict = self
            .calls
            .iter()
            .filter(|(_, e)| e.call.account() == account)
            .map(|(handle, e)| (*handle, e.call.check_replaces(replaces)))
            .find(|(_, outcome)| *outcome != ReplacesOutcome::NotThisDialog);
        let replaced = match verdict {
            Some((handle, ReplacesOutcome::Replace)) => handle,
            Some((_, ReplacesOutcome::Reject(status))) => {
                return self.answer_plainly(account, id, invite, status)
            }
            _ => return self.answer_plainly(account, id, invite, 481),
        };
        let Some(entry) = self.accounts.get(&account).cloned() else {
            return self.answer_plainly(account, id, invite, 404);
        };
        let made = self.make_call(
            &entry,
            486,
            |_| 480,
            |params| Call::receive(params, id.clone(), invite.clone(), from).map_err(|_| 488),
        );
        let (call, local_ip, port) = match made {
            Ok(made) => made,
            Err(status) => return self.answer_plainly(account, id, invite, status),
        };
        let caller = caller_id(
            &IncomingHeaders::from_message(invite),
            entry.settings.incoming.caller_id_display,
        );
        let remote = Party::from(caller);
        let info = self.call_info(account, call.call_id(), Direction::Incoming, remote);
        self.outputs
            .push_back(PhoneOutput::Event(PhoneEvent::IncomingCall {
                call: info.clone(),
            }));
        let handle = self.add_call(now, CallEntry::new(call, local_ip, port, info, now));
        let _ = self.answer(now, handle);
        self.transferred.insert(replaced);
        let _ = self.hang_up(now, replaced);
    }
}

/// Holds `call` for a transfer unless it is held already; whether it was.
fn hold_for_transfer(call: &mut Call) -> Result<bool, PhoneError> {
    let was_held = call.is_held();
    if !was_held {
        call.hold().map_err(|e| PhoneError::State(e.to_string()))?;
    }
    Ok(was_held)
}
