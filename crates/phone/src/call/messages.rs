//! Pieces every message of a call needs: Via with a fresh branch, tokens, SDP bodies, the
//! headers that describe us, and where a peer's contact can be reached directly.

use std::net::{IpAddr, SocketAddr};

use handset_sdp::SessionDescription;
use handset_sip::header::{HeaderKind, MediaType, Via};
use handset_sip::locate::{Target, TransportKind};
use handset_sip::param::Param;
use handset_sip::uri::{Host, Uri};
use handset_sip::{Message, MessageBuilder};
use rand::RngCore;

use super::{Call, CallError};

/// RFC 3261 §8.1.1.7: every branch we make starts with this.
const BRANCH_COOKIE: &str = "z9hG4bK";

/// What we accept in a dialog (Allow).
pub(super) const ALLOW: &str =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY, MESSAGE";

/// `bytes` random bytes as lowercase hex (tags, Call-IDs, branches).
pub fn random_hex(rng: &mut impl RngCore, bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rng.fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SDP media type.
pub(super) fn sdp_type() -> MediaType {
    MediaType::new("application", "sdp")
}

/// The SDP body of `message`, if it has one (`Content-Type: application/sdp`).
pub(super) fn sdp_of(message: &Message) -> Result<Option<SessionDescription>, CallError> {
    if message.body().is_empty() {
        return Ok(None);
    }
    let is_sdp = message
        .headers()
        .get(HeaderKind::ContentType)
        .and_then(|h| h.value().ok().map(|v| v.to_ascii_lowercase()))
        .is_some_and(|v| v.contains("application/sdp"));
    if !is_sdp {
        return Ok(None);
    }
    SessionDescription::parse(message.body())
        .map(Some)
        .map_err(|e| CallError::Sdp(e.to_string()))
}

/// Where requests to `uri` can go without a proxy: its address when the host is an IP
/// address (port 5060, or 5061 for `sips:`/TLS).
pub fn direct_target(uri: &Uri) -> Option<Target> {
    let sip = uri.as_sip()?;
    let ip = match sip.host() {
        Host::Ipv4(ip) => IpAddr::V4(*ip),
        Host::Ipv6(ip) => IpAddr::V6(*ip),
        Host::Domain(_) => return None,
    };
    let transport = match sip.transport().map(|t| t.to_ascii_lowercase()).as_deref() {
        Some("tcp") => TransportKind::Tcp,
        Some("tls") => TransportKind::Tls,
        _ if sip.is_secure() => TransportKind::Tls,
        _ => TransportKind::Udp,
    };
    let default_port = if transport == TransportKind::Tls {
        5061
    } else {
        5060
    };
    Some(Target {
        addr: SocketAddr::new(ip, sip.port().unwrap_or(default_port)),
        transport,
    })
}

impl Call {
    /// The Via of a new client transaction: a fresh branch and `rport` (RFC 3581).
    pub(super) fn new_via(&mut self) -> Via {
        let branch = format!("{BRANCH_COOKIE}{}", random_hex(&mut self.rng, 12));
        let mut via = Via::new(
            self.params.via.transport.clone(),
            self.params.via.host.clone(),
            Some(self.params.via.port),
            &branch,
        );
        via.params_mut().set(Param::flag("rport"));
        via
    }

    /// Adds what describes us to a request or response: User-Agent (or Server), Allow,
    /// Supported.
    pub(super) fn describe(&self, message: &mut MessageBuilder, is_request: bool) {
        if let Some(agent) = &self.params.user_agent {
            let kind = if is_request {
                HeaderKind::UserAgent
            } else {
                HeaderKind::Server
            };
            message.header(kind, agent);
        }
        message
            .header(HeaderKind::Allow, ALLOW)
            .header(HeaderKind::Supported, "replaces");
    }

    /// Sets `sdp` as the body.
    pub(super) fn with_sdp(message: &mut MessageBuilder, sdp: &SessionDescription) {
        message.body(&sdp_type(), sdp.to_bytes());
    }

    /// Key material for SRTP, from the call's random source.
    pub(super) fn keys(&mut self) -> impl FnMut(&mut [u8]) {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(self.rng.next_u64());
        move |buffer: &mut [u8]| rng.fill_bytes(buffer)
    }
}
