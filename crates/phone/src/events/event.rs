//! The events themselves and the call and account facts they carry.

use std::fmt;
use std::time::Duration;

/// The SIP account an event concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRef {
    /// The account's position on the phone, counted from 1 as the web pages and the CTI
    /// `api-get_accounts` answer count it.
    pub index: u8,
    /// The account's user ID, its own number (`$active_user`).
    pub user_id: String,
    /// The account's SIP server (`$active_host`).
    pub sip_server: String,
}

/// One end of a call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Party {
    /// The number or user part.
    pub number: String,
    /// The display name, when the signalling gave one.
    pub display_name: Option<String>,
}

impl Party {
    /// A party known by number only.
    pub fn number(number: impl Into<String>) -> Self {
        Self {
            number: number.into(),
            display_name: None,
        }
    }

    /// A party with a display name.
    pub fn named(number: impl Into<String>, display_name: impl Into<String>) -> Self {
        Self {
            number: number.into(),
            display_name: Some(display_name.into()),
        }
    }
}

/// Who started the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallDirection {
    /// The remote side called this phone.
    Incoming,
    /// This phone placed the call.
    Outgoing,
}

impl CallDirection {
    /// The word reported in `$calldirection`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incoming => "incoming",
            Self::Outgoing => "outgoing",
        }
    }
}

impl fmt::Display for CallDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts about a call that its events report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    /// The account the call runs on.
    pub account: AccountRef,
    /// The SIP Call-ID (`$call-id`).
    pub call_id: String,
    /// Who started the call.
    pub direction: CallDirection,
    /// This phone's side: the called number on an incoming call (`$local`, `$display_local`).
    pub local: Party,
    /// The other side (`$remote`, `$display_remote`).
    pub remote: Party,
}

/// Which forwarding rule an on/off event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForwardKind {
    /// Every call (its own Action URL pair, P22164/P22165).
    Unconditional,
    /// Calls while busy (P22166/P22167).
    Busy,
    /// Calls that ring unanswered (P22168/P22169).
    NoAnswer,
    /// The in-hours/out-of-hours target (WP820 "Time Based" forward type).
    TimeBased,
    /// Calls while Do Not Disturb is on (WP820 "DND To").
    DoNotDisturb,
}

impl ForwardKind {
    /// The snake-case name used in the API and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconditional => "unconditional",
            Self::Busy => "busy",
            Self::NoAnswer => "no_answer",
            Self::TimeBased => "time_based",
            Self::DoNotDisturb => "dnd",
        }
    }
}

/// Something that happened on the phone, as Action URLs, CTI and logs report it. Named after
/// the GHP guide's Action URL table, the WP820 guide's event notification list and the
/// Action URL P-values (P8304 to P8332, P22164 to P22172).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PhoneEvent {
    /// The phone finished starting up ("Setup Completed", WP820 "Bootup Completed").
    SetupCompleted,
    /// An auto-provisioning run finished.
    AutoProvisionCompleted,
    /// An account registered.
    Registered {
        /// The account.
        account: AccountRef,
    },
    /// An account unregistered.
    Unregistered {
        /// The account.
        account: AccountRef,
    },
    /// An account failed to register.
    RegisterFailed {
        /// The account.
        account: AccountRef,
    },
    /// The phone's IP address changed; the device facts already hold the new one.
    IpChanged,
    /// The phone went from idle to busy.
    IdleToBusy,
    /// The phone went from busy back to idle.
    BusyToIdle,
    /// The handset was lifted or the speaker or headset opened the line.
    OffHook,
    /// The line was put back on hook.
    OnHook,
    /// A call arrived.
    IncomingCall {
        /// The call.
        call: CallInfo,
    },
    /// The phone placed a call.
    OutgoingCall {
        /// The call.
        call: CallInfo,
    },
    /// An incoming call ended unanswered.
    MissedCall {
        /// The call.
        call: CallInfo,
    },
    /// The user answered an incoming call.
    CallAnswered {
        /// The call.
        call: CallInfo,
    },
    /// The user refused an incoming call.
    CallRejected {
        /// The call.
        call: CallInfo,
    },
    /// An incoming call was forwarded elsewhere.
    CallForwarded {
        /// The call.
        call: CallInfo,
        /// Where it went.
        target: String,
    },
    /// A call was set up and media flows ("Established Call", WP820 "Connected").
    CallEstablished {
        /// The call.
        call: CallInfo,
    },
    /// A call ended ("Terminated Call", WP820 "Disconnected").
    CallTerminated {
        /// The call.
        call: CallInfo,
        /// How long the parties talked; zero if the call never connected (`$duration`).
        talk_time: Duration,
    },
    /// The phone put a call on hold.
    Hold {
        /// The call.
        call: CallInfo,
    },
    /// The phone resumed a held call.
    Unhold {
        /// The call.
        call: CallInfo,
    },
    /// The microphone was muted during a call.
    Mute {
        /// The call.
        call: CallInfo,
    },
    /// The microphone was unmuted during a call.
    Unmute {
        /// The call.
        call: CallInfo,
    },
    /// The phone started a blind transfer of a call.
    BlindTransfer {
        /// The call being transferred.
        call: CallInfo,
        /// Where it is sent.
        target: String,
    },
    /// The phone started an attended transfer of a call.
    AttendedTransfer {
        /// The call being transferred.
        call: CallInfo,
        /// The party it is joined with.
        target: String,
    },
    /// A transfer succeeded ("Transfer Completed", P8322 "Transfer Finished").
    TransferCompleted {
        /// The call that was transferred.
        call: CallInfo,
    },
    /// A transfer failed.
    TransferFailed {
        /// The call that was to be transferred.
        call: CallInfo,
    },
    /// Do Not Disturb was turned on.
    DndOn,
    /// Do Not Disturb was turned off.
    DndOff,
    /// A forwarding rule was turned on for an account.
    ForwardOn {
        /// The account.
        account: AccountRef,
        /// Which rule.
        kind: ForwardKind,
    },
    /// A forwarding rule was turned off for an account.
    ForwardOff {
        /// The account.
        account: AccountRef,
        /// Which rule.
        kind: ForwardKind,
    },
    /// Syslog was turned on (P8330 "Open Syslog").
    SyslogOn,
    /// Syslog was turned off (P8331 "Close Syslog").
    SyslogOff,
    /// A user logged on to the phone (WP820 "Log On").
    LogOn,
    /// A user logged off the phone (WP820 "Log Off").
    LogOff,
    /// A SAFE/panic call was placed (WP820 "SAFE/Panic Call").
    PanicCall {
        /// The call.
        call: CallInfo,
    },
}

impl PhoneEvent {
    /// The stable snake-case name used in the API and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SetupCompleted => "setup_completed",
            Self::AutoProvisionCompleted => "auto_provision_completed",
            Self::Registered { .. } => "registered",
            Self::Unregistered { .. } => "unregistered",
            Self::RegisterFailed { .. } => "register_failed",
            Self::IpChanged => "ip_changed",
            Self::IdleToBusy => "idle_to_busy",
            Self::BusyToIdle => "busy_to_idle",
            Self::OffHook => "off_hook",
            Self::OnHook => "on_hook",
            Self::IncomingCall { .. } => "incoming_call",
            Self::OutgoingCall { .. } => "outgoing_call",
            Self::MissedCall { .. } => "missed_call",
            Self::CallAnswered { .. } => "call_answered",
            Self::CallRejected { .. } => "call_rejected",
            Self::CallForwarded { .. } => "call_forwarded",
            Self::CallEstablished { .. } => "call_established",
            Self::CallTerminated { .. } => "call_terminated",
            Self::Hold { .. } => "hold",
            Self::Unhold { .. } => "unhold",
            Self::Mute { .. } => "mute",
            Self::Unmute { .. } => "unmute",
            Self::BlindTransfer { .. } => "blind_transfer",
            Self::AttendedTransfer { .. } => "attended_transfer",
            Self::TransferCompleted { .. } => "transfer_completed",
            Self::TransferFailed { .. } => "transfer_failed",
            Self::DndOn => "dnd_on",
            Self::DndOff => "dnd_off",
            Self::ForwardOn { .. } => "forward_on",
            Self::ForwardOff { .. } => "forward_off",
            Self::SyslogOn => "syslog_on",
            Self::SyslogOff => "syslog_off",
            Self::LogOn => "log_on",
            Self::LogOff => "log_off",
            Self::PanicCall { .. } => "panic_call",
        }
    }

    /// The call the event is about, if any.
    pub fn call(&self) -> Option<&CallInfo> {
        match self {
            Self::IncomingCall { call }
            | Self::OutgoingCall { call }
            | Self::MissedCall { call }
            | Self::CallAnswered { call }
            | Self::CallRejected { call }
            | Self::CallForwarded { call, .. }
            | Self::CallEstablished { call }
            | Self::CallTerminated { call, .. }
            | Self::Hold { call }
            | Self::Unhold { call }
            | Self::Mute { call }
            | Self::Unmute { call }
            | Self::BlindTransfer { call, .. }
            | Self::AttendedTransfer { call, .. }
            | Self::TransferCompleted { call }
            | Self::TransferFailed { call }
            | Self::PanicCall { call } => Some(call),
            _ => None,
        }
    }

    /// The account the event is about: the call's account for call events.
    pub fn account(&self) -> Option<&AccountRef> {
        match self {
            Self::Registered { account }
            | Self::Unregistered { account }
            | Self::RegisterFailed { account }
            | Self::ForwardOn { account, .. }
            | Self::ForwardOff { account, .. } => Some(account),
            _ => self.call().map(|call| &call.account),
        }
    }
}

impl fmt::Display for PhoneEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
