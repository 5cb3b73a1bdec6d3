//! Writing SUBSCRIBE requests (RFC 6665 §4.1.2): the first one outside a dialog, and the
//! headers every SUBSCRIBE of the subscription carries.

use rand::rngs::StdRng;
use rand::RngCore;

use super::config::SubscriptionConfig;
use crate::auth::AuthorizationHeader;
use crate::header::{HeaderKind, NameAddr, Transport, Via, BRANCH_MAGIC_COOKIE};
use crate::message::{Message, MessageBuilder, ParseError};
use crate::method::Method;
use crate::param::Param;
use crate::uri::SipUri;

/// The Max-Forwards of a request outside a dialog (RFC 3261 §8.1.1.6).
const MAX_FORWARDS: u8 = 70;

/// The Call-ID and From tag of one subscription attempt; a new subscription gets new ones.
#[derive(Debug, Clone)]
pub(crate) struct Ids {
    pub(crate) call_id: String,
    pub(crate) from_tag: String,
}

impl Ids {
    pub(crate) fn random(rng: &mut StdRng) -> Self {
        Self {
            call_id: random_hex(rng, 16),
            from_tag: random_hex(rng, 8),
        }
    }
}

/// `bytes` random bytes as lower-case hex.
fn random_hex(rng: &mut StdRng, bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rng.fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Via of a new client transaction, with a fresh branch and `rport` (RFC 3581).
pub(crate) fn new_via(config: &SubscriptionConfig, rng: &mut StdRng) -> Via {
    let branch = format!("{BRANCH_MAGIC_COOKIE}{}", random_hex(rng, 12));
    let mut via = Via::new(
        config.transport.clone(),
        config.contact_host.clone(),
        Some(config.contact_port),
        &branch,
    );
    via.params_mut().set(Param::flag("rport"));
    via
}

/// Where notifications reach us: the subscriber's user at the local address.
pub(crate) fn contact_uri(config: &SubscriptionConfig) -> SipUri {
    let mut uri = SipUri::new(config.contact_host.clone()).with_port(config.contact_port);
    if let Some(user) = config.from.user() {
        uri = uri.with_user(user);
    }
    if config.transport != Transport::Udp {
        let token = config.transport.as_str().to_ascii_lowercase();
        uri = uri.with_param("transport", Some(&token));
    }
    uri
}

/// Event, Accept, Expires, credentials and User-Agent: what every SUBSCRIBE carries.
pub(crate) fn add_subscribe_headers(
    b: &mut MessageBuilder,
    config: &SubscriptionConfig,
    expires: u32,
    authorization: &[AuthorizationHeader],
) {
    b.header(HeaderKind::Event, &config.event);
    for media in &config.accept {
        b.header(HeaderKind::Accept, media);
    }
    b.header(HeaderKind::Expires, expires);
    for header in authorization {
        b.header_named(header.name(), &header.value);
    }
    if let Some(user_agent) = &config.user_agent {
        b.header(HeaderKind::UserAgent, user_agent);
    }
}

/// The SUBSCRIBE that starts a subscription: to the resource, through the configured route.
pub(crate) fn initial_subscribe(
    config: &SubscriptionConfig,
    ids: &Ids,
    cseq: u32,
    via: &Via,
    expires: u32,
    authorization: &[AuthorizationHeader],
) -> Result<Message, ParseError> {
    let mut b = MessageBuilder::request(Method::Subscribe, &config.resource);
    b.header(HeaderKind::Via, via);
    for route in &config.route {
        b.header(HeaderKind::Route, route);
    }
    b.header(HeaderKind::MaxForwards, MAX_FORWARDS)
        .header(
            HeaderKind::From,
            NameAddr::new(config.from.clone()).with_tag(&ids.from_tag),
        )
        .header(HeaderKind::To, NameAddr::new(config.resource.clone()))
        .header(HeaderKind::CallId, &ids.call_id)
        .header(HeaderKind::CSeq, format_args!("{cseq} SUBSCRIBE"))
        .header(HeaderKind::Contact, NameAddr::new(contact_uri(config)));
    add_subscribe_headers(&mut b, config, expires, authorization);
    b.build()
}
