//! How the API and the command line drive the running phone: commands sent to the phone task
//! over a channel, each answered on its own oneshot.

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

/// A call as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSummary {
    /// The call's number in this daemon (stable while the call lasts).
    pub id: u32,
    /// The account (1-based).
    pub account: u8,
    /// `outgoing` or `incoming`.
    pub direction: String,
    /// `calling`, `alerting`, `ringing`, `connecting`, `established`, `ended`.
    pub state: String,
    /// The peer's SIP URI.
    pub remote: String,
    /// The peer's display name, when it gave one.
    pub remote_name: Option<String>,
    /// We hold the peer.
    pub held: bool,
    /// The peer holds us.
    pub remote_held: bool,
    /// The microphone is muted.
    pub muted: bool,
    /// The agreed codec (`PCMU/8000`, `opus/48000`), once media runs.
    pub codec: Option<String>,
    /// Seconds since the call was established.
    pub talk_seconds: Option<u64>,
}

/// Why a command failed, as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// `not_found` (no such call), `conflict` (the call's state does not allow it),
    /// `invalid` (bad argument), `unavailable` (the phone is shutting down).
    pub kind: String,
    /// A sentence for the user.
    pub message: String,
}

impl CommandError {
    /// A command for a call that does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            kind: "not_found".into(),
            message: message.into(),
        }
    }

    /// A command the call's state does not allow.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self {
            kind: "conflict".into(),
            message: message.into(),
        }
    }

    /// A bad argument.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            kind: "invalid".into(),
            message: message.into(),
        }
    }

    /// The phone task is gone.
    pub fn unavailable() -> Self {
        Self {
            kind: "unavailable".into(),
            message: "the phone is not running".into(),
        }
    }
}

/// Which call a command is for: a call number, or `None` for the obvious one (the ringing
/// call for answer/reject, the active call otherwise).
pub type CallSelector = Option<u32>;

/// What the phone task is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Call `target` (digits, `user`, `sip:` URI, or a direct IP like `192*168*1*60#5062`)
    /// from `account` (default: the preferred account).
    Dial {
        /// The account, 1-based.
        account: Option<u8>,
        /// What to call.
        target: String,
        /// The new call.
        reply: oneshot::Sender<Result<CallSummary, CommandError>>,
    },
    /// Answer a ringing call.
    Answer(
        CallSelector,
        oneshot::Sender<Result<CallSummary, CommandError>>,
    ),
    /// Refuse a ringing call (603 Decline).
    Reject(
        CallSelector,
        oneshot::Sender<Result<CallSummary, CommandError>>,
    ),
    /// Hang up (or cancel) a call.
    Hangup(
        CallSelector,
        oneshot::Sender<Result<CallSummary, CommandError>>,
    ),
    /// Put a call on hold.
    Hold(
        CallSelector,
        oneshot::Sender<Result<CallSummary, CommandError>>,
    ),
    /// Take a call off hold.
    Resume(
        CallSelector,
        oneshot::Sender<Result<CallSummary, CommandError>>,
    ),
    /// Mute (`true`) or unmute the microphone in a call.
    Mute(
        CallSelector,
        bool,
        oneshot::Sender<Result<CallSummary, CommandError>>,
    ),
    /// Send DTMF digits in a call, the way the account sends DTMF.
    Dtmf(
        CallSelector,
        String,
        oneshot::Sender<Result<CallSummary, CommandError>>,
    ),
    /// Transfer a call: blind to `target`, or attended to the peer of call `attended`.
    Transfer {
        /// The call to transfer (default: the active call, or for an attended transfer the
        /// established call other than `attended`).
        call: CallSelector,
        /// Where a blind transfer sends the call (what [`Command::Dial`] takes).
        target: Option<String>,
        /// The call whose peer an attended transfer joins the transferred call's peer with.
        attended: Option<u32>,
        /// The transferred call, as it is once the transfer is under way.
        reply: oneshot::Sender<Result<CallSummary, CommandError>>,
    },
    /// The calls in progress.
    List(oneshot::Sender<Vec<CallSummary>>),
    /// Call again what was last dialed (from `account`, default the account last dialed from).
    Redial(
        Option<u8>,
        oneshot::Sender<Result<CallSummary, CommandError>>,
    ),
    /// Call the account's voicemail access number.
    Voicemail(
        Option<u8>,
        oneshot::Sender<Result<CallSummary, CommandError>>,
    ),
    /// Switch Do Not Disturb on or off (`Some`) for one account or all (`None`), or just read
    /// it; answers every account's state.
    Dnd {
        /// The account, 1-based; `None`: every account.
        account: Option<u8>,
        /// On or off; `None` only reads.
        on: Option<bool>,
        /// Each account's state.
        reply: oneshot::Sender<Result<Vec<AccountDnd>, CommandError>>,
    },
}

/// Do Not Disturb on one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDnd {
    /// The account, 1-based.
    pub account: u8,
    /// Whether DND is on.
    pub dnd: bool,
}

/// The sending end the API holds.
#[derive(Debug, Clone)]
pub struct PhoneHandle {
    commands: mpsc::Sender<Command>,
}

impl PhoneHandle {
    /// A handle over `commands`; the phone task holds the receiving end.
    pub fn new(commands: mpsc::Sender<Command>) -> Self {
        Self { commands }
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, CommandError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(make(reply))
            .await
            .map_err(|_| CommandError::unavailable())?;
        answer.await.map_err(|_| CommandError::unavailable())
    }

    /// Places a call.
    pub async fn dial(
        &self,
        account: Option<u8>,
        target: String,
    ) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Dial {
            account,
            target,
            reply,
        })
        .await?
    }

    /// Answers a ringing call.
    pub async fn answer(&self, call: CallSelector) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Answer(call, reply)).await?
    }

    /// Refuses a ringing call.
    pub async fn reject(&self, call: CallSelector) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Reject(call, reply)).await?
    }

    /// Hangs up a call.
    pub async fn hangup(&self, call: CallSelector) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Hangup(call, reply)).await?
    }

    /// Holds a call.
    pub async fn hold(&self, call: CallSelector) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Hold(call, reply)).await?
    }

    /// Resumes a call.
    pub async fn resume(&self, call: CallSelector) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Resume(call, reply)).await?
    }

    /// Mutes or unmutes.
    pub async fn mute(&self, call: CallSelector, on: bool) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Mute(call, on, reply)).await?
    }

    /// Sends DTMF digits.
    pub async fn dtmf(
        &self,
        call: CallSelector,
        digits: String,
    ) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Dtmf(call, digits, reply)).await?
    }

    /// Switches Do Not Disturb (or reads it with `on: None`).
    pub async fn dnd(
        &self,
        account: Option<u8>,
        on: Option<bool>,
    ) -> Result<Vec<AccountDnd>, CommandError> {
        self.ask(|reply| Command::Dnd { account, on, reply })
            .await?
    }

    /// Transfers a call, blind to `target` or attended to call `attended`.
    pub async fn transfer(
        &self,
        call: CallSelector,
        target: Option<String>,
        attended: Option<u32>,
    ) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Transfer {
            call,
            target,
            attended,
            reply,
        })
        .await?
    }

    /// Calls again what was last dialed.
    pub async fn redial(&self, account: Option<u8>) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Redial(account, reply)).await?
    }

    /// Calls the voicemail.
    pub async fn voicemail(&self, account: Option<u8>) -> Result<CallSummary, CommandError> {
        self.ask(|reply| Command::Voicemail(account, reply)).await?
    }

    /// The calls in progress.
    pub async fn calls(&self) -> Result<Vec<CallSummary>, CommandError> {
        self.ask(Command::List).await
    }
}
