//! Requests inside a dialog (RFC 3261 §12.2.1.1), the ACK for a 2xx (§13.2.2.4) and CANCEL
//! (§9.1).
//!
//! The dialog does not know the transport or draw branches: every builder takes the Via of the
//! new transaction (with a fresh `z9hG4bK` branch, and `rport` if wanted) and puts it on top.
//! The caller adds what the dialog does not know (Authorization, Supported, a body …) to the
//! returned [`MessageBuilder`] and builds it.

use super::{Dialog, DialogError, DialogState};
use crate::header::{HeaderKind, NameAddr, Via};
use crate::message::{Message, MessageBuilder};
use crate::method::Method;
use crate::uri::Uri;

/// The Max-Forwards of every request (RFC 3261 §8.1.1.6).
const MAX_FORWARDS: u8 = 70;

/// Whether a request with this method is a target refresh request, whose Contact replaces
/// the remote target: re-INVITE and UPDATE (RFC 3261 §12.2, RFC 3311), SUBSCRIBE, NOTIFY and
/// REFER (RFC 6665 §4.1.1, RFC 3515).
pub fn is_target_refresh(method: &Method) -> bool {
    matches!(
        method,
        Method::Invite | Method::Update | Method::Subscribe | Method::Notify | Method::Refer
    )
}

/// A URI as it may stand in a Request-URI: a SIP URI loses its headers and `method`
/// parameter (RFC 3261 §19.1.1 table, §12.2.1.1 "stripping any parameters that are not
/// allowed in a Request-URI").
fn request_uri(uri: &Uri) -> Uri {
    match uri {
        Uri::Sip(sip) => {
            let mut sip = sip.clone().without_headers();
            sip.params_mut().remove("method");
            Uri::Sip(sip)
        }
        other => other.clone(),
    }
}

impl Dialog {
    /// The Request-URI and Route values of a request in the dialog (RFC 3261 §12.2.1.1): the
    /// remote target and the route set when the route set is empty or its first entry has
    /// `lr`; otherwise (a strict router) the first route as Request-URI and the rest of the
    /// route set followed by the remote target as Route.
    pub fn request_target(&self) -> (Uri, Vec<NameAddr>) {
        match self.route_set.first() {
            Some(first) if !first.uri().as_sip().is_some_and(|u| u.is_loose_route()) => {
                let mut routes: Vec<NameAddr> = self.route_set[1..].to_vec();
                routes.push(NameAddr::new(self.remote_target.clone()));
                (request_uri(first.uri()), routes)
            }
            _ => (request_uri(&self.remote_target), self.route_set.clone()),
        }
    }

    /// The common part of every request in the dialog: Request-URI, Via, Route,
    /// Max-Forwards, From and To with the dialog's tags, Call-ID and CSeq.
    fn skeleton(&self, method: Method, cseq: u32, via: &Via) -> MessageBuilder {
        let (uri, routes) = self.request_target();
        let mut b = MessageBuilder::request(method.clone(), &uri);
        b.header(HeaderKind::Via, via);
        for route in routes {
            b.header(HeaderKind::Route, route);
        }
        let remote = if self.id.remote_tag.is_empty() {
            self.remote.clone()
        } else {
            self.remote.clone().with_tag(&self.id.remote_tag)
        };
        b.header(HeaderKind::MaxForwards, MAX_FORWARDS)
            .header(
                HeaderKind::From,
                self.local.clone().with_tag(&self.id.local_tag),
            )
            .header(HeaderKind::To, remote)
            .header(HeaderKind::CallId, &self.id.call_id)
            .header(HeaderKind::CSeq, format_args!("{cseq} {method}"));
        b
    }

    /// A new request in the dialog (RFC 3261 §12.2.1.1) with `via` on top: the next local
    /// CSeq (counted now, so build and send what this returns), and our Contact when the
    /// method is a target refresh. ACK and CANCEL are refused ([`Dialog::ack`],
    /// [`cancel_for`]), as is any request once the dialog is terminated.
    pub fn request(&mut self, method: Method, via: &Via) -> Result<MessageBuilder, DialogError> {
        if matches!(method, Method::Ack | Method::Cancel) {
            return Err(DialogError::NotAllowed(method));
        }
        if self.state == DialogState::Terminated {
            return Err(DialogError::Terminated);
        }
        let cseq = self.next_cseq()?;
        let refresh = is_target_refresh(&method);
        let mut b = self.skeleton(method, cseq, via);
        if refresh {
            b.header(
                HeaderKind::Contact,
                NameAddr::new(self.local_contact.clone()),
            );
        }
        Ok(b)
    }

    /// The ACK for a 2xx to the INVITE with CSeq `invite_cseq` (RFC 3261 §13.2.2.4): built
    /// like a request in the dialog, with the INVITE's CSeq number and method ACK, and its own
    /// Via (`via`, a new branch). It may be sent in any state: a 2xx that arrives after the
    /// dialog ended is still acknowledged before the BYE. Credentials and an SDP answer are
    /// the caller's to add.
    pub fn ack(&self, invite_cseq: u32, via: &Via) -> MessageBuilder {
        self.skeleton(Method::Ack, invite_cseq, via)
    }
}

/// The CANCEL for a pending `invite` we sent (RFC 3261 §9.1): "The Request-URI, Call-ID, To,
/// the numeric part of CSeq, and From header fields in the CANCEL request MUST be identical to
/// those in the request being cancelled, including tags", its single Via is the INVITE's top
/// Via, and it carries the INVITE's Route header fields.
pub fn cancel_for(invite: &Message) -> Result<Message, DialogError> {
    let Some(uri) = invite.request_uri() else {
        return Err(DialogError::WrongKind {
            expected: "request",
        });
    };
    if invite.method() != Some(&Method::Invite) {
        return Err(DialogError::NotInvite);
    }
    let h = invite.headers();
    let mut cancel = MessageBuilder::request(Method::Cancel, uri);
    cancel.header(HeaderKind::Via, h.top_via()?);
    for route in h.all(HeaderKind::Route) {
        cancel.header(HeaderKind::Route, route.value()?);
    }
    cancel
        .header(HeaderKind::MaxForwards, MAX_FORWARDS)
        .header(HeaderKind::From, h.from()?)
        .header(HeaderKind::To, h.to()?)
        .header(HeaderKind::CallId, h.call_id()?)
        .header(HeaderKind::CSeq, format_args!("{} CANCEL", h.cseq()?.seq));
    Ok(cancel.build()?)
}
