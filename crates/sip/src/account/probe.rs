//! The OPTIONS request of the keep-alive, and its transaction.

use std::time::Instant;

use rand::rngs::StdRng;

use crate::header::{HeaderKind, NameAddr, Transport as ViaTransport, Via};
use crate::message::{Message, MessageBuilder, ParseError};
use crate::method::Method;
use crate::param::Param;
use crate::registration::request::{new_branch, random_hex};
use crate::registration::RegistrationConfig;
use crate::transaction::{ClientTransaction, Kind, TransactionKey, Transport};

/// An OPTIONS in flight.
#[derive(Debug)]
pub(crate) struct Probe {
    /// Its transaction.
    pub(crate) tx: ClientTransaction,
    /// Its key, to match the response.
    pub(crate) key: TransactionKey,
}

/// Builds an OPTIONS to the registrar with the registration's identity, and starts its
/// transaction.
pub(crate) fn options_probe(
    now: Instant,
    config: &RegistrationConfig,
    cseq: u32,
    rng: &mut StdRng,
) -> Result<Probe, ParseError> {
    let mut via = Via::new(
        config.transport.clone(),
        config.contact_host.clone(),
        Some(config.contact_port),
        &new_branch(rng),
    );
    via.params_mut().set(Param::flag("rport"));
    let mut b = MessageBuilder::request(Method::Options, &config.registrar);
    b.header(HeaderKind::Via, via)
        .header(HeaderKind::MaxForwards, 70)
        .header(
            HeaderKind::From,
            NameAddr::new(config.aor.clone()).with_tag(&random_hex(rng, 8)),
        )
        .header(HeaderKind::To, NameAddr::new(config.registrar.clone()))
        .header(HeaderKind::CallId, random_hex(rng, 16))
        .header(HeaderKind::CSeq, format_args!("{cseq} OPTIONS"));
    for route in &config.route {
        b.header(HeaderKind::Route, route);
    }
    if let Some(user_agent) = &config.user_agent {
        b.header(HeaderKind::UserAgent, user_agent);
    }
    b.header(HeaderKind::Accept, "application/sdp");
    let message: Message = b.build()?;
    let key = TransactionKey::of_sent_request(&message)?;
    let reliability = if config.transport == ViaTransport::Udp {
        Transport::Unreliable
    } else {
        Transport::Reliable
    };
    let tx = ClientTransaction::new(
        now,
        Kind::NonInvite,
        message.shared_bytes(),
        reliability,
        config.timers,
    );
    Ok(Probe { tx, key })
}
