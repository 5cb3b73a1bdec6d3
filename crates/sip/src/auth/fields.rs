//! The authentication header fields of a message, by kind: the challenges of a 401/407 and
//! the answers a request carried.

use super::ChallengeKind;
use crate::header::HeaderKind;
use crate::message::Message;

/// The values of the fields of `fields` (one header per kind), each with its kind.
fn values(
    message: &Message,
    fields: [(ChallengeKind, HeaderKind); 2],
) -> Vec<(ChallengeKind, String)> {
    let headers = message.headers();
    let mut found = Vec::new();
    for (kind, header) in fields {
        for field in headers.all(header) {
            if let Ok(value) = field.value() {
                found.push((kind, value.into_owned()));
            }
        }
    }
    found
}

/// The challenges of a 401 or 407 (WWW-Authenticate and Proxy-Authenticate).
pub fn challenges_in(response: &Message) -> Vec<(ChallengeKind, String)> {
    values(
        response,
        [
            (ChallengeKind::Www, HeaderKind::WwwAuthenticate),
            (ChallengeKind::Proxy, HeaderKind::ProxyAuthenticate),
        ],
    )
}

/// The answers a request carried (Authorization and Proxy-Authorization).
pub fn answers_in(request: &Message) -> Vec<(ChallengeKind, String)> {
    values(
        request,
        [
            (ChallengeKind::Www, HeaderKind::Authorization),
            (ChallengeKind::Proxy, HeaderKind::ProxyAuthorization),
        ],
    )
}
