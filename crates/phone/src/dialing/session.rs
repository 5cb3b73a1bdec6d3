//! The dial session: keys in, a decision on when and where the call goes out.

use std::time::{Duration, Instant};

use super::target::{self, DialTarget, Host, RequestUri, UriScheme};
use super::{
    is_keypad_key, DialOutcome, DialSettings, DialSource, DialingError, RejectReason, TelUri,
    T_FLAG_DELAY,
};
use crate::dialplan::Verdict;

/// How a session judges its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Through the dial plan.
    Plan,
    /// The source bypasses the plan: any keys are dialable.
    Bypassed,
    /// Direct IP entry: the keys are an address.
    DirectIp,
}

/// The keys dialed for one outgoing call on one account.
///
/// Call [`handle_key`](Self::handle_key) for each key and [`send`](Self::send) for the Send
/// softkey; after each input (or any time) read [`poll_timeout`](Self::poll_timeout) and call
/// [`handle_timeout`](Self::handle_timeout) when it is due.
#[derive(Debug, Clone)]
pub struct DialSession {
    settings: DialSettings,
    mode: Mode,
    keys: String,
    deadline: Option<Instant>,
    finished: bool,
}

impl DialSession {
    /// A session for keys from `source` (normally the dialing page).
    pub fn new(settings: DialSettings, source: DialSource) -> Self {
        let mode = if settings.bypass.contains(source) {
            Mode::Bypassed
        } else {
            Mode::Plan
        };
        Self::with_mode(settings, mode)
    }

    /// A session for the direct IP call entry: `*` is `.`, `#` is `:`, OK ([`send`](Self::send))
    /// places the call; no timeout dials on its own.
    pub fn direct_ip(settings: DialSettings) -> Self {
        Self::with_mode(settings, Mode::DirectIp)
    }

    fn with_mode(settings: DialSettings, mode: Mode) -> Self {
        Self {
            settings,
            mode,
            keys: String::new(),
            deadline: None,
            finished: false,
        }
    }

    /// The keys entered so far, as the screen shows them.
    pub fn entered(&self) -> &str {
        &self.keys
    }

    /// Whether the session has placed or refused its call.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Takes one key pressed at `now`.
    pub fn handle_key(&mut self, key: char, now: Instant) -> Result<DialOutcome, DialingError> {
        if self.finished {
            return Err(DialingError::Finished);
        }
        if self.mode == Mode::DirectIp {
            if !(key.is_ascii_digit() || matches!(key, '*' | '#' | '.' | ':')) {
                return Err(DialingError::InvalidKey(key));
            }
            self.keys.push(key);
            return Ok(DialOutcome::Collecting);
        }
        if !is_keypad_key(key) {
            return Err(DialingError::InvalidKey(key));
        }
        if Some(key) == self.settings.key_as_send.key() {
            return self.send(now);
        }
        self.keys.push(key);
        let timeout = self.settings.no_key_timeout;
        if self.mode == Mode::Bypassed {
            self.deadline = Some(now + timeout);
            return Ok(DialOutcome::Collecting);
        }
        match self.settings.dial_plan.check(&self.keys) {
            Verdict::Complete {
                number,
                wait: false,
            } => Ok(self.finish(self.number_outcome(&number))),
            Verdict::Complete { wait: true, .. } => {
                self.deadline = Some(now + self.wait_delay());
                Ok(DialOutcome::Collecting)
            }
            Verdict::Partial | Verdict::Blocked => {
                self.deadline = Some(now + timeout);
                Ok(DialOutcome::Collecting)
            }
            Verdict::NoMatch => Ok(self.finish(DialOutcome::Rejected(RejectReason::NoMatch))),
        }
    }

    /// The Send (or OK) softkey, or the Key as Send key: dial what was entered, still under
    /// the dial plan unless bypassed. With nothing entered it does nothing.
    pub fn send(&mut self, _now: Instant) -> Result<DialOutcome, DialingError> {
        if self.finished {
            return Err(DialingError::Finished);
        }
        if self.keys.is_empty() {
            return Ok(DialOutcome::Collecting);
        }
        Ok(self.finish(self.resolve()))
    }

    /// When the session next needs [`handle_timeout`](Self::handle_timeout).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.finished {
            None
        } else {
            self.deadline
        }
    }

    /// Lets time pass to `now`: if the pending timeout is due, dial or refuse the keys.
    /// `None` when nothing was due.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<DialOutcome> {
        let deadline = self.poll_timeout()?;
        if now < deadline {
            return None;
        }
        Some(self.finish(self.resolve()))
    }

    /// Ends the session with `outcome`.
    fn finish(&mut self, outcome: DialOutcome) -> DialOutcome {
        self.finished = true;
        self.deadline = None;
        outcome
    }

    /// The final decision on the keys entered, when the user or the timeout says dial now.
    fn resolve(&self) -> DialOutcome {
        match self.mode {
            Mode::DirectIp => match target::direct_ip_from_keys(&self.keys) {
                Some((ip, port)) => self.call(RequestUri::direct(ip, port)),
                None => DialOutcome::Rejected(RejectReason::InvalidAddress),
            },
            Mode::Bypassed => self.number_outcome(&self.keys),
            Mode::Plan => match self.settings.dial_plan.check(&self.keys) {
                Verdict::Complete { number, .. } => self.number_outcome(&number),
                Verdict::Partial => DialOutcome::Rejected(RejectReason::Incomplete),
                Verdict::Blocked => DialOutcome::Rejected(RejectReason::Blocked),
                Verdict::NoMatch => DialOutcome::Rejected(RejectReason::NoMatch),
            },
        }
    }

    /// The call for a number the plan produced (or the bypassed keys): an address in keypad
    /// form is a direct IP call, anything else goes to the account's domain with the prefix.
    fn number_outcome(&self, number: &str) -> DialOutcome {
        if target::looks_like_keyed_ip(number) {
            return match target::direct_ip_from_keys(number) {
                Some((ip, port)) => self.call(RequestUri::direct(ip, port)),
                None => DialOutcome::Rejected(RejectReason::InvalidAddress),
            };
        }
        let settings = &self.settings;
        let full = format!("{}{number}", settings.prefix);
        let uri = RequestUri {
            scheme: if settings.tel_uri == TelUri::Enabled {
                UriScheme::Tel
            } else {
                UriScheme::Sip
            },
            user: target::escape_user(&full, settings.escape_pound),
            host: Host::Domain(settings.domain.clone()),
            port: None,
            user_phone: settings.tel_uri == TelUri::UserPhone,
        };
        self.call(uri)
    }

    fn call(&self, uri: RequestUri) -> DialOutcome {
        DialOutcome::Call(DialTarget {
            dialed: self.keys.clone(),
            uri,
        })
    }

    /// How long a complete match that asks to wait waits. The plan does not say why it
    /// waits; if some further key would still be dialable the user may be typing on (the
    /// no key entry timeout), otherwise only a `T` flag can be the reason (3 s).
    fn wait_delay(&self) -> Duration {
        let extendable = PROBE_KEYS.iter().any(|key| {
            let longer = format!("{}{key}", self.keys);
            matches!(
                self.settings.dial_plan.check(&longer),
                Verdict::Complete { .. } | Verdict::Partial
            )
        });
        if extendable {
            self.settings.no_key_timeout
        } else {
            T_FLAG_DELAY
        }
    }
}

/// Dials a whole number at once, as contacts, call history, multi-purpose keys and the API
/// do: through the plan unless `source` bypasses it, the prefix added, never waiting. A
/// literal IPv4 address, with `:port` if wanted, is a direct IP call.
pub fn dial_number(
    settings: &DialSettings,
    source: DialSource,
    number: &str,
) -> Result<DialOutcome, DialingError> {
    let number = number.trim();
    if number.is_empty() {
        return Err(DialingError::EmptyNumber);
    }
    if number.contains(['.', ':']) {
        return Ok(match target::parse_ip_literal(number) {
            Some((ip, port)) => DialOutcome::Call(DialTarget {
                dialed: number.to_owned(),
                uri: RequestUri::direct(ip, port),
            }),
            None => DialOutcome::Rejected(RejectReason::InvalidAddress),
        });
    }
    if let Some(bad) = number.chars().find(|c| !is_keypad_key(*c)) {
        return Err(DialingError::InvalidKey(bad));
    }
    let mut session = DialSession::new(settings.clone(), source);
    number.clone_into(&mut session.keys);
    Ok(session.resolve())
}

/// Keys tried after the entered ones to tell a `T` wait from a wait for more keys.
const PROBE_KEYS: [char; 17] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', '+', 'a', 'b', 'c', 'd',
];
