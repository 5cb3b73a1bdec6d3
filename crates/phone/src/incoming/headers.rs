//! The INVITE header values the incoming-call policy reads, as text: built by hand or taken
//! from a parsed message. Values are kept raw so that one malformed header only loses itself.

use handset_sip::header::{split_list, HeaderKind};
use handset_sip::Message;

/// The header values of one incoming INVITE that decide how it is received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncomingHeaders {
    /// The From value.
    pub from: Option<String>,
    /// P-Asserted-Identity values (RFC 3325), one per identity.
    pub asserted_identity: Vec<String>,
    /// Remote-Party-ID values, one per identity.
    pub remote_party_id: Vec<String>,
    /// The Privacy value (RFC 3323); several header lines are joined with `;`.
    pub privacy: Option<String>,
    /// Alert-Info values, one per URI.
    pub alert_info: Vec<String>,
    /// Call-Info values, one per URI.
    pub call_info: Vec<String>,
}

impl IncomingHeaders {
    /// Headers with only a From value.
    pub fn new(from: &str) -> Self {
        Self {
            from: Some(from.to_owned()),
            ..Self::default()
        }
    }

    /// Adds a P-Asserted-Identity header (a comma-separated list is split).
    pub fn with_asserted_identity(mut self, value: &str) -> Self {
        push_list(&mut self.asserted_identity, value);
        self
    }

    /// Adds a Remote-Party-ID header (a comma-separated list is split).
    pub fn with_remote_party_id(mut self, value: &str) -> Self {
        push_list(&mut self.remote_party_id, value);
        self
    }

    /// Sets the Privacy header.
    pub fn with_privacy(mut self, value: &str) -> Self {
        self.privacy = Some(value.to_owned());
        self
    }

    /// Adds an Alert-Info header (a comma-separated list is split).
    pub fn with_alert_info(mut self, value: &str) -> Self {
        push_list(&mut self.alert_info, value);
        self
    }

    /// Adds a Call-Info header (a comma-separated list is split).
    pub fn with_call_info(mut self, value: &str) -> Self {
        push_list(&mut self.call_info, value);
        self
    }

    /// Takes the values from a parsed INVITE; a header whose bytes are not text is left out.
    pub fn from_message(message: &Message) -> Self {
        let headers = message.headers();
        let text = |kind| {
            headers
                .all(kind)
                .filter_map(|h| h.value().ok().map(|v| v.into_owned()))
                .collect::<Vec<_>>()
        };
        let list = |kind| {
            let mut out = Vec::new();
            for value in text(kind) {
                push_list(&mut out, &value);
            }
            out
        };
        let privacy = text(HeaderKind::Privacy);
        Self {
            from: text(HeaderKind::From).into_iter().next(),
            asserted_identity: list(HeaderKind::PAssertedIdentity),
            remote_party_id: list(HeaderKind::RemotePartyId),
            privacy: (!privacy.is_empty()).then(|| privacy.join(";")),
            alert_info: list(HeaderKind::AlertInfo),
            call_info: list(HeaderKind::CallInfo),
        }
    }
}

fn push_list(out: &mut Vec<String>, value: &str) {
    out.extend(
        split_list(value)
            .map(|(_, item)| item)
            .filter(|item| !item.is_empty())
            .map(str::to_owned),
    );
}
