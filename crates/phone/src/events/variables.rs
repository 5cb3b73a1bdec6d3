//! The dynamic variables an Action URL template may hold, and their substitution.
//!
//! The names are those of the WP820 guide's variable table (also the GXP17xx and GRP26xx
//! guides) plus `$call-id`, `$active_host`, `$duration` and `$calldirection` from the Action
//! URL module guide; `$call-id` is also seen in the GXP1760W FAQ's packet capture.

use std::fmt::Write as _;

use super::device::DeviceInfo;
use super::event::PhoneEvent;

/// One dynamic variable, written `$` and its name in a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variable {
    /// The phone's IP address.
    PhoneIp,
    /// The phone's MAC address.
    Mac,
    /// The phone's model name.
    Product,
    /// The firmware version.
    ProgramVersion,
    /// The hardware version.
    HardwareVersion,
    /// The display language.
    Language,
    /// This phone's number in the call (the called number on an incoming call).
    Local,
    /// The display name of this phone's side of the call.
    DisplayLocal,
    /// The other side's number.
    Remote,
    /// The other side's display name.
    DisplayRemote,
    /// The user ID of the account in use.
    ActiveUser,
    /// The SIP server of the account in use.
    ActiveHost,
    /// The SIP Call-ID of the call.
    CallId,
    /// The talk time of the call in whole seconds.
    Duration,
    /// Whether the call is incoming or outgoing.
    CallDirection,
}

impl Variable {
    /// Every variable, in the order the guides list them.
    pub const ALL: [Self; 15] = [
        Self::PhoneIp,
        Self::Mac,
        Self::Product,
        Self::ProgramVersion,
        Self::HardwareVersion,
        Self::Language,
        Self::Local,
        Self::DisplayLocal,
        Self::Remote,
        Self::DisplayRemote,
        Self::ActiveUser,
        Self::ActiveHost,
        Self::CallId,
        Self::Duration,
        Self::CallDirection,
    ];

    /// The name as written after `$` in a template.
    pub fn name(self) -> &'static str {
        match self {
            Self::PhoneIp => "phone_ip",
            Self::Mac => "mac",
            Self::Product => "product",
            Self::ProgramVersion => "program_version",
            Self::HardwareVersion => "hardware_version",
            Self::Language => "language",
            Self::Local => "local",
            Self::DisplayLocal => "display_local",
            Self::Remote => "remote",
            Self::DisplayRemote => "display_remote",
            Self::ActiveUser => "active_user",
            Self::ActiveHost => "active_host",
            Self::CallId => "call-id",
            Self::Duration => "duration",
            Self::CallDirection => "calldirection",
        }
    }

    /// The variable with this exact name (without the `$`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|variable| variable.name() == name)
    }

    /// The longest variable name `text` starts with, so that a longer name is never cut
    /// short by a shorter one it begins with.
    fn longest_prefix_of(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .filter(|variable| text.starts_with(variable.name()))
            .max_by_key(|variable| variable.name().len())
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// The values of the variables for one event on one device. A variable with no value (no call
/// yet, no display name) substitutes as empty text, as the off-hook capture in the GXP1760W FAQ
/// shows (`local=`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Variables {
    values: [Option<String>; Variable::ALL.len()],
}

impl Variables {
    /// The values `event` reports on `device`: the device facts always, the account's for
    /// account and call events, the call's for call events, the talk time when a call ends.
    pub fn for_event(event: &PhoneEvent, device: &DeviceInfo) -> Self {
        let mut variables = Self::default();
        if let Some(ip) = device.phone_ip {
            variables.set(Variable::PhoneIp, ip.to_string());
        }
        variables.set(Variable::Mac, device.mac.action_url_form());
        variables.set(Variable::Product, device.product.clone());
        variables.set(Variable::ProgramVersion, device.program_version.clone());
        variables.set(Variable::HardwareVersion, device.hardware_version.clone());
        variables.set(Variable::Language, device.language.clone());
        if let Some(account) = event.account() {
            variables.set(Variable::ActiveUser, account.user_id.clone());
            variables.set(Variable::ActiveHost, account.sip_server.clone());
        }
        if let Some(call) = event.call() {
            variables.set(Variable::Local, call.local.number.clone());
            variables.set(Variable::Remote, call.remote.number.clone());
            if let Some(name) = &call.local.display_name {
                variables.set(Variable::DisplayLocal, name.clone());
            }
            if let Some(name) = &call.remote.display_name {
                variables.set(Variable::DisplayRemote, name.clone());
            }
            variables.set(Variable::CallId, call.call_id.clone());
            variables.set(Variable::CallDirection, call.direction.as_str().to_owned());
        }
        if let PhoneEvent::CallTerminated { talk_time, .. } = event {
            variables.set(Variable::Duration, talk_time.as_secs().to_string());
        }
        variables
    }

    /// Sets one value, replacing what was there.
    pub fn set(&mut self, variable: Variable, value: String) {
        self.values[variable.slot()] = Some(value);
    }

    /// The value of one variable, if the event has one.
    pub fn get(&self, variable: Variable) -> Option<&str> {
        self.values[variable.slot()].as_deref()
    }

    /// The variables that have a value, with it.
    pub fn iter(&self) -> impl Iterator<Item = (Variable, &str)> + '_ {
        Variable::ALL
            .into_iter()
            .filter_map(|variable| Some((variable, self.get(variable)?)))
    }
}

/// Replaces each `$name` in `template` by the percent-encoded value of that variable. At each
/// `$` the longest matching name wins, and any text right after it stays (`$locals` is the
/// value of `$local` then `s`). A known variable without a value becomes empty text; a `$`
/// that starts no known name is kept as written.
pub fn substitute(template: &str, variables: &Variables) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        match Variable::longest_prefix_of(after) {
            Some(variable) => {
                if let Some(value) = variables.get(variable) {
                    percent_encode_into(&mut out, value);
                }
                rest = &after[variable.name().len()..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Writes `value` so it stays one value inside a URL query: unreserved characters, `:` and `@`
/// (which a query may hold, and which the FAQ capture shows bare in a MAC address and a
/// Call-ID) stay; every other byte becomes `%XX`, so `&`, `=`, `#`, spaces and non-ASCII
/// text cannot break the URL apart.
fn percent_encode_into(out: &mut String, value: &str) {
    for byte in value.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~:@".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
}
