//! Writing one REGISTER (RFC 3261 §10.2) and reading what the registrar granted (§10.2.4).

use rand::rngs::StdRng;
use rand::RngCore;

use super::config::RegistrationConfig;
use crate::auth::AuthorizationHeader;
use crate::header::{Contacts, HeaderKind, NameAddr, Transport, Via, BRANCH_MAGIC_COOKIE};
use crate::message::{Message, MessageBuilder, ParseError};
use crate::method::Method;
use crate::param::Param;
use crate::uri::SipUri;

/// The Max-Forwards of every request (RFC 3261 §8.1.1.6).
const MAX_FORWARDS: u8 = 70;

/// Which bindings a REGISTER adds or removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binding {
    /// Our contact, for this many seconds (0 removes it).
    Contact(u32),
    /// `Contact: *`, `Expires: 0`: remove every binding of the address of record.
    All,
}

/// The fields that stay the same for every REGISTER of one registration.
#[derive(Debug, Clone)]
pub(crate) struct CallIds {
    /// Call-ID, kept for the registration's life (RFC 3261 §10.2: "SHOULD use the same
    /// Call-ID for all registrations during a single boot cycle").
    pub(crate) call_id: String,
    /// The From tag.
    pub(crate) from_tag: String,
}

/// `bytes` random bytes as lower-case hex.
pub(crate) fn random_hex(rng: &mut StdRng, bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rng.fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh RFC 3261 branch.
pub(crate) fn new_branch(rng: &mut StdRng) -> String {
    format!("{BRANCH_MAGIC_COOKIE}{}", random_hex(rng, 12))
}

/// The contact URI for `host:port` with the account's user and transport.
pub(crate) fn contact_uri(
    config: &RegistrationConfig,
    host: crate::uri::Host,
    port: u16,
) -> SipUri {
    let mut uri = SipUri::new(host).with_port(port);
    if let Some(user) = config.aor.user() {
        uri = uri.with_user(user);
    }
    if config.transport != Transport::Udp {
        let token = config.transport.as_str().to_ascii_lowercase();
        uri = uri.with_param("transport", Some(&token));
    }
    uri
}

/// The Contact header value for `contact` with `expires` seconds.
pub(crate) fn contact_value(
    config: &RegistrationConfig,
    contact: &SipUri,
    expires: u32,
) -> NameAddr {
    let mut value = NameAddr::new(contact.clone());
    if let Some(instance) = config.instance_param() {
        value = value.with_param(Param::with_value("+sip.instance", &instance));
    }
    value.with_param(Param::with_value("expires", &expires.to_string()))
}

/// One REGISTER, parsed back so that it is exactly what goes out.
#[allow(clippy::too_many_arguments)] // internal: the registration's fields, named at the call
pub(crate) fn build_register(
    config: &RegistrationConfig,
    ids: &CallIds,
    cseq: u32,
    branch: &str,
    contact: &SipUri,
    binding: &Binding,
    authorization: &[AuthorizationHeader],
) -> Result<Message, ParseError> {
    let mut via = Via::new(
        config.transport.clone(),
        config.contact_host.clone(),
        Some(config.contact_port),
        branch,
    );
    // RFC 3581 §3: "the client MUST include an rport parameter with no value".
    via.params_mut().set(Param::flag("rport"));
    let aor = NameAddr::new(config.aor.clone());
    let mut b = MessageBuilder::request(Method::Register, &config.registrar);
    b.header(HeaderKind::Via, via)
        .header(HeaderKind::MaxForwards, MAX_FORWARDS)
        .header(HeaderKind::From, aor.clone().with_tag(&ids.from_tag))
        .header(HeaderKind::To, aor)
        .header(HeaderKind::CallId, &ids.call_id)
        .header(HeaderKind::CSeq, format_args!("{cseq} REGISTER"));
    for route in &config.route {
        b.header(HeaderKind::Route, route);
    }
    let expires = match binding {
        Binding::Contact(expires) => {
            b.header(
                HeaderKind::Contact,
                contact_value(config, contact, *expires),
            );
            *expires
        }
        Binding::All => {
            b.header(HeaderKind::Contact, "*");
            0
        }
    };
    for header in authorization {
        b.header_named(header.name(), &header.value);
    }
    b.header(HeaderKind::Expires, expires);
    if let Some(user_agent) = &config.user_agent {
        b.header(HeaderKind::UserAgent, user_agent);
    }
    b.build()
}

/// The lifetime the registrar granted our contact: its `expires` parameter in the 2xx, else
/// the Expires header, else what we asked for (RFC 3261 §10.2.4).
pub(crate) fn granted_expires(
    response: &Message,
    config: &RegistrationConfig,
    contact: &SipUri,
    asked: u32,
) -> u32 {
    let headers = response.headers();
    let ours = match headers.contacts() {
        Ok(Contacts::Addresses(list)) => {
            list.into_iter()
                .find(|c| match (config.instance_param(), c.instance()) {
                    (Some(mine), Some(theirs)) => mine == theirs,
                    _ => c.uri().as_sip().is_some_and(|u| u.equivalent(contact)),
                })
        }
        _ => None,
    };
    ours.and_then(|c| c.expires())
        .or_else(|| headers.expires().ok().flatten())
        .unwrap_or(asked)
}
