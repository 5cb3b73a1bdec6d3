//! Making a call's parameters from its account, and turning what a call puts out into the
//! phone's outputs (with the events and the call-log outcome at the end).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use handset_sip::auth::Credentials;
use handset_sip::header::{HeaderKind, NameAddr, Transport as ViaTransport};
use handset_sip::locate::TransportKind;
use handset_sip::uri::{Host, SipUri, Uri};
use rand::RngCore;

use super::{
    AccountEntry, CallEntry, CallHandle, MediaCommand, MediaStart, Phone, PhoneError, PhoneOutput,
};
use crate::account_settings::{HeaderUse, Identity};
use crate::call::{
    Call, CallEvent, CallOutput, CallParams, CallState, Direction, EndReason, MediaAction, ViaSpec,
};
use crate::call_log::{
    CallEnding, CallOutcome, Conversation, HungUpBy, PlacedEnding, ReceivedEnding,
};
use crate::events::{AccountRef, CallDirection, CallInfo, Party, PhoneEvent};
use crate::incoming::CallerId;

/// The caller as the events name it: the number the caller ID shows (empty when hidden).
impl From<CallerId> for Party {
    fn from(caller: CallerId) -> Self {
        Self {
            number: caller.number.unwrap_or_default(),
            display_name: caller.name,
        }
    }
}

/// The host of an address, as a URI host.
fn host_of(addr: SocketAddr) -> Host {
    match addr.ip() {
        IpAddr::V4(ip) => Host::Ipv4(ip),
        IpAddr::V6(ip) => Host::Ipv6(ip),
    }
}

/// The From of our calls and the caller-ID headers of their INVITE: with "Send Anonymous"
/// (P65) From is anonymous (RFC 3323) and Privacy says `id`, else `none`; the Privacy header
/// (P2338) and P-Preferred-Identity with our real address (P2339, RFC 3325) are sent unless
/// set to "No" (the "Default" of both sends them, as no special feature asks otherwise).
fn caller_identity(identity: &Identity, aor: NameAddr) -> (NameAddr, Vec<(HeaderKind, String)>) {
    let mut headers = Vec::new();
    if identity.privacy_header != HeaderUse::Never {
        let privacy = if identity.send_anonymous {
            "id"
        } else {
            "none"
        };
        headers.push((HeaderKind::Privacy, privacy.to_owned()));
    }
    if identity.preferred_identity_header != HeaderUse::Never {
        headers.push((HeaderKind::PPreferredIdentity, aor.to_string()));
    }
    if !identity.send_anonymous {
        return (aor, headers);
    }
    let anonymous = SipUri::new(Host::Domain("anonymous.invalid".into())).with_user("anonymous");
    let from = NameAddr::new(Uri::from(anonymous)).with_display_name("Anonymous");
    (from, headers)
}

impl Phone {
    /// The parameters of a new call on `account` with RTP on `port`.
    pub(super) fn call_params(
        &mut self,
        account: &AccountEntry,
        port: u16,
    ) -> Result<CallParams, PhoneError> {
        let Some((local, transport)) = account.local else {
            return Err(PhoneError::NoAccount(format!(
                "account {} has no network address yet",
                account.settings.account
            )));
        };
        let identity = &account.settings.identity;
        let user = if identity.user_id.is_empty() {
            "handset"
        } else {
            identity.user_id.as_str()
        };
        let domain = Host::parse(&identity.sip_server).unwrap_or_else(|_| host_of(local));
        let mut aor = NameAddr::new(Uri::from(SipUri::new(domain).with_user(user)));
        if !identity.display_name.is_empty() {
            aor = aor.with_display_name(&identity.display_name);
        }
        let (local_identity, invite_headers) = caller_identity(identity, aor);
        let mut contact = SipUri::new(host_of(local))
            .with_user(user)
            .with_port(local.port());
        let via_transport = match transport {
            TransportKind::Udp => ViaTransport::Udp,
            TransportKind::Tcp => {
                contact = contact.with_param("transport", Some("tcp"));
                ViaTransport::Tcp
            }
            TransportKind::Tls => {
                contact = contact.with_param("transport", Some("tls"));
                ViaTransport::Tls
            }
        };
        let credentials = (!identity.password.is_empty() || !identity.auth_id.is_empty())
            .then(|| Credentials::new(identity.auth_user(), &identity.password));
        Ok(CallParams {
            account: account.settings.account,
            local: local_identity,
            contact: Uri::from(contact),
            via: ViaSpec {
                transport: via_transport,
                host: host_of(local),
                port: local.port(),
            },
            credentials,
            user_agent: self.settings.user_agent.clone(),
            media: account.settings.media.media_config(local.ip(), port),
            seed: self.rng.next_u64(),
            invite_headers,
        })
    }

    /// Takes an RTP port and makes a call on `account` with it: `make` builds the call from
    /// its parameters. The port goes back when there is no call. Answers the call, its RTP
    /// address and port, or the SIP status to refuse with (486 no port, 480 no address) or
    /// `make`'s error.
    pub(super) fn make_call<E>(
        &mut self,
        account: &AccountEntry,
        no_port: E,
        no_address: impl FnOnce(PhoneError) -> E,
        make: impl FnOnce(CallParams) -> Result<Call, E>,
    ) -> Result<(Call, IpAddr, u16), E> {
        let port = self.ports.take().ok_or(no_port)?;
        let params = match self.call_params(account, port) {
            Ok(params) => params,
            Err(e) => {
                self.ports.release(port);
                return Err(no_address(e));
            }
        };
        let local_ip = params.media.address;
        match make(params) {
            Ok(call) => Ok((call, local_ip, port)),
            Err(e) => {
                self.ports.release(port);
                Err(e)
            }
        }
    }

    /// Registers a call we place to `uri` (its user shown as the peer's number, else
    /// `fallback`) and reports it.
    pub(super) fn add_outgoing(
        &mut self,
        now: Instant,
        (call, local_ip, port): (Call, IpAddr, u16),
        uri: &Uri,
        fallback: &str,
    ) -> CallHandle {
        let remote = Party {
            number: uri
                .as_sip()
                .and_then(|s| s.user().map(str::to_owned))
                .unwrap_or_else(|| fallback.to_owned()),
            display_name: None,
        };
        let info = self.call_info(call.account(), call.call_id(), Direction::Outgoing, remote);
        self.outputs
            .push_back(PhoneOutput::Event(PhoneEvent::OutgoingCall {
                call: info.clone(),
            }));
        self.add_call(now, CallEntry::new(call, local_ip, port, info, now))
    }

    /// The account's reference for events.
    pub(super) fn account_ref(&self, account: u8) -> AccountRef {
        let identity = self.accounts.get(&account).map(|a| &a.settings.identity);
        AccountRef {
            index: account,
            user_id: identity.map(|i| i.user_id.clone()).unwrap_or_default(),
            sip_server: identity.map(|i| i.sip_server.clone()).unwrap_or_default(),
        }
    }

    /// A call's event facts.
    pub(super) fn call_info(
        &self,
        account: u8,
        call_id: &str,
        direction: Direction,
        remote: Party,
    ) -> CallInfo {
        let identity = self.accounts.get(&account).map(|a| &a.settings.identity);
        CallInfo {
            account: self.account_ref(account),
            call_id: call_id.to_owned(),
            direction: match direction {
                Direction::Outgoing => CallDirection::Outgoing,
                Direction::Incoming => CallDirection::Incoming,
            },
            local: Party {
                number: identity.map(|i| i.user_id.clone()).unwrap_or_default(),
                display_name: identity
                    .map(|i| i.display_name.clone())
                    .filter(|n| !n.is_empty()),
            },
            remote,
        }
    }

    /// Registers a new call and passes on what it has to say already.
    pub(super) fn add_call(&mut self, now: Instant, entry: CallEntry) -> CallHandle {
        let handle = self.next_handle;
        self.next_handle = self.next_handle.wrapping_add(1).max(1);
        let busy_before = !self.calls.is_empty();
        self.calls.insert(handle, entry);
        if !busy_before {
            self.outputs
                .push_back(PhoneOutput::Event(PhoneEvent::IdleToBusy));
        }
        self.pump(now, handle);
        handle
    }

    /// Passes on what call `handle` put out; forgets it once it ended.
    pub(super) fn pump(&mut self, now: Instant, handle: CallHandle) {
        loop {
            let Some(entry) = self.calls.get_mut(&handle) else {
                return;
            };
            let Some(output) = entry.call.poll_output() else {
                break;
            };
            let account = entry.call.account();
            match output {
                CallOutput::Sip(command) => self
                    .outputs
                    .push_back(PhoneOutput::Sip { account, command }),
                CallOutput::Media(action) => self.media(handle, action),
                CallOutput::Event(event) => self.call_event(now, handle, event),
            }
        }
        let ended = self
            .calls
            .get(&handle)
            .is_some_and(|e| e.call.state() == CallState::Ended);
        if ended {
            if let Some(entry) = self.calls.remove(&handle) {
                self.ports.release(entry.port);
            }
            self.transfers.remove(&handle);
            self.referred.remove(&handle);
            self.transferred.remove(&handle);
            if self.calls.is_empty() {
                self.outputs
                    .push_back(PhoneOutput::Event(PhoneEvent::BusyToIdle));
            }
        }
    }

    fn media(&mut self, handle: CallHandle, action: MediaAction) {
        let Some(entry) = self.calls.get_mut(&handle) else {
            return;
        };
        let command = match action {
            MediaAction::Start(negotiated) => {
                entry.codec = Some(format!(
                    "{}/{}",
                    negotiated.codec.codec.encoding_name(),
                    negotiated.codec.codec.clock_rate()
                ));
                let account = entry.call.account();
                let local_ip = entry.local_ip;
                let cname = format!("{}@{local_ip}", entry.info.local.number);
                let Some(settings) = self.accounts.get(&account).map(|a| {
                    a.settings.media.media_settings(
                        self.settings.audio_rate,
                        self.settings.frame,
                        &cname,
                    )
                }) else {
                    return;
                };
                MediaCommand::Start(Box::new(MediaStart {
                    local_ip,
                    local_port: entry.port,
                    negotiated,
                    settings,
                }))
            }
            MediaAction::Update(negotiated) => MediaCommand::Update(Box::new(negotiated)),
            MediaAction::Stop => MediaCommand::Stop,
        };
        let starts = matches!(command, MediaCommand::Start(_));
        let muted = entry.muted;
        self.outputs.push_back(PhoneOutput::Media {
            call: handle,
            command,
        });
        if starts && muted {
            // Answered muted (intercom with "mute on answer").
            self.outputs.push_back(PhoneOutput::Media {
                call: handle,
                command: MediaCommand::Mute(true),
            });
        }
    }

    fn call_event(&mut self, now: Instant, handle: CallHandle, event: CallEvent) {
        let Some(event) = self.transfer_event(now, handle, event) else {
            return;
        };
        let Some(entry) = self.calls.get_mut(&handle) else {
            return;
        };
        let call = entry.info.clone();
        let report = match event {
            CallEvent::Established => {
                entry.established = Some(now);
                Some(PhoneEvent::CallEstablished { call })
            }
            CallEvent::Held => Some(PhoneEvent::Hold { call }),
            CallEvent::Resumed => Some(PhoneEvent::Unhold { call }),
            CallEvent::Ended(reason) => {
                let outcome = self.outcome(handle, now, &reason);
                let Some(entry) = self.calls.get(&handle) else {
                    return;
                };
                let talk_time = entry
                    .established
                    .map_or(Duration::ZERO, |at| now.saturating_duration_since(at));
                let missed = matches!(
                    outcome.ending,
                    CallEnding::Received(
                        ReceivedEnding::CallerCancelled | ReceivedEnding::AnsweredElsewhere
                    )
                );
                let started = entry.started;
                if missed {
                    self.outputs
                        .push_back(PhoneOutput::Event(PhoneEvent::MissedCall {
                            call: call.clone(),
                        }));
                }
                if let CallEnding::Received(ReceivedEnding::RejectedByUser) = outcome.ending {
                    self.outputs
                        .push_back(PhoneOutput::Event(PhoneEvent::CallRejected {
                            call: call.clone(),
                        }));
                }
                self.outputs
                    .push_back(PhoneOutput::Event(PhoneEvent::CallTerminated {
                        call,
                        talk_time,
                    }));
                self.outputs.push_back(PhoneOutput::Ended {
                    call: handle,
                    outcome,
                    started,
                });
                None
            }
            // Ringing at the far end, DTMF received, hold by the peer and failed holds are
            // for the call's own state; no Action URL names them.
            _ => None,
        };
        if let Some(report) = report {
            self.outputs.push_back(PhoneOutput::Event(report));
        }
    }

    /// How call `handle` went, for the call log.
    fn outcome(&self, handle: CallHandle, now: Instant, reason: &EndReason) -> CallOutcome {
        let Some(entry) = self.calls.get(&handle) else {
            return CallOutcome {
                account: 0,
                remote_number: String::new(),
                remote_name: None,
                local_identity: String::new(),
                started_at: 0,
                ending: CallEnding::Placed(PlacedEnding::Abandoned),
            };
        };
        let conversation = entry.established.map(|at| Conversation {
            answered_after: at.saturating_duration_since(entry.started),
            talk_time: now.saturating_duration_since(at),
            hung_up_by: match reason {
                EndReason::RemoteHangup => HungUpBy::Remote,
                _ => HungUpBy::Local,
            },
            transferred: self.transferred.contains(&handle),
        });
        let ending = match (entry.call.direction(), conversation) {
            (Direction::Outgoing, Some(c)) => CallEnding::Placed(PlacedEnding::Answered(c)),
            (Direction::Incoming, Some(c)) => CallEnding::Received(ReceivedEnding::Answered(c)),
            (Direction::Outgoing, None) => CallEnding::Placed(match reason {
                EndReason::Refused { status, .. } => PlacedEnding::Refused { status: *status },
                EndReason::Unreachable => PlacedEnding::Refused { status: 408 },
                _ => PlacedEnding::Abandoned,
            }),
            (Direction::Incoming, None) => CallEnding::Received(match reason {
                _ if entry.ring_timed_out => ReceivedEnding::CallerCancelled,
                EndReason::Rejected(302) => ReceivedEnding::Forwarded {
                    after_ringing: entry.forwarded,
                },
                EndReason::Rejected(_) => ReceivedEnding::RejectedByUser,
                _ => ReceivedEnding::CallerCancelled,
            }),
        };
        CallOutcome {
            account: entry.call.account(),
            remote_number: entry.info.remote.number.clone(),
            remote_name: entry.info.remote.display_name.clone(),
            local_identity: entry.info.local.number.clone(),
            started_at: 0,
            ending,
        }
    }
}
