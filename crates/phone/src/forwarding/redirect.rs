//! The parts of the 302 Moved Temporarily that forwards a call.

use super::decision::DiversionReason;
use super::target::{AccountUri, ForwardTarget};

/// The status code of a forwarding response.
pub const MOVED_TEMPORARILY: u16 = 302;

/// Header values for a 302 that diverts a call away from the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The Contact header value: the target URI in angle brackets.
    pub contact: String,
    /// The Diversion header value (RFC 5806), naming the account and the reason.
    pub diversion: String,
}

impl Redirect {
    /// Builds the headers for forwarding to `target` from `account`. This phone diverts the
    /// call once, so the counter is 1.
    pub fn new(account: &AccountUri, target: &ForwardTarget, reason: DiversionReason) -> Self {
        Self {
            contact: format!("<{}>", target.to_uri(account)),
            diversion: format!("<{account}>;reason={reason};counter=1"),
        }
    }
}
