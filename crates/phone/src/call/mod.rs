//! One call: an INVITE dialog with its offer/answer, as a sans-IO state machine.
//!
//! A [`Call`] is made for a number we dial ([`Call::dial`]) or for an INVITE that arrived
//! ([`Call::receive`]). The owner feeds it what the account reports for it (responses to its
//! requests, requests in its dialog, failed requests), user actions (answer, reject, hang up,
//! hold, resume, DTMF) and timeouts, then drains [`Call::poll_output`]: requests to send
//! through the account, responses to give, media to start, change or stop, and events.
//!
//! The call does not pick transports or resolve names: a request goes to the account's
//! server unless the call knows a better address (a direct IP call, or a peer whose contact
//! is an IP address with no proxy in the route).

mod messages;
mod refer;
#[cfg(test)]
mod refer_tests;
mod remote;

pub use messages::{direct_target, random_hex as random_tag};
pub use refer::TransferTarget;
#[cfg(test)]
mod tests;
mod uac;
mod uas;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use handset_sdp::{MediaConfig, Negotiated, Negotiator};
use handset_sip::account::RequestId;
use handset_sip::auth::{Credentials, DigestClient};
use handset_sip::dialog::Dialog;
use handset_sip::header::{HeaderKind, NameAddr, Transport as ViaTransport};
use handset_sip::locate::Target;
use handset_sip::transaction::TransactionKey;
use handset_sip::uri::{Host, Uri};
use handset_sip::{Message, MessageBuilder};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// RFC 3261 T1: the first 2xx retransmission interval.
const T1: Duration = Duration::from_millis(500);
/// RFC 3261 T2: the longest 2xx retransmission interval.
const T2: Duration = Duration::from_secs(4);
/// How many redirections (3xx) an outgoing call follows.
const MAX_REDIRECTS: u8 = 3;

/// Who we are in calls of an account, and how our requests are addressed.
#[derive(Debug, Clone)]
pub struct CallParams {
    /// The account (1-based) the call belongs to.
    pub account: u8,
    /// Our address of record, with the display name (From of our calls).
    pub local: NameAddr,
    /// Where the peer reaches us (Contact).
    pub contact: Uri,
    /// The Via of our requests: transport and sent-by (local address and port).
    pub via: ViaSpec,
    /// Credentials for challenges to our requests.
    pub credentials: Option<Credentials>,
    /// User-Agent of our requests.
    pub user_agent: Option<String>,
    /// Our media: codecs, payload types, SRTP, hold mode, with this call's RTP address and
    /// port.
    pub media: MediaConfig,
    /// Seeds tags, branches, Call-ID and keys.
    pub seed: u64,
    /// More headers for the INVITE of a call we place (caller ID privacy: Privacy,
    /// P-Preferred-Identity).
    pub invite_headers: Vec<(HeaderKind, String)>,
}

/// The transport and sent-by of our Via.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViaSpec {
    /// UDP, TCP or TLS.
    pub transport: ViaTransport,
    /// Our address as the peer should answer to.
    pub host: Host,
    /// Our port.
    pub port: u16,
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// Our INVITE is out; no answer yet, or only 100 Trying.
    Calling,
    /// The peer rings (180) or plays early media (183).
    Alerting,
    /// An INVITE came in and rings here.
    Ringing,
    /// We accepted; waiting for the ACK.
    Connecting,
    /// Talking (either side may hold).
    Established,
    /// Over.
    Ended,
}

/// Why a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// We hung up (or cancelled our call).
    LocalHangup,
    /// The peer hung up.
    RemoteHangup,
    /// The caller gave up before we answered (CANCEL).
    Cancelled,
    /// We refused the incoming call with this status.
    Rejected(u16),
    /// The peer (or a server) refused our call.
    Refused {
        /// The final status.
        status: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// No final answer came to our INVITE, or the transport failed.
    Unreachable,
    /// We answered but the ACK never came (RFC 3261 §13.3.1.4).
    NoAck,
    /// The SDP could not be agreed or a message could not be built.
    Failed(String),
}

/// What the media engine has to do for the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaAction {
    /// Start the stream as agreed.
    Start(Negotiated),
    /// The agreement changed (hold, resume, a new address or codec).
    Update(Negotiated),
    /// Stop the stream.
    Stop,
}

/// What the call reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// The peer rings (`early_media`: it plays audio already).
    RemoteRinging {
        /// 183 with SDP.
        early_media: bool,
    },
    /// The call is up.
    Established,
    /// We put the peer on hold.
    Held,
    /// We took the peer off hold.
    Resumed,
    /// The peer refused our hold or resume re-INVITE; nothing changed.
    HoldFailed {
        /// The status it answered with (408 for no answer).
        status: u16,
    },
    /// The peer put us on hold (`true`) or took us off (`false`).
    RemoteHold(bool),
    /// A DTMF digit came by SIP INFO.
    Dtmf {
        /// The digit (`0-9`, `*`, `#`, `A-D`, or `F` for flash).
        digit: char,
        /// How long, in milliseconds.
        duration_ms: u32,
    },
    /// The peer accepted our REFER (202); the outcome follows.
    TransferAccepted,
    /// The call our REFER asked for got this provisional response.
    TransferProgress {
        /// The status the transfer target answered with.
        status: u16,
    },
    /// The call our REFER asked for was answered.
    TransferSucceeded,
    /// Our REFER was refused, or the call it asked for failed.
    TransferFailed {
        /// The refusal or the final status of the new call (408 when nothing came).
        status: u16,
    },
    /// The peer asks us to call someone (we answered its REFER with 202); report the new
    /// call with [`Call::notify_transfer`].
    TransferRequested(Box<TransferTarget>),
    /// The call is over.
    Ended(EndReason),
}

/// A SIP command for the account's task.
#[derive(Debug, Clone)]
pub enum SipCommand {
    /// Send a request through a client transaction (`Account::send_request`); `to` is the
    /// address to use instead of the account's server.
    Send {
        /// The request.
        request: Message,
        /// The address, when not the server.
        to: Option<Target>,
    },
    /// Send an ACK for a 2xx, outside any transaction (`Account::send_stateless`).
    SendAck {
        /// The ACK.
        request: Message,
        /// The address, when not the server.
        to: Option<Target>,
    },
    /// Answer a request (`Account::respond`).
    Respond {
        /// Which request.
        id: RequestId,
        /// The response.
        response: MessageBuilder,
    },
}

/// Something the owner has to do.
#[derive(Debug, Clone)]
pub enum CallOutput {
    /// SIP to send or answer through the call's account.
    Sip(SipCommand),
    /// Media to start, change or stop.
    Media(MediaAction),
    /// Something happened.
    Event(CallEvent),
}

/// Why a call cannot be made or an action cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// A message could not be read or built.
    #[error("message: {0}")]
    Message(String),
    /// The offer/answer failed.
    #[error("SDP: {0}")]
    Sdp(String),
    /// The action does not fit the call's state.
    #[error("cannot {action} a call that is {state:?}")]
    State {
        /// What was asked.
        action: &'static str,
        /// Where the call stands.
        state: CallState,
    },
    /// A hold or resume is already under way.
    #[error("a hold or resume is already under way")]
    Busy,
    /// Our earlier transfer of this call is still waiting for its outcome.
    #[error("a transfer of this call is already under way")]
    TransferPending,
    /// The peer asked for no transfer that could be reported.
    #[error("the peer asked for no transfer in this call")]
    NoTransfer,
}

impl From<handset_sip::ParseError> for CallError {
    fn from(error: handset_sip::ParseError) -> Self {
        Self::Message(error.to_string())
    }
}

impl From<handset_sip::dialog::DialogError> for CallError {
    fn from(error: handset_sip::dialog::DialogError) -> Self {
        Self::Message(error.to_string())
    }
}

impl From<handset_sdp::NegotiationError> for CallError {
    fn from(error: handset_sdp::NegotiationError) -> Self {
        Self::Sdp(error.to_string())
    }
}

/// Which side sent the INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// We called.
    Outgoing,
    /// We were called.
    Incoming,
}

/// Our INVITE in flight (the first one, or a re-INVITE for hold/resume).
#[derive(Debug, Clone)]
struct PendingInvite {
    request: Message,
    key: TransactionKey,
    to: Option<Target>,
    /// The user hung up before any provisional response: CANCEL when one comes.
    cancel_when_possible: bool,
    /// A CANCEL went out.
    cancelled: bool,
    /// Which hold state the re-INVITE asks for (`None` for the initial INVITE).
    hold: Option<bool>,
}

/// Our 2xx to the peer's INVITE, resent until the ACK comes.
#[derive(Debug, Clone)]
struct UnacknowledgedOk {
    id: RequestId,
    response: MessageBuilder,
    next: Instant,
    interval: Duration,
    give_up: Instant,
}

impl UnacknowledgedOk {
    /// Our 2xx `response` to request `id`, sent at `now`: resent at T1, doubling up to T2,
    /// for 64·T1 (RFC 3261 §13.3.1.4).
    fn new(id: RequestId, response: MessageBuilder, now: Instant) -> Self {
        Self {
            id,
            response,
            next: now + T1,
            interval: T1,
            give_up: now + T1 * 64,
        }
    }
}

/// One call.
#[derive(Debug)]
pub struct Call {
    params: CallParams,
    direction: Direction,
    state: CallState,
    rng: StdRng,
    negotiator: Negotiator,
    digest: Option<DigestClient>,
    /// The dialog (early or confirmed) once there is one.
    dialog: Option<Dialog>,
    /// Our local tag (From tag when calling, To tag when called).
    local_tag: String,
    call_id: String,
    /// Our INVITE in flight.
    invite: Option<PendingInvite>,
    /// Their INVITE (initial or re-INVITE) awaiting our final answer.
    their_invite: Option<(RequestId, Message)>,
    /// An offer in their INVITE we answer when accepting; `None` for a late offer.
    their_offer: Option<handset_sdp::SessionDescription>,
    unacknowledged: Option<UnacknowledgedOk>,
    /// The address in-dialog requests go to (`None`: the account's server).
    route_to: Option<Target>,
    /// Media runs.
    media_started: bool,
    /// The peer holds us.
    remote_hold: bool,
    /// A re-INVITE to retry after a 491 (its hold state, when).
    glare_retry: Option<(bool, Instant)>,
    redirects: u8,
    /// Our REFER waiting for its outcome.
    refer_out: Option<refer::OutgoingRefer>,
    /// The peer's REFER whose subscription is still active.
    refer_in: bool,
    outputs: VecDeque<CallOutput>,
}

impl Call {
    /// Which side called.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Where the call stands.
    pub fn state(&self) -> CallState {
        self.state
    }

    /// The account the call belongs to.
    pub fn account(&self) -> u8 {
        self.params.account
    }

    /// The SIP Call-ID.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The peer's address (To when we called, From when called), once known.
    pub fn remote(&self) -> Option<&Uri> {
        self.dialog.as_ref().map(Dialog::remote_uri)
    }

    /// Whether we hold the peer.
    pub fn is_held(&self) -> bool {
        self.negotiator.is_held()
    }

    /// Whether the peer holds us.
    pub fn is_remote_held(&self) -> bool {
        self.remote_hold
    }

    /// Whether `message` (a request or a response) belongs to this call: same Call-ID and our
    /// tag on our side of it.
    pub fn owns(&self, message: &Message) -> bool {
        let h = message.headers();
        if h.call_id().ok() != Some(self.call_id.as_str()) {
            return false;
        }
        let ours = if message.status().is_some() {
            // Responses to our requests carry our tag in From.
            h.from().ok().and_then(|f| f.tag().map(str::to_owned))
        } else {
            match h.to().ok().and_then(|t| t.tag().map(str::to_owned)) {
                Some(tag) => Some(tag),
                // A CANCEL of the INVITE that created the call carries no To tag yet.
                None if self.direction == Direction::Incoming => Some(self.local_tag.clone()),
                None => None,
            }
        };
        ours.as_deref() == Some(self.local_tag.as_str())
    }

    /// The next thing to do.
    pub fn poll_output(&mut self) -> Option<CallOutput> {
        self.outputs.pop_front()
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ok = self.unacknowledged.as_ref().map(|u| u.next.min(u.give_up));
        let glare = self.glare_retry.map(|(_, at)| at);
        [ok, glare].into_iter().flatten().min()
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.resend_ok(now);
        if let Some((hold, at)) = self.glare_retry {
            if at <= now {
                self.glare_retry = None;
                let idle = self.state == CallState::Established && self.invite.is_none();
                if idle && self.reinvite(hold).is_err() {
                    self.outputs
                        .push_back(CallOutput::Event(CallEvent::HoldFailed { status: 491 }));
                }
            }
        }
    }

    /// A response to one of our requests.
    pub fn handle_response(&mut self, now: Instant, key: &TransactionKey, response: &Message) {
        let is_invite = self.invite.as_ref().is_some_and(|i| &i.key == key);
        if is_invite {
            self.on_invite_response(now, response);
        } else if self.is_refer(key) {
            self.on_refer_response(response);
        }
        // Responses to BYE, INFO and the like need nothing: the call is over or unchanged.
    }

    /// One of our requests got no final answer.
    pub fn handle_request_failed(&mut self, now: Instant, key: &TransactionKey) {
        let _ = now;
        if self.is_refer(key) {
            return self.on_refer_failed();
        }
        let Some(invite) = self.invite.as_ref().filter(|i| &i.key == key) else {
            return;
        };
        match invite.hold {
            None => {
                self.invite = None;
                self.end(EndReason::Unreachable);
            }
            Some(_) => {
                self.invite = None;
                self.negotiator.cancel_offer();
                self.negotiator.set_hold(!self.negotiator.is_held());
                self.outputs
                    .push_back(CallOutput::Event(CallEvent::HoldFailed { status: 408 }));
            }
        }
    }

    /// Ends the call from our side: CANCEL while our call rings, 603 Decline while theirs
    /// rings (see [`Self::reject`] for another status), BYE once up.
    pub fn hang_up(&mut self, now: Instant) {
        let _ = now;
        match self.state {
            CallState::Calling | CallState::Alerting => self.cancel(),
            CallState::Ringing => {
                let _ = self.reject(603);
            }
            CallState::Connecting | CallState::Established => {
                self.send_bye();
                self.end(EndReason::LocalHangup);
            }
            CallState::Ended => {}
        }
    }

    /// Puts the peer on hold (a re-INVITE with our stream sendonly or inactive, or
    /// `c=0.0.0.0` in the RFC 2543 mode).
    pub fn hold(&mut self) -> Result<(), CallError> {
        self.change_hold(true, "hold")
    }

    /// Takes the peer off hold.
    pub fn resume(&mut self) -> Result<(), CallError> {
        self.change_hold(false, "resume")
    }

    fn change_hold(&mut self, hold: bool, action: &'static str) -> Result<(), CallError> {
        if self.state != CallState::Established {
            return Err(CallError::State {
                action,
                state: self.state,
            });
        }
        if self.invite.is_some() || self.their_invite.is_some() {
            return Err(CallError::Busy);
        }
        if self.negotiator.is_held() == hold {
            return Ok(());
        }
        self.reinvite(hold)
    }

    /// Sends a DTMF digit as SIP INFO (`application/dtmf-relay`).
    pub fn send_info_dtmf(&mut self, digit: char, duration_ms: u32) -> Result<(), CallError> {
        if self.state != CallState::Established {
            return Err(CallError::State {
                action: "send DTMF in",
                state: self.state,
            });
        }
        let body = format!("Signal={digit}\r\nDuration={duration_ms}\r\n");
        self.send_in_dialog(
            handset_sip::Method::Info,
            Some(("application", "dtmf-relay", body.into_bytes())),
        )
    }

    /// Marks the call over and tells the owner (once).
    fn end(&mut self, reason: EndReason) {
        if self.state == CallState::Ended {
            return;
        }
        self.state = CallState::Ended;
        self.unacknowledged = None;
        self.glare_retry = None;
        if let Some(dialog) = self.dialog.as_mut() {
            dialog.terminate();
        }
        if self.media_started {
            self.media_started = false;
            self.outputs.push_back(CallOutput::Media(MediaAction::Stop));
        }
        self.outputs
            .push_back(CallOutput::Event(CallEvent::Ended(reason)));
    }

    /// Media as `negotiated` says: started the first time, updated after.
    fn apply_media(&mut self, negotiated: Negotiated) {
        let action = if self.media_started {
            MediaAction::Update(negotiated)
        } else {
            self.media_started = true;
            MediaAction::Start(negotiated)
        };
        self.outputs.push_back(CallOutput::Media(action));
    }

    fn new(params: CallParams, direction: Direction, call_id: String, local_tag: String) -> Self {
        let rng = StdRng::seed_from_u64(params.seed);
        let negotiator = Negotiator::new(params.media.clone(), params.seed & 0x7FFF_FFFF);
        let digest = params.credentials.clone().map(DigestClient::new);
        Self {
            params,
            direction,
            state: CallState::Calling,
            rng,
            negotiator,
            digest,
            dialog: None,
            local_tag,
            call_id,
            invite: None,
            their_invite: None,
            their_offer: None,
            unacknowledged: None,
            route_to: None,
            media_started: false,
            remote_hold: false,
            glare_retry: None,
            redirects: 0,
            refer_out: None,
            refer_in: false,
            outputs: VecDeque::new(),
        }
    }
}
