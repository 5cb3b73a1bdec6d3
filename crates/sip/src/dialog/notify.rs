//! The dialog a NOTIFY creates for a subscriber (RFC 6665 §4.1.2.4), and the route changes a
//! subscriber may take from later NOTIFYs.

use super::{bare, contact, Dialog, DialogError, DialogId, DialogState, Role};
use crate::header::NameAddr;
use crate::message::Message;
use crate::method::Method;
use crate::uri::Uri;

impl Dialog {
    /// The dialog a NOTIFY creates when it arrives for our `subscribe` before any 2xx
    /// (RFC 6665 §4.1.2.4): confirmed, built as a UAS builds one from a request (route set
    /// the NOTIFY's Record-Route as is, remote target its Contact), but with our side's
    /// SUBSCRIBE as the source of the local CSeq and the From, since we sent it.
    pub fn from_notify(subscribe: &Message, notify: &Message) -> Result<Self, DialogError> {
        let (Some(uri), Some(Method::Notify)) = (subscribe.request_uri(), notify.method()) else {
            return Err(DialogError::WrongKind {
                expected: "SUBSCRIBE and a NOTIFY",
            });
        };
        let (sh, nh) = (subscribe.headers(), notify.headers());
        let id = DialogId::of_request(notify)?;
        let from = sh.from()?;
        if id.call_id != sh.call_id()? || Some(id.local_tag.as_str()) != from.tag() {
            return Err(DialogError::Mismatch);
        }
        let remote_target = contact(notify)?.ok_or(DialogError::MissingContact)?;
        let local_contact = contact(subscribe)?.ok_or(DialogError::MissingContact)?;
        let cseq = sh.cseq()?;
        Ok(Self {
            id,
            role: Role::Uac,
            state: DialogState::Confirmed,
            local: bare(&from),
            remote: bare(&sh.to()?),
            remote_target,
            local_contact,
            route_set: nh.record_route()?,
            local_cseq: Some(cseq.seq),
            cseq_start: 1,
            remote_cseq: Some(nh.cseq()?.seq),
            secure: super::is_sips(Some(uri)),
            created_by: cseq.method,
            offer_in_progress: false,
        })
    }

    /// Replaces the remote target: for a subscriber that takes it from a NOTIFY, or keeps the
    /// one it had when a NOTIFY's Contact is to be ignored.
    pub fn set_remote_target(&mut self, target: Uri) {
        self.remote_target = target;
    }

    /// Replaces the route set (in the order our requests visit it): for a subscriber that
    /// follows the Record-Route of a NOTIFY.
    pub fn set_route_set(&mut self, route_set: Vec<NameAddr>) {
        self.route_set = route_set;
    }
}
