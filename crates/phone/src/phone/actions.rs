//! What the user (or a program through the API) does: dial, answer, reject, hang up, hold,
//! resume, mute, DTMF.

use std::time::{Duration, Instant};

use handset_sip::header::NameAddr;
use handset_sip::uri::Uri;

use super::{CallEntry, CallHandle, MediaCommand, Phone, PhoneError, PhoneOutput};
use crate::call::{direct_target, Call, CallState};
use crate::dialing::{dial_number, DialOutcome, DialSession, DialSettings, DialSource};
use crate::events::PhoneEvent;

/// How long a DTMF digit sent from the API lasts.
const DTMF_DURATION: Duration = Duration::from_millis(160);

/// Whether `target` has the keypad shape of a direct IP call (`192*168*1*60#5062`).
fn is_keyed_ip(target: &str) -> bool {
    let address = target.split('#').next().unwrap_or_default();
    address.split('*').count() == 4
        && address
            .split('*')
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
}

impl Phone {
    /// Places a call to `target` from `account` (default: the first account that can):
    /// digits through the account's dial plan, `user` or `user@host`, a `sip:`/`tel:` URI,
    /// an IP address (`192.168.1.60:5062`) or its keypad form (`192*168*1*60#5062`).
    pub fn dial(
        &mut self,
        now: Instant,
        account: Option<u8>,
        target: &str,
    ) -> Result<CallHandle, PhoneError> {
        let target = target.trim();
        if target.is_empty() {
            return Err(PhoneError::BadTarget("nothing to call".into()));
        }
        let account = match account {
            Some(n) => self
                .accounts
                .get(&n)
                .filter(|a| a.settings.enabled)
                .ok_or_else(|| PhoneError::NoAccount(format!("account {n} is not active")))?,
            None => self
                .accounts
                .values()
                .find(|a| a.settings.enabled && a.local.is_some())
                .ok_or_else(|| PhoneError::NoAccount("no account is ready to call".into()))?,
        }
        .clone();
        let uri = self.request_uri(&account.settings.dialing, target, now)?;
        self.last_dialed
            .insert(account.settings.account, target.to_owned());
        self.last_account = Some(account.settings.account);
        let destination = direct_target(&uri);
        let made = self.make_call(
            &account,
            PhoneError::NoPort,
            |e| e,
            |params| {
                Call::dial(params, uri.clone(), NameAddr::new(uri.clone()), destination)
                    .map_err(|e| PhoneError::BadTarget(e.to_string()))
            },
        )?;
        Ok(self.add_outgoing(now, made, &uri, target))
    }

    /// Calls again what was last dialed on `account` (default: the account last dialed from).
    pub fn redial(&mut self, now: Instant, account: Option<u8>) -> Result<CallHandle, PhoneError> {
        let account = account.or(self.last_account).unwrap_or(0);
        let target = self
            .last_dialed
            .get(&account)
            .cloned()
            .ok_or_else(|| PhoneError::BadTarget("nothing was dialed yet to redial".into()))?;
        self.dial(now, Some(account), &target)
    }

    /// Calls the account's voicemail ("Voice Mail Access Number", P33).
    pub fn voicemail(
        &mut self,
        now: Instant,
        account: Option<u8>,
    ) -> Result<CallHandle, PhoneError> {
        let number = match account {
            Some(n) => self.accounts.get(&n),
            None => self
                .accounts
                .values()
                .find(|a| a.settings.enabled && a.local.is_some()),
        }
        .map(|a| {
            (
                a.settings.account,
                a.settings.identity.voicemail_number.trim().to_owned(),
            )
        })
        .filter(|(_, number)| !number.is_empty());
        let Some((account, number)) = number else {
            return Err(PhoneError::BadTarget(
                "the account has no voicemail access number".into(),
            ));
        };
        self.dial(now, Some(account), &number)
    }

    /// The Request-URI for what the user asked to call.
    pub(super) fn request_uri(
        &self,
        dialing: &Option<DialSettings>,
        target: &str,
        now: Instant,
    ) -> Result<Uri, PhoneError> {
        let lower = target.to_ascii_lowercase();
        if lower.starts_with("sip:") || lower.starts_with("sips:") || lower.starts_with("tel:") {
            return Uri::parse(target).map_err(|e| PhoneError::BadTarget(format!("{target}: {e}")));
        }
        if target.contains('@') {
            return Uri::parse(&format!("sip:{target}"))
                .map_err(|e| PhoneError::BadTarget(format!("{target}: {e}")));
        }
        // A direct IP call needs no server; the dial session only reads its address.
        let settings = match dialing {
            Some(settings) => settings.clone(),
            None => {
                DialSettings::new("invalid").map_err(|e| PhoneError::BadTarget(e.to_string()))?
            }
        };
        let outcome = if is_keyed_ip(target) {
            let mut session = DialSession::direct_ip(settings);
            for key in target.chars() {
                session
                    .handle_key(key, now)
                    .map_err(|e| PhoneError::BadTarget(e.to_string()))?;
            }
            session
                .send(now)
                .map_err(|e| PhoneError::BadTarget(e.to_string()))?
        } else {
            if dialing.is_none() && !target.contains(['.', ':']) {
                return Err(PhoneError::BadTarget(format!(
                    "{target}: the account has no SIP server to call a number through"
                )));
            }
            dial_number(&settings, DialSource::Api, target)
                .map_err(|e| PhoneError::BadTarget(e.to_string()))?
        };
        match outcome {
            DialOutcome::Call(dialed) => Uri::parse(&dialed.uri.to_string())
                .map_err(|e| PhoneError::BadTarget(format!("{target}: {e}"))),
            DialOutcome::Rejected(reason) => {
                Err(PhoneError::BadTarget(format!("{target}: {reason}")))
            }
            DialOutcome::Collecting => Err(PhoneError::BadTarget(format!(
                "{target}: the number is incomplete"
            ))),
        }
    }

    /// The call `selected`, or the obvious one: the ringing call for answer and reject, else
    /// the active (not held) call, else the only call.
    pub fn select(
        &self,
        selected: Option<CallHandle>,
        ringing: bool,
    ) -> Result<CallHandle, PhoneError> {
        if let Some(handle) = selected {
            return self
                .calls
                .contains_key(&handle)
                .then_some(handle)
                .ok_or_else(|| PhoneError::NoCall(format!("there is no call {handle}")));
        }
        let pick = |wanted: &dyn Fn(&CallEntry) -> bool| {
            self.calls
                .iter()
                .find(|(_, e)| wanted(e))
                .map(|(handle, _)| *handle)
        };
        let found = if ringing {
            pick(&|e| e.call.state() == CallState::Ringing)
        } else {
            pick(&|e| e.call.state() != CallState::Ringing && !e.call.is_held()).or_else(|| {
                (self.calls.len() == 1)
                    .then(|| self.calls.keys().next().copied())
                    .flatten()
            })
        };
        found.ok_or_else(|| {
            PhoneError::NoCall(if ringing {
                "no call is ringing".into()
            } else {
                "no call is active".into()
            })
        })
    }

    /// Answers a ringing call.
    pub fn answer(&mut self, now: Instant, handle: CallHandle) -> Result<(), PhoneError> {
        let entry = self.entry(handle)?;
        entry.auto_answer_at = None;
        entry.ring_until = None;
        entry
            .call
            .answer(now)
            .map_err(|e| PhoneError::State(e.to_string()))?;
        let info = entry.info.clone();
        self.outputs
            .push_back(PhoneOutput::Event(PhoneEvent::CallAnswered { call: info }));
        self.pump(now, handle);
        Ok(())
    }

    /// Refuses a ringing call with 603 Decline.
    pub fn reject(&mut self, now: Instant, handle: CallHandle) -> Result<(), PhoneError> {
        let entry = self.entry(handle)?;
        entry
            .call
            .reject(603)
            .map_err(|e| PhoneError::State(e.to_string()))?;
        self.pump(now, handle);
        Ok(())
    }

    /// Hangs up (cancels, declines) a call.
    pub fn hang_up(&mut self, now: Instant, handle: CallHandle) -> Result<(), PhoneError> {
        self.entry(handle)?.call.hang_up(now);
        self.pump(now, handle);
        Ok(())
    }

    /// Puts a call on hold.
    pub fn hold(&mut self, now: Instant, handle: CallHandle) -> Result<(), PhoneError> {
        self.entry(handle)?
            .call
            .hold()
            .map_err(|e| PhoneError::State(e.to_string()))?;
        self.pump(now, handle);
        Ok(())
    }

    /// Takes a call off hold.
    pub fn resume(&mut self, now: Instant, handle: CallHandle) -> Result<(), PhoneError> {
        self.entry(handle)?
            .call
            .resume()
            .map_err(|e| PhoneError::State(e.to_string()))?;
        self.pump(now, handle);
        Ok(())
    }

    /// Mutes (`true`) or unmutes the microphone in a call.
    pub fn mute(&mut self, handle: CallHandle, on: bool) -> Result<(), PhoneError> {
        let entry = self.entry(handle)?;
        if entry.muted == on {
            return Ok(());
        }
        entry.muted = on;
        let call = entry.info.clone();
        self.outputs.push_back(PhoneOutput::Media {
            call: handle,
            command: MediaCommand::Mute(on),
        });
        let event = if on {
            PhoneEvent::Mute { call }
        } else {
            PhoneEvent::Unmute { call }
        };
        self.outputs.push_back(PhoneOutput::Event(event));
        Ok(())
    }

    /// Sends DTMF digits in an established call, by the account's DTMF methods (RFC 2833
    /// events, SIP INFO, in-audio tones; each enabled one).
    pub fn send_dtmf(
        &mut self,
        now: Instant,
        handle: CallHandle,
        digits: &str,
    ) -> Result<(), PhoneError> {
        if let Some(bad) = digits
            .chars()
            .find(|c| !matches!(c.to_ascii_uppercase(), '0'..='9' | '*' | '#' | 'A'..='D'))
        {
            return Err(PhoneError::BadTarget(format!("{bad:?} is not a DTMF key")));
        }
        let account = self.entry(handle)?.call.account();
        let dtmf = self
            .accounts
            .get(&account)
            .map(|a| a.settings.dtmf)
            .ok_or_else(|| PhoneError::NoAccount(format!("account {account} is gone")))?;
        let entry = self
            .calls
            .get_mut(&handle)
            .ok_or_else(|| PhoneError::NoCall(format!("there is no call {handle}")))?;
        if entry.call.state() != CallState::Established {
            return Err(PhoneError::State("DTMF needs an established call".into()));
        }
        for digit in digits.chars().map(|c| c.to_ascii_uppercase()) {
            if dtmf.sip_info {
                entry
                    .call
                    .send_info_dtmf(digit, DTMF_DURATION.as_millis() as u32)
                    .map_err(|e| PhoneError::State(e.to_string()))?;
            }
            for in_audio in [false, true] {
                let wanted = if in_audio {
                    dtmf.in_audio
                } else {
                    dtmf.rfc2833
                };
                if wanted {
                    self.outputs.push_back(PhoneOutput::Media {
                        call: handle,
                        command: MediaCommand::Dtmf {
                            digit,
                            duration: DTMF_DURATION,
                            in_audio,
                        },
                    });
                }
            }
        }
        self.pump(now, handle);
        Ok(())
    }

    pub(super) fn entry(&mut self, handle: CallHandle) -> Result<&mut CallEntry, PhoneError> {
        self.calls
            .get_mut(&handle)
            .ok_or_else(|| PhoneError::NoCall(format!("there is no call {handle}")))
    }
}
