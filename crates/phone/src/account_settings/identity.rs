//! Who the account is on calls: SIP identity, credentials, caller ID privacy and voicemail.
//! P-numbers are those of account 1.

use std::fmt;

use super::reader::Reader;
use super::SettingsError;

/// Whether an optional SIP header is sent ("Use Privacy Header" P2338, "Use
/// P-Preferred-Identity Header" P2339).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderUse {
    /// The phone decides, as its special feature setting implies (code 0).
    #[default]
    Default,
    /// Never sent (code 1).
    Never,
    /// Always sent (code 2).
    Always,
}

/// The identity a call is made and answered with.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Identity {
    /// "SIP User ID" (P35): the user part of the account's address.
    pub user_id: String,
    /// "Authenticate ID" (P36); empty means the user ID authenticates.
    pub auth_id: String,
    /// "Authenticate Password" (P34).
    pub password: String,
    /// "Name" (P3): the display name in From.
    pub display_name: String,
    /// "Account Name" (P270): the label the phone shows for the account.
    pub account_name: String,
    /// "SIP Server" (P47): the account's domain, possibly with a port.
    pub sip_server: String,
    /// "Voice Mail Access Number" (P33).
    pub voicemail_number: String,
    /// "Send Anonymous" (P65): hide the caller ID on outgoing calls.
    pub send_anonymous: bool,
    /// "Use Privacy Header" (P2338).
    pub privacy_header: HeaderUse,
    /// "Use P-Preferred-Identity Header" (P2339).
    pub preferred_identity_header: HeaderUse,
    /// "Use P-Asserted-Identity Header" (P29098, default on).
    pub asserted_identity_header: bool,
}

impl Identity {
    /// The user name that answers digest challenges: the authenticate ID, else the user ID.
    pub fn auth_user(&self) -> &str {
        if self.auth_id.is_empty() {
            &self.user_id
        } else {
            &self.auth_id
        }
    }
}

impl fmt::Debug for Identity {
    // The password stays out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("user_id", &self.user_id)
            .field("auth_id", &self.auth_id)
            .field("password_set", &!self.password.is_empty())
            .field("display_name", &self.display_name)
            .field("account_name", &self.account_name)
            .field("sip_server", &self.sip_server)
            .field("voicemail_number", &self.voicemail_number)
            .field("send_anonymous", &self.send_anonymous)
            .field("privacy_header", &self.privacy_header)
            .field("preferred_identity_header", &self.preferred_identity_header)
            .field("asserted_identity_header", &self.asserted_identity_header)
            .finish()
    }
}

/// Reads the account's identity.
pub(super) fn read(r: &Reader<'_>) -> Result<Identity, SettingsError> {
    let name = |alias: &str| r.account_name(alias);
    let header_use = |alias: &str| {
        r.code(
            &name(alias),
            HeaderUse::Default,
            "0 (default), 1 (no) or 2 (yes)",
            |c| match c {
                0 => Some(HeaderUse::Default),
                1 => Some(HeaderUse::Never),
                2 => Some(HeaderUse::Always),
                _ => None,
            },
        )
    };
    Ok(Identity {
        user_id: r.string(&name("sip.userid")),
        auth_id: r.string(&name("sip.subscriber.userid")),
        // Passwords may hold blanks at either end, so they are taken untrimmed.
        password: r.untrimmed(&name("sip.subscriber.password")),
        display_name: r.string(&name("sip.subscriber.name")),
        account_name: r.string(&name("name")),
        sip_server: r.string(&name("sip.server.1.address")),
        voicemail_number: r.string(&name("sip.voicemail.number")),
        send_anonymous: r.flag(&name("call.sendAnonymous"), false)?,
        privacy_header: header_use("sip.header.privacy")?,
        preferred_identity_header: header_use("sip.header.ppi")?,
        asserted_identity_header: r.flag(&name("sip.header.pai"), true)?,
    })
}
