//! Call transfer inside a call: the REFER we send (RFC 3515) with Referred-By (RFC 3892) and,
//! for an attended transfer, `Replaces` inside the Refer-To URI (RFC 3891 §5), and the
//! implicit subscription whose NOTIFYs carry the new call's progress as `message/sipfrag`.
//! The other way round: a REFER the peer sends, answered 202 Accepted, and the NOTIFYs the
//! owner has us send with [`Call::notify_transfer`].

use handset_sip::account::RequestId;
use handset_sip::body::SipFrag;
use handset_sip::dialog::ReplacesOutcome;
use handset_sip::header::{HeaderKind, MediaType, NameAddr, Replaces, SubscriptionStateValue};
use handset_sip::locate::Target;
use handset_sip::message::response_to;
use handset_sip::transaction::TransactionKey;
use handset_sip::uri::Uri;
use handset_sip::{Message, Method, StatusCode};

use super::{Call, CallError, CallEvent, CallOutput, CallParams, CallState, SipCommand};

/// The event package of a REFER's implicit subscription.
const REFER_EVENT: &str = "refer";
/// How long our implicit subscription claims to last while the new call is under way.
const SUBSCRIPTION_SECONDS: u32 = 60;

/// Our REFER in flight or accepted, waiting for the outcome.
#[derive(Debug, Clone)]
pub(super) struct OutgoingRefer {
    key: TransactionKey,
}

/// Where the peer asks us to call, read from its REFER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferTarget {
    /// Whom to call (the Refer-To URI without its headers).
    pub uri: Uri,
    /// The dialog the new call takes over (attended transfer).
    pub replaces: Option<Replaces>,
    /// Who asked for the transfer (Referred-By), passed on in the new INVITE.
    pub referred_by: Option<NameAddr>,
}

impl Call {
    /// Asks the peer to call `target` (REFER); with `replaces`, the new call takes over that
    /// dialog (attended transfer). The outcome comes as transfer events.
    pub fn refer(&mut self, target: &Uri, replaces: Option<&Replaces>) -> Result<(), CallError> {
        if self.state != CallState::Established {
            return Err(CallError::State {
                action: "transfer",
                state: self.state,
            });
        }
        if self.refer_out.is_some() {
            return Err(CallError::TransferPending);
        }
        let refer_to = match (target, replaces) {
            (Uri::Sip(sip), Some(replaces)) => Uri::Sip(
                sip.clone()
                    .without_headers()
                    .with_header("Replaces", &replaces.to_string()),
            ),
            (_, Some(_)) => {
                return Err(CallError::Message(
                    "only a SIP URI can carry Replaces".into(),
                ))
            }
            (uri, None) => uri.clone(),
        };
        let mut request = self.in_dialog_request(Method::Refer)?;
        request
            .header(HeaderKind::ReferTo, NameAddr::new(refer_to))
            .header(HeaderKind::ReferredBy, self.params.local.clone());
        let request = request.build()?;
        let key = TransactionKey::of_sent_request(&request)?;
        self.refer_out = Some(OutgoingRefer { key });
        self.outputs.push_back(CallOutput::Sip(SipCommand::Send {
            request,
            to: self.route_to,
        }));
        Ok(())
    }

    /// Whether a transfer we asked for is still waiting for its outcome.
    pub fn is_transferring(&self) -> bool {
        self.refer_out.is_some()
    }

    /// Stops waiting for the outcome of our transfer (it took too long); later NOTIFYs get
    /// 481.
    pub fn abandon_transfer(&mut self) {
        self.refer_out = None;
    }

    /// The Replaces value with which a third party takes this call over from the peer: the
    /// peer compares its to-tag with its own tag (our remote tag) and its from-tag with ours.
    pub fn replaces(&self) -> Option<Replaces> {
        let id = self.dialog.as_ref()?.id();
        Some(Replaces::new(&id.call_id, &id.remote_tag, &id.local_tag))
    }

    /// The peer's Contact (where requests in the call go).
    pub fn remote_contact(&self) -> Option<&Uri> {
        self.dialog
            .as_ref()
            .map(handset_sip::dialog::Dialog::remote_target)
    }

    /// Whether an INVITE's Replaces names this call, and what to do (RFC 3891 §3).
    pub fn check_replaces(&self, replaces: &Replaces) -> ReplacesOutcome {
        match self.dialog.as_ref() {
            Some(dialog) => dialog.check_replaces(replaces),
            None => ReplacesOutcome::NotThisDialog,
        }
    }

    /// Places the call a REFER asked for: to `target.uri`, with its Replaces and Referred-By.
    pub fn dial_transfer(
        params: CallParams,
        target: &TransferTarget,
        destination: Option<Target>,
    ) -> Result<Self, CallError> {
        let mut extra = Vec::new();
        if let Some(replaces) = &target.replaces {
            extra.push((HeaderKind::Replaces, replaces.to_string()));
        }
        if let Some(referred_by) = &target.referred_by {
            extra.push((HeaderKind::ReferredBy, referred_by.to_string()));
        }
        let to = NameAddr::new(target.uri.clone());
        Self::dial_with_headers(params, target.uri.clone(), to, destination, extra)
    }

    /// Reports the progress of the call a REFER asked for: `status` is its latest response
    /// (100 first, then 180, then the final one). A final status ends the subscription.
    pub fn notify_transfer(&mut self, status: u16) -> Result<(), CallError> {
        if !self.refer_in {
            return Err(CallError::NoTransfer);
        }
        let code = StatusCode::new(status)
            .ok_or_else(|| CallError::Message(format!("{status} is not a SIP status")))?;
        let last = status >= 200;
        let mut request = self.in_dialog_request(Method::Notify)?;
        let state = if last {
            "terminated;reason=noresource".to_owned()
        } else {
            format!("active;expires={SUBSCRIPTION_SECONDS}")
        };
        request
            .header(HeaderKind::Event, REFER_EVENT)
            .header(HeaderKind::SubscriptionState, state);
        let content_type = MediaType::parse(SipFrag::CONTENT_TYPE)?;
        request.body(&content_type, SipFrag::new(code).to_string().into_bytes());
        let request = request.build()?;
        if last {
            self.refer_in = false;
        }
        self.outputs.push_back(CallOutput::Sip(SipCommand::Send {
            request,
            to: self.route_to,
        }));
        Ok(())
    }

    /// The peer's answer to our REFER.
    pub(super) fn on_refer_response(&mut self, response: &Message) {
        let Some(status) = response.status().map(StatusCode::as_u16) else {
            return;
        };
        match status {
            100..=199 => {}
            200..=299 => self.push_event(CallEvent::TransferAccepted),
            _ => {
                self.refer_out = None;
                self.push_event(CallEvent::TransferFailed { status });
            }
        }
    }

    /// Our REFER got no answer at all.
    pub(super) fn on_refer_failed(&mut self) {
        self.refer_out = None;
        self.push_event(CallEvent::TransferFailed { status: 408 });
    }

    /// Whether `key` is our REFER's transaction.
    pub(super) fn is_refer(&self, key: &TransactionKey) -> bool {
        self.refer_out.as_ref().is_some_and(|r| &r.key == key)
    }

    /// A NOTIFY of our REFER's subscription: the new call's progress.
    pub(super) fn on_notify(&mut self, id: RequestId, request: &Message) {
        let h = request.headers();
        let is_refer =
            matches!(h.event(), Ok(Some(e)) if e.package().eq_ignore_ascii_case(REFER_EVENT));
        if !is_refer {
            // RFC 6665 §4.2.2: an event package we did not subscribe to.
            return self.reply(id, request, 489);
        }
        if self.refer_out.is_none() {
            return self.reply(id, request, 481);
        }
        let Ok(frag) = SipFrag::parse(request.body()) else {
            return self.reply(id, request, 400);
        };
        let terminated = matches!(
            h.subscription_state(),
            Ok(Some(s)) if *s.state() == SubscriptionStateValue::Terminated
        );
        self.reply(id, request, 200);
        let status = frag.status.as_u16();
        let event = match status {
            100..=199 if !terminated => CallEvent::TransferProgress { status },
            200..=299 => CallEvent::TransferSucceeded,
            _ => CallEvent::TransferFailed { status },
        };
        if !matches!(event, CallEvent::TransferProgress { .. }) {
            self.refer_out = None;
        }
        self.push_event(event);
    }

    /// The peer asks us to call someone (RFC 3515 §2.4.2): 202 Accepted, then the owner
    /// places the call and reports it with [`Self::notify_transfer`].
    pub(super) fn on_refer(&mut self, id: RequestId, request: &Message) {
        if self.state != CallState::Established {
            return self.reply(id, request, 403);
        }
        if self.refer_in {
            // One transfer at a time: the first one is still being reported.
            return self.reply(id, request, 491);
        }
        let target = match transfer_target(request) {
            Ok(target) => target,
            Err(status) => return self.reply(id, request, status),
        };
        let Some(accepted) = StatusCode::new(202) else {
            return;
        };
        let Ok(response) = response_to(request, accepted, None) else {
            return;
        };
        self.refer_in = true;
        self.outputs
            .push_back(CallOutput::Sip(SipCommand::Respond { id, response }));
        self.push_event(CallEvent::TransferRequested(Box::new(target)));
    }

    fn push_event(&mut self, event: CallEvent) {
        self.outputs.push_back(CallOutput::Event(event));
    }
}

/// Reads a REFER's target, or the status that refuses it: 400 without exactly one readable
/// Refer-To (RFC 3515 §2.4.1) or with a Replaces that cannot be read, 416 for a scheme we
/// cannot call.
fn transfer_target(request: &Message) -> Result<TransferTarget, u16> {
    let h = request.headers();
    if h.all(HeaderKind::ReferTo).count() != 1 {
        return Err(400);
    }
    let refer_to = h.refer_to().ok().flatten().ok_or(400u16)?;
    let referred_by = h.referred_by().ok().flatten();
    let (uri, replaces) = match refer_to.uri() {
        Uri::Sip(sip) => {
            let replaces = sip
                .headers()
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("replaces"))
                .map(|(_, value)| {
                    let text = String::from_utf8(percent_decode(value)).map_err(|_| 400u16)?;
                    Replaces::parse(&text).map_err(|_| 400u16)
                })
                .transpose()?;
            (Uri::Sip(sip.clone().without_headers()), replaces)
        }
        tel @ Uri::Tel(_) => (tel.clone(), None),
        Uri::Other(_) => return Err(416),
    };
    Ok(TransferTarget {
        uri,
        replaces,
        referred_by,
    })
}

/// `text` with its `%HH` escapes decoded; a malformed escape stays as written.
pub(super) fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}
