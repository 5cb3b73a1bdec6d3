//! Outgoing dialing for one account: keys come in one at a time, and the session decides
//! when the call goes out and to which request URI.
//!
//! A [`DialSession`] is sans-IO. Feed it keys with [`DialSession::handle_key`]; ask
//! [`DialSession::poll_timeout`] when it next needs the time, and call
//! [`DialSession::handle_timeout`] once that instant has come; [`DialSession::send`] is the
//! Send (or OK) softkey. Each of these may answer with a [`DialOutcome`]: keep collecting,
//! place a call, or refuse the keys. After a call or a refusal the session is finished.
//!
//! When the call goes out, under the account's [`DialSettings`]:
//!
//! - at once, when the dial plan (P290) has a complete match that cannot grow;
//! - on the Key as Send key (P72), with what was entered before it;
//! - when the no key entry timeout (P85) runs out after the last key, or the 3 s delay of a
//!   rule with the `T` flag does. The `T` delay applies when no further key could extend the
//!   match, since then only the flag can be what asks for the wait;
//! - keys the plan can never accept are refused at once; keys an exclusion blocks, or that
//!   are still incomplete, are refused only when the timeout or the send key comes, because
//!   more keys may still turn them into a number the plan accepts.
//!
//! Numbers from a source listed in Bypass Dial Plan (P2382) skip the plan and wait for the
//! timeout or the send key. The dial plan prefix (P66) goes in front of every number but a
//! direct IP address, the request URI follows TEL URI (P63), and `#` in the number goes out
//! as `%23` unless P1406 says otherwise.
//!
//! Direct IP calls follow the GXP1760W FAQ: in the direct IP entry ([`DialSession::direct_ip`])
//! `*` stands for `.` and `#` for `:`, so `192*168*1*60#5062` calls 192.168.1.60 port 5062
//! when OK is pressed. A number of that shape reached through the dial plan (the default plan
//! has rules for it) is called the same way, and a whole number given as a literal address
//! (`192.168.1.60:5062`) too.
//!
//! ```
//! # use std::time::{Duration, Instant};
//! use handset_phone::dialing::{DialOutcome, DialSession, DialSettings, DialSource};
//!
//! # #[allow(clippy::disallowed_methods)] let start = Instant::now();
//! let settings = DialSettings::new("pbx.example.com")?;
//! let mut session = DialSession::new(settings, DialSource::DialingPage);
//! for key in "1234".chars() {
//!     assert_eq!(session.handle_key(key, start)?, DialOutcome::Collecting);
//! }
//! // The default plan's `x+` waits for the 4 s no key entry timeout.
//! assert_eq!(session.poll_timeout(), Some(start + Duration::from_secs(4)));
//! let Some(DialOutcome::Call(target)) = session.handle_timeout(start + Duration::from_secs(4))
//! else {
//!     panic!("the timeout dials");
//! };
//! assert_eq!(target.uri.to_string(), "sip:1234@pbx.example.com");
//! # Ok::<(), handset_phone::dialing::DialingError>(())
//! ```

mod error;
mod session;
mod settings;
mod target;

use std::fmt;
use std::time::Duration;

pub use error::DialingError;
pub use session::{dial_number, DialSession};
pub use settings::{BypassSources, DialSettings, DialSource, KeyAsSend, TelUri};
pub use target::{DialTarget, Host, RequestUri, UriScheme};

/// How long a dial plan rule with the `T` flag waits before dialing (WP820 guide).
pub const T_FLAG_DELAY: Duration = Duration::from_secs(3);

/// What the session decided after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialOutcome {
    /// Keep collecting keys.
    Collecting,
    /// Place this call; the session is finished.
    Call(DialTarget),
    /// Refuse the keys; the session is finished.
    Rejected(RejectReason),
}

/// Why keys were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// An exclusion rule (`^`) of the dial plan matches the number.
    Blocked,
    /// No rule of the dial plan can match these keys.
    NoMatch,
    /// The dial plan needs more keys than were entered before the timeout or send key.
    Incomplete,
    /// The keys of a direct IP call do not form an IPv4 address with an optional port 1-65535.
    InvalidAddress,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Blocked => "the dial plan blocks this number",
            Self::NoMatch => "the dial plan does not allow this number",
            Self::Incomplete => "the number is incomplete for the dial plan",
            Self::InvalidAddress => "not an IP address (with optional port) to call",
        })
    }
}

/// Whether `key` is one the phone dials: digits, `*`, `#`, `+` and letters (the plan accepts
/// A-D and any letter for `X`).
fn is_keypad_key(key: char) -> bool {
    key.is_ascii_alphanumeric() || matches!(key, '*' | '#' | '+')
}

#[cfg(test)]
mod tests;
