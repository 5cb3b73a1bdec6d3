//! The phone: every account's calls together, sans-IO.
//!
//! [`Phone`] takes what the account tasks report (requests, responses, failed requests),
//! user actions (dial, answer, reject, hang up, hold, resume, mute, DTMF, transfer) and
//! timeouts. It
//! decides what a new call gets (ring, auto answer, refusal) with the account's incoming
//! policy, gives each call an RTP port, and puts out SIP commands per account, media commands
//! per call, the events of [`crate::events`], and a [`CallOutcome`] for the call log when a
//! call ends. The owner drains [`Phone::poll_output`] after every input and calls
//! [`Phone::handle_timeout`] at [`Phone::poll_timeout`].

mod actions;
mod calls;
mod features;
#[cfg(test)]
mod features_tests;
mod ports;
mod sip_in;
#[cfg(test)]
mod tests;
mod transfer;
mod transfer_settings;
#[cfg(test)]
mod transfer_tests;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use handset_sdp::Negotiated;
use handset_sip::locate::TransportKind;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::account_settings::CallSettings;
use crate::call::Call;
pub use crate::call::SipCommand;
use crate::call_log::CallOutcome;
use crate::events::{CallInfo, PhoneEvent};
use crate::media_setup::MediaSettings;
pub use ports::PortPool;
pub use transfer_settings::TransferSettings;

/// A call's number in the phone (stable while the call lasts).
pub type CallHandle = u32;

/// Phone-wide settings that no account owns.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneSettings {
    /// The first RTP port ("Local RTP Port").
    pub rtp_port_base: u16,
    /// How many RTP ports (each call takes an even one, RTCP the odd one above).
    pub rtp_port_count: u16,
    /// User-Agent of our requests (Server of our responses).
    pub user_agent: Option<String>,
    /// The rate the call audio is played and captured at.
    pub audio_rate: u32,
    /// The media tick.
    pub frame: Duration,
}

/// A media command for one call.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaCommand {
    /// Open the call's RTP port and start the stream.
    Start(Box<MediaStart>),
    /// The agreement changed (hold, resume, a new address).
    Update(Box<Negotiated>),
    /// Close the stream.
    Stop,
    /// Mute (`true`) or unmute the microphone.
    Mute(bool),
    /// Send a DTMF digit in the media (RFC 4733 event, or a tone in the audio when
    /// `in_audio`).
    Dtmf {
        /// The digit.
        digit: char,
        /// How long.
        duration: Duration,
        /// As audio rather than as an RFC 4733 event.
        in_audio: bool,
    },
}

/// What a call's stream starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaStart {
    /// Our RTP address (the account's local address).
    pub local_ip: IpAddr,
    /// Our RTP port (RTCP on the next one unless multiplexed).
    pub local_port: u16,
    /// What the offer/answer agreed.
    pub negotiated: Negotiated,
    /// The account's media settings.
    pub settings: MediaSettings,
}

/// What the phone asks its owner to do, or tells it.
#[derive(Debug, Clone)]
pub enum PhoneOutput {
    /// SIP for an account's task.
    Sip {
        /// The account (1-based).
        account: u8,
        /// What to do.
        command: SipCommand,
    },
    /// Media for a call.
    Media {
        /// The call.
        call: CallHandle,
        /// What to do.
        command: MediaCommand,
    },
    /// Something the event stream reports.
    Event(PhoneEvent),
    /// A call is over; `outcome.started_at` is left 0 for the owner, who knows the wall
    /// clock, to fill from `started` (when the call began). `call` is 0 for a call the phone
    /// refused or forwarded without ringing.
    Ended {
        /// The call.
        call: CallHandle,
        /// How it went, for the call log.
        outcome: CallOutcome,
        /// When it began.
        started: Instant,
    },
}

/// Why a user action failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// No call with this handle, or no call fits the selection.
    #[error("{0}")]
    NoCall(String),
    /// No account can place the call.
    #[error("{0}")]
    NoAccount(String),
    /// The target cannot be dialed.
    #[error("{0}")]
    BadTarget(String),
    /// The call's state does not allow the action.
    #[error("{0}")]
    State(String),
    /// Every RTP port is in use.
    #[error("no free RTP port")]
    NoPort,
}

/// One account as the phone knows it.
#[derive(Debug, Clone)]
struct AccountEntry {
    settings: CallSettings,
    /// The address (and transport) the account's task uses towards its server.
    local: Option<(SocketAddr, TransportKind)>,
}

/// One call and the phone's bookkeeping around it.
#[derive(Debug)]
struct CallEntry {
    call: Call,
    /// Our RTP address and port.
    local_ip: IpAddr,
    port: u16,
    info: CallInfo,
    started: Instant,
    established: Option<Instant>,
    /// Answer without the user at this time (auto answer, intercom).
    auto_answer_at: Option<Instant>,
    /// Stop ringing at this time (ring timeout).
    ring_until: Option<Instant>,
    muted: bool,
    /// The codec agreed, for the summary.
    codec: Option<String>,
    /// It rang until the ring timeout.
    ring_timed_out: bool,
    /// Forward it at this time when still ringing (forward on no answer).
    forward_at: Option<Instant>,
    /// Where to.
    forward_to: Option<crate::forwarding::Redirect>,
    /// It was forwarded after ringing.
    forwarded: bool,
}

impl CallEntry {
    /// A call that began at `now`, with nothing scheduled yet.
    fn new(call: Call, local_ip: IpAddr, port: u16, info: CallInfo, now: Instant) -> Self {
        Self {
            call,
            local_ip,
            port,
            info,
            started: now,
            established: None,
            auto_answer_at: None,
            ring_until: None,
            muted: false,
            codec: None,
            ring_timed_out: false,
            forward_at: None,
            forward_to: None,
            forwarded: false,
        }
    }
}

/// A call as the control API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallView {
    /// The handle.
    pub handle: CallHandle,
    /// The account.
    pub account: u8,
    /// Which side called.
    pub direction: crate::call::Direction,
    /// Where it stands.
    pub state: crate::call::CallState,
    /// The peer's URI.
    pub remote: String,
    /// The peer's display name.
    pub remote_name: Option<String>,
    /// We hold the peer.
    pub held: bool,
    /// The peer holds us.
    pub remote_held: bool,
    /// The microphone is muted.
    pub muted: bool,
    /// The agreed codec.
    pub codec: Option<String>,
    /// How long it has been established.
    pub talk_time: Option<Duration>,
}

/// Every account's calls.
#[derive(Debug)]
pub struct Phone {
    settings: PhoneSettings,
    accounts: BTreeMap<u8, AccountEntry>,
    calls: BTreeMap<CallHandle, CallEntry>,
    next_handle: CallHandle,
    ports: PortPool,
    rng: StdRng,
    /// Each account's transfer settings (defaults when unset).
    transfer_settings: BTreeMap<u8, TransferSettings>,
    /// Our calls being transferred, waiting for the outcome.
    transfers: BTreeMap<CallHandle, transfer::Transfer>,
    /// Calls a REFER made us place, with the call whose peer asked.
    referred: BTreeMap<CallHandle, CallHandle>,
    /// Calls that ended because they were transferred (for the call log).
    transferred: BTreeSet<CallHandle>,
    outputs: VecDeque<PhoneOutput>,
    /// Do Not Disturb as the user switched it, per account.
    dnd: BTreeMap<u8, bool>,
    /// The local time of day, for time-based forwarding.
    time_of_day: crate::forwarding::TimeOfDay,
    /// What was dialed last, per account (for redial).
    last_dialed: BTreeMap<u8, String>,
    /// The account dialed from last.
    last_account: Option<u8>,
}

impl Phone {
    /// A phone with no accounts yet; `seed` drives tags, branches and keys.
    pub fn new(settings: PhoneSettings, seed: u64) -> Self {
        let ports = PortPool::new(settings.rtp_port_base, settings.rtp_port_count);
        Self {
            settings,
            accounts: BTreeMap::new(),
            calls: BTreeMap::new(),
            next_handle: 1,
            ports,
            rng: StdRng::seed_from_u64(seed),
            transfer_settings: BTreeMap::new(),
            transfers: BTreeMap::new(),
            referred: BTreeMap::new(),
            transferred: BTreeSet::new(),
            outputs: VecDeque::new(),
            dnd: BTreeMap::new(),
            time_of_day: crate::forwarding::TimeOfDay::MIDNIGHT,
            last_dialed: BTreeMap::new(),
            last_account: None,
        }
    }

    /// Sets (or replaces) an account's settings; calls in progress keep theirs.
    pub fn set_account(&mut self, mut settings: CallSettings) {
        let account = settings.account;
        if let Some(on) = self.dnd.get(&account) {
            settings.incoming.do_not_disturb = *on;
        }
        let local = self.accounts.get(&account).and_then(|a| a.local);
        self.accounts
            .insert(account, AccountEntry { settings, local });
    }

    /// Forgets an account (it was disabled); its calls go on until they end.
    pub fn remove_account(&mut self, account: u8) {
        self.accounts.remove(&account);
    }

    /// The address and transport account `account` uses towards its server (for Via and
    /// Contact); `None` while it has none.
    pub fn set_local_address(&mut self, account: u8, local: Option<(SocketAddr, TransportKind)>) {
        if let Some(entry) = self.accounts.get_mut(&account) {
            entry.local = local;
        }
    }

    /// The calls in progress.
    pub fn calls(&self, now: Instant) -> Vec<CallView> {
        self.calls
            .iter()
            .map(|(handle, entry)| CallView {
                handle: *handle,
                account: entry.call.account(),
                direction: entry.call.direction(),
                state: entry.call.state(),
                remote: entry
                    .call
                    .remote()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| entry.info.remote.number.clone()),
                remote_name: entry.info.remote.display_name.clone(),
                held: entry.call.is_held(),
                remote_held: entry.call.is_remote_held(),
                muted: entry.muted,
                codec: entry.codec.clone(),
                talk_time: entry
                    .established
                    .map(|at| now.saturating_duration_since(at)),
            })
            .collect()
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<PhoneOutput> {
        self.outputs.pop_front()
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.calls
            .values()
            .flat_map(|e| {
                [
                    e.call.poll_timeout(),
                    e.auto_answer_at,
                    e.ring_until,
                    e.forward_at,
                ]
            })
            .flatten()
            .chain(self.transfer_timeout())
            .min()
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let handles: Vec<CallHandle> = self.calls.keys().copied().collect();
        for handle in handles {
            let Some(entry) = self.calls.get_mut(&handle) else {
                continue;
            };
            if entry.call.poll_timeout().is_some_and(|at| at <= now) {
                entry.call.handle_timeout(now);
            }
            if entry.auto_answer_at.is_some_and(|at| at <= now) {
                entry.auto_answer_at = None;
                entry.ring_until = None;
                let _ = entry.call.answer(now);
            }
            if entry.ring_until.is_some_and(|at| at <= now) {
                entry.ring_until = None;
                entry.ring_timed_out = true;
                // Nobody answered in time: the caller hears 480 and the call is missed.
                let _ = entry.call.reject(480);
            }
            if entry.forward_at.is_some_and(|at| at <= now) {
                entry.forward_at = None;
                self.forward_after_ringing(now, handle);
            }
            self.pump(now, handle);
        }
        self.handle_transfer_timeouts(now);
    }
}
