//! NOTIFYs of the subscription (RFC 6665 §4.1.3): matched by Call-ID, our tag and Event,
//! answered, passed up, and their Subscription-State applied.

use std::time::Instant;

use super::{Subscription, SubscriptionEvent, SubscriptionStatus, Timer};
use crate::dialog::{Dialog, DialogError};
use crate::header::{HeaderKind, NameAddr, SubscriptionState, SubscriptionStateValue};
use crate::message::{response_to, Message, MessageBuilder};
use crate::method::Method;
use crate::status::StatusCode;

/// What a NOTIFY that belongs here is answered with, before its state is applied.
enum Verdict {
    /// Answer with this status and do nothing else.
    Answer(StatusCode),
    /// A retransmission of a NOTIFY already taken in: answer 200 again, report nothing.
    Repeat,
    /// A new NOTIFY of the subscription: apply it.
    Apply(SubscriptionState),
}

fn status(code: u16) -> StatusCode {
    StatusCode::new(code).unwrap_or(StatusCode::SERVER_INTERNAL_ERROR)
}

impl Subscription {
    /// A request the endpoint received. Returns the response to send when it is a NOTIFY of
    /// this subscription (same Call-ID, its To tag ours): 200 OK; 481 when its dialog or
    /// event is not the subscription's (another fork, an ended subscription); 400 when
    /// Event or Subscription-State is missing or malformed; 500 when out of order. Returns
    /// `None` for any other request, and for one so broken no response can be built.
    pub fn handle_request(&mut self, now: Instant, request: &Message) -> Option<MessageBuilder> {
        if request.method() != Some(&Method::Notify) {
            return None;
        }
        let headers = request.headers();
        let ours = headers.call_id().is_ok_and(|id| id == self.ids.call_id)
            && headers
                .to()
                .is_ok_and(|to| to.tag() == Some(self.ids.from_tag.as_str()));
        if !ours {
            return None;
        }
        let code = match self.judge(request) {
            Verdict::Answer(code) => code,
            Verdict::Repeat => StatusCode::OK,
            Verdict::Apply(state) => {
                let content_type = headers.content_type().ok().flatten();
                self.events.push_back(SubscriptionEvent::Notify {
                    content_type,
                    body: request.body().to_vec(),
                });
                self.apply(now, &state);
                StatusCode::OK
            }
        };
        let mut response = response_to(request, code, None).ok()?;
        if code == StatusCode::OK {
            let contact = super::request::contact_uri(&self.config);
            response.header(HeaderKind::Contact, NameAddr::new(contact));
        }
        Some(response)
    }

    /// Checks a NOTIFY of our Call-ID and tag, and takes it into the dialog (creating the
    /// dialog when it beats the 2xx).
    fn judge(&mut self, request: &Message) -> Verdict {
        let headers = request.headers();
        let (Ok(Some(event)), Ok(Some(state))) = (headers.event(), headers.subscription_state())
        else {
            return Verdict::Answer(StatusCode::BAD_REQUEST);
        };
        if !event.matches(&self.config.event) {
            return Verdict::Answer(StatusCode::CALL_DOES_NOT_EXIST);
        }
        let alive = matches!(
            self.status,
            SubscriptionStatus::Subscribing
                | SubscriptionStatus::Pending
                | SubscriptionStatus::Active
                | SubscriptionStatus::Unsubscribing
        );
        if !alive {
            // The last word of a subscription that ended here first is still acknowledged.
            return match state.state() {
                SubscriptionStateValue::Terminated => Verdict::Repeat,
                _ => Verdict::Answer(StatusCode::CALL_DOES_NOT_EXIST),
            };
        }
        match self.dialog.as_mut() {
            None => {
                let Some(subscribe) = self.initial.as_ref() else {
                    return Verdict::Answer(StatusCode::CALL_DOES_NOT_EXIST);
                };
                // RFC 6665 §4.1.2.4: a NOTIFY may arrive before the 2xx and creates the dialog.
                match Dialog::from_notify(subscribe, request) {
                    Ok(dialog) => self.dialog = Some(dialog),
                    Err(e) => return Verdict::Answer(answer_for(&e)),
                }
            }
            Some(dialog) => {
                let kept_target = dialog.remote_target().clone();
                match dialog.handle_request(request) {
                    Ok(()) => {}
                    Err(DialogError::Retransmission { .. }) => return Verdict::Repeat,
                    Err(e) => return Verdict::Answer(answer_for(&e)),
                }
                if !self.config.use_route_set_in_notify {
                    dialog.set_remote_target(kept_target);
                } else if let Ok(routes) = headers.record_route() {
                    if !routes.is_empty() {
                        dialog.set_route_set(routes);
                    }
                }
            }
        }
        self.notified = true;
        Verdict::Apply(state)
    }

    /// Applies the Subscription-State of a NOTIFY.
    fn apply(&mut self, now: Instant, state: &SubscriptionState) {
        if self.status == SubscriptionStatus::Unsubscribing {
            // The unsubscribe's own response ends it.
            return;
        }
        match state.state() {
            SubscriptionStateValue::Active | SubscriptionStateValue::Pending => {
                let active = *state.state() == SubscriptionStateValue::Active;
                let expires = state.expires().or(self.granted).unwrap_or(self.expires);
                self.schedule_refresh(now, expires);
                let (status, event) = if active {
                    (
                        SubscriptionStatus::Active,
                        SubscriptionEvent::Active { expires },
                    )
                } else {
                    (SubscriptionStatus::Pending, SubscriptionEvent::Pending)
                };
                if self.status != status {
                    self.status = status;
                    self.events.push_back(event);
                }
            }
            SubscriptionStateValue::Terminated => self.terminated(now, state),
            // An unknown state (RFC 6665 §8.2.3 lets packages add some) changes nothing.
            SubscriptionStateValue::Other(_) => {}
        }
    }

    fn schedule_refresh(&mut self, now: Instant, expires: u32) {
        // Unless the SUBSCRIBE in progress is a refresh itself: its 2xx reschedules.
        if self.flight.as_ref().is_some_and(|f| f.in_dialog) {
            return;
        }
        self.timer = Some((now + self.config.refresh_after(expires), Timer::Refresh));
    }

    /// The notifier ended the subscription: subscribe again at once, later, or never,
    /// per the reason (RFC 6665 §4.1.3).
    fn terminated(&mut self, now: Instant, state: &SubscriptionState) {
        let reason = state.reason().unwrap_or("terminated").to_ascii_lowercase();
        if let Some(dialog) = self.dialog.as_mut() {
            dialog.terminate();
        }
        match reason.as_str() {
            "rejected" | "noresource" | "invariant" => {
                self.events.push_back(SubscriptionEvent::Failed { reason });
                self.go_idle();
            }
            "deactivated" | "timeout" => {
                self.events
                    .push_back(SubscriptionEvent::Terminated { reason });
                if let Err(e) = self.subscribe_anew(now) {
                    self.fail(now, e.to_string(), None);
                }
            }
            _ => {
                self.events
                    .push_back(SubscriptionEvent::Terminated { reason });
                self.wait_and_retry(now, state.retry_after());
            }
        }
    }
}

/// The response to a NOTIFY the dialog refused.
fn answer_for(error: &DialogError) -> StatusCode {
    match error {
        DialogError::MissingContact => StatusCode::BAD_REQUEST,
        other => other
            .response_status()
            .map_or(StatusCode::BAD_REQUEST, status),
    }
}
