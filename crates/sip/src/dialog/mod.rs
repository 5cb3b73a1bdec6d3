//! Dialogs (RFC 3261 §12): the peer-to-peer relationship an INVITE, SUBSCRIBE or REFER sets
//! up, with the pieces call features build on: reliable provisional responses (RFC 3262),
//! session timers (RFC 4028) and Replaces matching (RFC 3891).
//!
//! A [`Dialog`] never sends anything and never reads a clock. The call layer:
//!
//! 1. creates it from the response to its request ([`Dialog::from_uac_response`]) or from a
//!    request it answers with a tag ([`Dialog::from_uas_request`], then
//!    [`Dialog::confirm`] when it sends the 2xx);
//! 2. feeds it every response to a request of the dialog ([`Dialog::update_from_response`])
//!    and every request that arrives in it ([`Dialog::handle_request`], which says whether to
//!    answer 481 or 500 through [`DialogError::response_status`]);
//! 3. builds in-dialog requests with [`Dialog::request`] and the ACK for a 2xx with
//!    [`Dialog::ack`], giving each the Via (with a fresh branch) of its transaction; a pending
//!    INVITE is cancelled with [`cancel_for`].
//!
//! The dialog matches messages by Call-ID and tags only; finding the dialog of a message among
//! many is the caller's job ([`DialogId::of_request`], [`DialogId::of_response`]).

mod error;
mod failure;
mod glare;
mod notify;
mod prack;
mod request;
mod session_timer;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod usage_tests;

pub use error::DialogError;
pub use failure::{failure_effect, FailureEffect};
pub use glare::glare_retry_delay;
pub use prack::{PrackReceiver, PrackSender, Provisional};
pub use request::{cancel_for, is_target_refresh};
pub use session_timer::{
    RefresherPreference, SessionOffer, SessionTimer, SessionTimerConfig, SessionTimerRequest,
    MIN_SE_FLOOR,
};

use std::hash::{Hash, Hasher};

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

use crate::header::{Contacts, NameAddr, Replaces};
use crate::message::Message;
use crate::method::Method;
use crate::uri::Uri;

/// What identifies a dialog (RFC 3261 §12): the Call-ID and the two tags, seen from this side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: String,
    /// Our tag (From of our requests, To of theirs).
    pub local_tag: String,
    /// The peer's tag; empty for an RFC 2543 peer that sent no From tag.
    pub remote_tag: String,
}

impl DialogId {
    /// The dialog a received request belongs to: its To tag is ours, its From tag theirs.
    pub fn of_request(request: &Message) -> Result<Self, DialogError> {
        let h = request.headers();
        Ok(Self {
            call_id: h.call_id()?.to_owned(),
            local_tag: h.to()?.tag().unwrap_or_default().to_owned(),
            remote_tag: h.from()?.tag().unwrap_or_default().to_owned(),
        })
    }

    /// The dialog a received response (to our request) belongs to: From tag ours, To tag
    /// theirs.
    pub fn of_response(response: &Message) -> Result<Self, DialogError> {
        let h = response.headers();
        Ok(Self {
            call_id: h.call_id()?.to_owned(),
            local_tag: h.from()?.tag().unwrap_or_default().to_owned(),
            remote_tag: h.to()?.tag().unwrap_or_default().to_owned(),
        })
    }
}

/// Where a dialog stands (RFC 3261 §12: "early" and "confirmed"), and its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a provisional response; ends with the final response.
    Early,
    /// Created or confirmed by a 2xx.
    Confirmed,
    /// Over: a final failure ended an early dialog, a 481/408 answered a request in it, or
    /// the call layer ended it.
    Terminated,
}

/// Which side of the dialog-creating request this phone was on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// It sent the request (the caller, for an INVITE).
    Uac,
    /// It received the request.
    Uas,
}

/// What to do with an INVITE whose Replaces header was matched against a dialog
/// (RFC 3891 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplacesOutcome {
    /// The header names another dialog.
    NotThisDialog,
    /// Accept the new INVITE and end this dialog (BYE if confirmed, CANCEL if early).
    Replace,
    /// Answer the new INVITE with this status: 486 for `early-only` and a confirmed dialog,
    /// 481 for an early dialog this phone did not initiate or a dialog not created by an
    /// INVITE, 603 for a terminated dialog.
    Reject(u16),
}

/// The state of one dialog (RFC 3261 §12.1): its id, the URIs and target, the route set and
/// both sequence numbers. See the [module documentation](self) for the order of calls.
#[derive(Debug, Clone)]
pub struct Dialog {
    id: DialogId,
    role: Role,
    state: DialogState,
    /// Our address (From of our requests), without tag.
    local: NameAddr,
    /// The peer's address (To of our requests), without tag.
    remote: NameAddr,
    remote_target: Uri,
    local_contact: Uri,
    /// In the order requests carry it.
    route_set: Vec<NameAddr>,
    /// The CSeq of the last request we sent; `None` until the first (UAS side).
    local_cseq: Option<u32>,
    /// Where the local CSeq starts when it is still empty.
    cseq_start: u32,
    remote_cseq: Option<u32>,
    secure: bool,
    /// The method of the request that created the dialog (INVITE, SUBSCRIBE, REFER …).
    created_by: Method,
    /// An offer of ours or theirs (INVITE or UPDATE) awaits its answer (RFC 3261 §14.1).
    offer_in_progress: bool,
}

/// The first local CSeq of a UAS dialog: random, seeded by the dialog id (itself random), so
/// nothing global is read and a run is reproducible. Small enough to leave room to count.
fn initial_cseq(id: &DialogId) -> u32 {
    let mut hasher = std::hash::DefaultHasher::new();
    id.hash(&mut hasher);
    StdRng::seed_from_u64(hasher.finish()).gen_range(1..=0xFFFF)
}

/// The address without its tag and other header parameters.
fn bare(addr: &NameAddr) -> NameAddr {
    let plain = NameAddr::new(addr.uri().clone());
    match addr.display_name() {
        Some(name) => plain.with_display_name(name),
        None => plain,
    }
}

/// The first Contact URI of a message.
fn contact(message: &Message) -> Result<Option<Uri>, DialogError> {
    Ok(match message.headers().contacts()? {
        Contacts::Addresses(list) => list.into_iter().next().map(|c| c.uri().clone()),
        Contacts::Wildcard => None,
    })
}

fn is_sips(uri: Option<&Uri>) -> bool {
    uri.and_then(Uri::as_sip).is_some_and(|u| u.is_secure())
}

impl Dialog {
    /// The dialog a response to our `request` creates (RFC 3261 §12.1.2): Early for a 101-199
    /// with a To tag, Confirmed for a 2xx. The route set is the response's Record-Route
    /// reversed, the remote target its Contact (a provisional response without one targets
    /// the Request-URI), the local CSeq the request's. The secure flag follows a `sips:`
    /// Request-URI; sending such a request over TLS is the transport's duty.
    pub fn from_uac_response(request: &Message, response: &Message) -> Result<Self, DialogError> {
        let (Some(uri), Some(status)) = (request.request_uri(), response.status()) else {
            return Err(DialogError::WrongKind {
                expected: "request and a response",
            });
        };
        let (rq, rs) = (request.headers(), response.headers());
        let to = rs.to()?;
        let state = match (status.as_u16(), to.tag()) {
            (101..=199, Some(_)) => DialogState::Early,
            (200..=299, Some(_)) => DialogState::Confirmed,
            _ => {
                return Err(DialogError::NotDialogCreating {
                    status: status.as_u16(),
                })
            }
        };
        let from = rq.from()?;
        let same_request = rs.call_id()? == rq.call_id()?
            && rs.from()?.tag() == from.tag()
            && rs.cseq()? == rq.cseq()?;
        if !same_request {
            return Err(DialogError::Mismatch);
        }
        let remote_target = match contact(response)? {
            Some(target) => target,
            None if state == DialogState::Early => uri.clone(),
            None => return Err(DialogError::MissingContact),
        };
        let local_contact = contact(request)?.ok_or(DialogError::MissingContact)?;
        let mut route_set = rs.record_route()?;
        route_set.reverse();
        Ok(Self {
            id: DialogId {
                call_id: rq.call_id()?.to_owned(),
                local_tag: from.tag().unwrap_or_default().to_owned(),
                remote_tag: to.tag().unwrap_or_default().to_owned(),
            },
            role: Role::Uac,
            state,
            local: bare(&from),
            remote: bare(&rq.to()?),
            remote_target,
            local_contact,
            route_set,
            local_cseq: Some(rq.cseq()?.seq),
            cseq_start: 1,
            remote_cseq: None,
            secure: is_sips(Some(uri)),
            created_by: rq.cseq()?.method,
            offer_in_progress: false,
        })
    }

    /// The dialog a received `request` creates when we answer it with `local_tag` in the To
    /// and `local_contact` in the Contact (RFC 3261 §12.1.1). It starts Early; call
    /// [`Dialog::confirm`] when sending the 2xx. The route set is the request's Record-Route
    /// as is, the remote target its Contact, the remote CSeq its CSeq; the local CSeq starts
    /// at a random value.
    pub fn from_uas_request(
        request: &Message,
        local_tag: &str,
        local_contact: &Uri,
    ) -> Result<Self, DialogError> {
        let Some(uri) = request.request_uri() else {
            return Err(DialogError::WrongKind {
                expected: "request",
            });
        };
        let h = request.headers();
        let from = h.from()?;
        let remote_target = contact(request)?.ok_or(DialogError::MissingContact)?;
        let id = DialogId {
            call_id: h.call_id()?.to_owned(),
            local_tag: local_tag.to_owned(),
            remote_tag: from.tag().unwrap_or_default().to_owned(),
        };
        Ok(Self {
            cseq_start: initial_cseq(&id),
            id,
            role: Role::Uas,
            state: DialogState::Early,
            local: bare(&h.to()?),
            remote: bare(&from),
            remote_target,
            local_contact: local_contact.clone(),
            route_set: h.record_route()?,
            local_cseq: None,
            remote_cseq: Some(h.cseq()?.seq),
            secure: is_sips(Some(uri)),
            created_by: h.cseq()?.method,
            offer_in_progress: false,
        })
    }

    /// The dialog id.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// Which side created it.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Its state.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// The local URI (From of our requests).
    pub fn local_uri(&self) -> &Uri {
        self.local.uri()
    }

    /// The remote URI (To of our requests).
    pub fn remote_uri(&self) -> &Uri {
        self.remote.uri()
    }

    /// Where our requests go: the peer's Contact.
    pub fn remote_target(&self) -> &Uri {
        &self.remote_target
    }

    /// Our Contact, sent in target refresh requests.
    pub fn local_contact(&self) -> &Uri {
        &self.local_contact
    }

    /// The route set, in the order our requests visit it.
    pub fn route_set(&self) -> &[NameAddr] {
        &self.route_set
    }

    /// The CSeq of the last request we sent in the dialog, if any.
    pub fn local_cseq(&self) -> Option<u32> {
        self.local_cseq
    }

    /// The CSeq of the last request the peer sent, if any.
    pub fn remote_cseq(&self) -> Option<u32> {
        self.remote_cseq
    }

    /// The method of the request that created the dialog.
    pub fn created_by(&self) -> &Method {
        &self.created_by
    }

    /// Whether the dialog was set up with a `sips:` Request-URI (RFC 3261 §12.1).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Changes our Contact (a new address after a network change); the next target refresh
    /// request carries it.
    pub fn set_local_contact(&mut self, contact: Uri) {
        self.local_contact = contact;
    }

    /// Draws the first local CSeq from `rng` instead, for a caller that keeps a seeded RNG
    /// per call. Only before the first request we send; afterwards it does nothing.
    pub fn seed_local_cseq(&mut self, rng: &mut impl RngCore) {
        if self.local_cseq.is_none() {
            self.cseq_start = rng.gen_range(1..=0xFFFF);
        }
    }

    /// Marks a UAS dialog confirmed: we sent the 2xx.
    pub fn confirm(&mut self) {
        if self.state == DialogState::Early {
            self.state = DialogState::Confirmed;
        }
    }

    /// Ends the dialog (BYE sent or received, call torn down).
    pub fn terminate(&mut self) {
        self.state = DialogState::Terminated;
    }

    /// Takes in a response to a request we sent in this dialog (including other responses
    /// to the INVITE that created it).
    ///
    /// - A 2xx to the INVITE confirms an early dialog, and "the route set for the dialog MUST
    ///   be recomputed based on the 2xx response" (RFC 3261 §13.2.2.4).
    /// - A 2xx to a target refresh request replaces the remote target with its Contact
    ///   (§12.2.1.2); so does a provisional response to the INVITE while early.
    /// - A final failure to the INVITE ends an early dialog; "If the response for a request
    ///   within a dialog is a 481 or a 408, the UAC SHOULD terminate the dialog" (§12.2.1.2).
    pub fn update_from_response(&mut self, response: &Message) -> Result<(), DialogError> {
        let Some(status) = response.status() else {
            return Err(DialogError::WrongKind {
                expected: "response",
            });
        };
        let id = DialogId::of_response(response)?;
        // A provisional without a tag belongs to no dialog; ours always have one.
        if id.call_id != self.id.call_id
            || id.local_tag != self.id.local_tag
            || id.remote_tag != self.id.remote_tag
        {
            return Err(DialogError::Mismatch);
        }
        let method = response.headers().cseq()?.method;
        let code = status.as_u16();
        let early_invite = self.state == DialogState::Early && method == Method::Invite;
        if matches!(code, 408 | 481) || (early_invite && code >= 300) {
            self.state = DialogState::Terminated;
            return Ok(());
        }
        if early_invite && status.is_success() {
            self.state = DialogState::Confirmed;
            let mut route_set = response.headers().record_route()?;
            route_set.reverse();
            self.route_set = route_set;
        }
        let refreshes = (status.is_success() && is_target_refresh(&method))
            || (early_invite && status.is_provisional());
        if refreshes {
            if let Some(target) = contact(response)? {
                self.remote_target = target;
            }
        }
        Ok(())
    }

    /// Takes in a request the peer sent in this dialog (RFC 3261 §12.2.2): checks it belongs
    /// here and that its CSeq is in order, then records the CSeq and, for a target refresh
    /// request with a Contact, the new remote target. ACK and CANCEL are not checked against
    /// the CSeq (they repeat their INVITE's). BYE does not end the dialog by itself: the call
    /// layer calls [`Dialog::terminate`] when the BYE is answered.
    pub fn handle_request(&mut self, request: &Message) -> Result<(), DialogError> {
        let Some(method) = request.method() else {
            return Err(DialogError::WrongKind {
                expected: "request",
            });
        };
        if self.state == DialogState::Terminated {
            return Err(DialogError::Mismatch);
        }
        let id = DialogId::of_request(request)?;
        if id != self.id {
            return Err(DialogError::Mismatch);
        }
        if matches!(method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        let cseq = request.headers().cseq()?.seq;
        match self.remote_cseq {
            // "If the remote sequence number is not empty, but the sequence number of the
            // request is lower than the remote sequence number, the request is out of order
            // and MUST be rejected with a 500 (Server Internal Error) response."
            Some(last) if cseq < last => return Err(DialogError::OutOfOrder { cseq, last }),
            Some(last) if cseq == last => return Err(DialogError::Retransmission { cseq }),
            _ => {}
        }
        self.remote_cseq = Some(cseq);
        if is_target_refresh(method) {
            if let Some(target) = contact(request)? {
                self.remote_target = target;
            }
        }
        Ok(())
    }

    /// Whether a Replaces header received in an INVITE names this dialog, and what to do
    /// (RFC 3891 §3). Its tags are written from the point of view of the peer of this dialog:
    /// "the to-tag parameter is compared to the local tag, and the from-tag parameter is
    /// compared to the remote tag".
    pub fn check_replaces(&self, replaces: &Replaces) -> ReplacesOutcome {
        if replaces.call_id() != self.id.call_id
            || replaces.to_tag() != self.id.local_tag
            || replaces.from_tag() != self.id.remote_tag
        {
            return ReplacesOutcome::NotThisDialog;
        }
        // RFC 3891 §3: Replaces "MUST only match INVITE-created dialogs"; no INVITE dialog
        // matches, so the answer is the one for an unknown dialog.
        if self.created_by != Method::Invite {
            return ReplacesOutcome::Reject(481);
        }
        match (self.state, self.role) {
            // "If the Replaces header field matches a dialog which has already terminated,
            // the UA SHOULD decline the request with a 603 Declined response."
            (DialogState::Terminated, _) => ReplacesOutcome::Reject(603),
            // "If the flag is present, the UA rejects the request with a 486 Busy response."
            (DialogState::Confirmed, _) if replaces.early_only() => ReplacesOutcome::Reject(486),
            (DialogState::Confirmed, _) => ReplacesOutcome::Replace,
            // "If the Replaces header field matches an early dialog that was not initiated by
            // this UA, it returns a 481 (Call/Transaction Does Not Exist) response."
            (DialogState::Early, Role::Uas) => ReplacesOutcome::Reject(481),
            (DialogState::Early, Role::Uac) => ReplacesOutcome::Replace,
        }
    }

    /// The next local CSeq, counted.
    fn next_cseq(&mut self) -> Result<u32, DialogError> {
        let next = match self.local_cseq {
            Some(last) => last.checked_add(1).ok_or(DialogError::CSeqExhausted)?,
            None => self.cseq_start,
        };
        if next > crate::header::MAX_CSEQ {
            return Err(DialogError::CSeqExhausted);
        }
        self.local_cseq = Some(next);
        Ok(next)
    }
}
