//! Action URLs: the HTTP GETs the phone sends when an event happens, one configurable URL
//! template per event (P8304 to P8332, P22164 to P22172).

use std::collections::BTreeMap;

use super::error::EventError;
use super::event::{ForwardKind, PhoneEvent};
use super::variables::{substitute, Variables};

/// One configurable Action URL, named after its event in the configuration template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionUrlSlot {
    /// Setup Completed (P8304).
    SetupCompleted,
    /// Registered (P8305).
    Registered,
    /// Unregistered (P8306).
    Unregistered,
    /// Register Failed (P8307).
    RegisterFailed,
    /// Off Hook (P8308).
    OffHook,
    /// On Hook (P8309).
    OnHook,
    /// Incoming Call (P8310).
    IncomingCall,
    /// Outgoing Call (P8311).
    OutgoingCall,
    /// Missed Call (P8312).
    MissedCall,
    /// Established Call (P8313).
    EstablishedCall,
    /// Terminated Call (P8314).
    TerminatedCall,
    /// Rejected Call (P8315).
    RejectedCall,
    /// Open DND (P8316).
    OpenDnd,
    /// Close DND (P8317).
    CloseDnd,
    /// Open Forward, any kind (P8318).
    OpenForward,
    /// Close Forward, any kind (P8319).
    CloseForward,
    /// Blind Transfer (P8320).
    BlindTransfer,
    /// Attended Transfer (P8321).
    AttendedTransfer,
    /// Transfer Finished (P8322).
    TransferFinished,
    /// Transfer Failed (P8323).
    TransferFailed,
    /// Hold Call (P8324).
    HoldCall,
    /// UnHold Call (P8325).
    UnholdCall,
    /// Mute Call (P8326).
    MuteCall,
    /// UnMute Call (P8327).
    UnmuteCall,
    /// Idle to Busy (P8328).
    IdleToBusy,
    /// Busy to Idle (P8329).
    BusyToIdle,
    /// Open Syslog (P8330).
    OpenSyslog,
    /// Close Syslog (P8331).
    CloseSyslog,
    /// Auto-Provision Finish (P8332).
    AutoProvisionFinish,
    /// Open Unconditional Forward (P22164).
    OpenUnconditionalForward,
    /// Close Unconditional Forward (P22165).
    CloseUnconditionalForward,
    /// Open Busy Forward (P22166).
    OpenBusyForward,
    /// Close Busy Forward (P22167).
    CloseBusyForward,
    /// Open No Answer Forward (P22168).
    OpenNoAnswerForward,
    /// Close No Answer Forward (P22169).
    CloseNoAnswerForward,
    /// IP Change (P22170).
    IpChange,
    /// Answered Call (P22171).
    AnsweredCall,
    /// Forwarded Call (P22172).
    ForwardedCall,
}

impl ActionUrlSlot {
    /// Every slot, in P-number order.
    pub const ALL: [Self; 38] = [
        Self::SetupCompleted,
        Self::Registered,
        Self::Unregistered,
        Self::RegisterFailed,
        Self::OffHook,
        Self::OnHook,
        Self::IncomingCall,
        Self::OutgoingCall,
        Self::MissedCall,
        Self::EstablishedCall,
        Self::TerminatedCall,
        Self::RejectedCall,
        Self::OpenDnd,
        Self::CloseDnd,
        Self::OpenForward,
        Self::CloseForward,
        Self::BlindTransfer,
        Self::AttendedTransfer,
        Self::TransferFinished,
        Self::TransferFailed,
        Self::HoldCall,
        Self::UnholdCall,
        Self::MuteCall,
        Self::UnmuteCall,
        Self::IdleToBusy,
        Self::BusyToIdle,
        Self::OpenSyslog,
        Self::CloseSyslog,
        Self::AutoProvisionFinish,
        Self::OpenUnconditionalForward,
        Self::CloseUnconditionalForward,
        Self::OpenBusyForward,
        Self::CloseBusyForward,
        Self::OpenNoAnswerForward,
        Self::CloseNoAnswerForward,
        Self::IpChange,
        Self::AnsweredCall,
        Self::ForwardedCall,
    ];

    /// The P-number that holds this slot's template.
    pub fn pvalue(self) -> &'static str {
        match self {
            Self::SetupCompleted => "P8304",
            Self::Registered => "P8305",
            Self::Unregistered => "P8306",
            Self::RegisterFailed => "P8307",
            Self::OffHook => "P8308",
            Self::OnHook => "P8309",
            Self::IncomingCall => "P8310",
            Self::OutgoingCall => "P8311",
            Self::MissedCall => "P8312",
            Self::EstablishedCall => "P8313",
            Self::TerminatedCall => "P8314",
            Self::RejectedCall => "P8315",
            Self::OpenDnd => "P8316",
            Self::CloseDnd => "P8317",
            Self::OpenForward => "P8318",
            Self::CloseForward => "P8319",
            Self::BlindTransfer => "P8320",
            Self::AttendedTransfer => "P8321",
            Self::TransferFinished => "P8322",
            Self::TransferFailed => "P8323",
            Self::HoldCall => "P8324",
            Self::UnholdCall => "P8325",
            Self::MuteCall => "P8326",
            Self::UnmuteCall => "P8327",
            Self::IdleToBusy => "P8328",
            Self::BusyToIdle => "P8329",
            Self::OpenSyslog => "P8330",
            Self::CloseSyslog => "P8331",
            Self::AutoProvisionFinish => "P8332",
            Self::OpenUnconditionalForward => "P22164",
            Self::CloseUnconditionalForward => "P22165",
            Self::OpenBusyForward => "P22166",
            Self::CloseBusyForward => "P22167",
            Self::OpenNoAnswerForward => "P22168",
            Self::CloseNoAnswerForward => "P22169",
            Self::IpChange => "P22170",
            Self::AnsweredCall => "P22171",
            Self::ForwardedCall => "P22172",
        }
    }

    /// The slots an event sends. A forwarding change sends the general Open/Close Forward
    /// URL and, for the three kinds that have one, the URL of its own kind too. Log on, log
    /// off and panic calls have no slot in the configuration tables, so they send nothing.
    pub fn for_event(event: &PhoneEvent) -> &'static [Self] {
        match event {
            PhoneEvent::SetupCompleted => &[Self::SetupCompleted],
            PhoneEvent::AutoProvisionCompleted => &[Self::AutoProvisionFinish],
            PhoneEvent::Registered { .. } => &[Self::Registered],
            PhoneEvent::Unregistered { .. } => &[Self::Unregistered],
            PhoneEvent::RegisterFailed { .. } => &[Self::RegisterFailed],
            PhoneEvent::IpChanged => &[Self::IpChange],
            PhoneEvent::IdleToBusy => &[Self::IdleToBusy],
            PhoneEvent::BusyToIdle => &[Self::BusyToIdle],
            PhoneEvent::OffHook => &[Self::OffHook],
            PhoneEvent::OnHook => &[Self::OnHook],
            PhoneEvent::IncomingCall { .. } => &[Self::IncomingCall],
            PhoneEvent::OutgoingCall { .. } => &[Self::OutgoingCall],
            PhoneEvent::MissedCall { .. } => &[Self::MissedCall],
            PhoneEvent::CallAnswered { .. } => &[Self::AnsweredCall],
            PhoneEvent::CallRejected { .. } => &[Self::RejectedCall],
            PhoneEvent::CallForwarded { .. } => &[Self::ForwardedCall],
            PhoneEvent::CallEstablished { .. } => &[Self::EstablishedCall],
            PhoneEvent::CallTerminated { .. } => &[Self::TerminatedCall],
            PhoneEvent::Hold { .. } => &[Self::HoldCall],
            PhoneEvent::Unhold { .. } => &[Self::UnholdCall],
            PhoneEvent::Mute { .. } => &[Self::MuteCall],
            PhoneEvent::Unmute { .. } => &[Self::UnmuteCall],
            PhoneEvent::BlindTransfer { .. } => &[Self::BlindTransfer],
            PhoneEvent::AttendedTransfer { .. } => &[Self::AttendedTransfer],
            PhoneEvent::TransferCompleted { .. } => &[Self::TransferFinished],
            PhoneEvent::TransferFailed { .. } => &[Self::TransferFailed],
            PhoneEvent::DndOn => &[Self::OpenDnd],
            PhoneEvent::DndOff => &[Self::CloseDnd],
            PhoneEvent::ForwardOn { kind, .. } => match kind {
                ForwardKind::Unconditional => &[Self::OpenForward, Self::OpenUnconditionalForward],
                ForwardKind::Busy => &[Self::OpenForward, Self::OpenBusyForward],
                ForwardKind::NoAnswer => &[Self::OpenForward, Self::OpenNoAnswerForward],
                ForwardKind::TimeBased | ForwardKind::DoNotDisturb => &[Self::OpenForward],
            },
            PhoneEvent::ForwardOff { kind, .. } => match kind {
                ForwardKind::Unconditional => {
                    &[Self::CloseForward, Self::CloseUnconditionalForward]
                }
                ForwardKind::Busy => &[Self::CloseForward, Self::CloseBusyForward],
                ForwardKind::NoAnswer => &[Self::CloseForward, Self::CloseNoAnswerForward],
                ForwardKind::TimeBased | ForwardKind::DoNotDisturb => &[Self::CloseForward],
            },
            PhoneEvent::SyslogOn => &[Self::OpenSyslog],
            PhoneEvent::SyslogOff => &[Self::CloseSyslog],
            PhoneEvent::LogOn | PhoneEvent::LogOff | PhoneEvent::PanicCall { .. } => &[],
        }
    }
}

/// "Enable Outbound Notification" (P32062, default on): off silences every Action URL.
const OUTBOUND_NOTIFICATION: &str = "P32062";

/// The configured Action URL templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionUrls {
    /// Whether outbound notification is on (P32062).
    pub enabled: bool,
    templates: BTreeMap<ActionUrlSlot, String>,
}

impl Default for ActionUrls {
    fn default() -> Self {
        Self {
            enabled: true,
            templates: BTreeMap::new(),
        }
    }
}

impl ActionUrls {
    /// Reads the templates and the on/off switch by P-number (`P8304` …), the key form every
    /// slot has; several slots have no alias. `get` answers `None` for a setting the model
    /// lacks, which leaves that slot empty and the switch at its default.
    pub fn from_settings(get: impl Fn(&str) -> Option<String>) -> Result<Self, EventError> {
        let enabled = match get(OUTBOUND_NOTIFICATION).as_deref().map(str::trim) {
            None | Some("1") => true,
            Some("0") => false,
            Some(other) => {
                return Err(EventError::NotASwitch {
                    setting: OUTBOUND_NOTIFICATION,
                    value: other.to_owned(),
                })
            }
        };
        let mut urls = Self {
            enabled,
            ..Self::default()
        };
        for slot in ActionUrlSlot::ALL {
            if let Some(template) = get(slot.pvalue()) {
                urls.set(slot, &template);
            }
        }
        Ok(urls)
    }

    /// Sets one slot's template; blank text empties the slot.
    pub fn set(&mut self, slot: ActionUrlSlot, template: &str) {
        let template = template.trim();
        if template.is_empty() {
            self.templates.remove(&slot);
        } else {
            self.templates.insert(slot, template.to_owned());
        }
    }

    /// The template of one slot, if set.
    pub fn template(&self, slot: ActionUrlSlot) -> Option<&str> {
        self.templates.get(&slot).map(String::as_str)
    }

    /// The URLs to request for `event`, variables substituted, in slot order; none while
    /// outbound notification is off or the event's slots are empty.
    pub fn urls_for(&self, event: &PhoneEvent, variables: &Variables) -> Vec<String> {
        if !self.enabled {
            return Vec::new();
        }
        ActionUrlSlot::for_event(event)
            .iter()
            .filter_map(|slot| self.template(*slot))
            .map(|template| with_scheme(substitute(template, variables)))
            .collect()
    }
}

/// The guides write templates as the server address, `/`, then the variables
/// (`192.168.40.207/mac=$mac&local=$local`) and the phone sends a plain HTTP GET there; a
/// template that already names `http://` or `https://` is used as written.
fn with_scheme(url: String) -> String {
    let has_scheme = ["http://", "https://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
    });
    if has_scheme {
        url
    } else {
        format!("http://{url}")
    }
}
