//! What the responses to SUBSCRIBE do (RFC 6665 §4.1.2): a 2xx makes or joins the dialog
//! and sets the refresh, a challenge is answered, a 423 raises the interval.

use std::time::Instant;

use super::{Flight, Subscription, SubscriptionError, Timer};
use crate::auth::{challenges_in, AuthError, Unauthorized};
use crate::dialog::{Dialog, DialogError};
use crate::message::Message;

impl Subscription {
    pub(super) fn on_success(
        &mut self,
        now: Instant,
        response: &Message,
        flight: &Flight,
    ) -> Result<(), Failure> {
        match self.dialog.as_mut() {
            None if !flight.in_dialog => {
                self.dialog = Some(Dialog::from_uac_response(&flight.request, response)?);
            }
            None => return Err(DialogError::Terminated.into()),
            Some(dialog) => {
                // The 2xx of a dialog a NOTIFY created. One from another fork than the
                // dialog's is left alone: its NOTIFYs get 481.
                let notify_target = dialog.remote_target().clone();
                if dialog.update_from_response(response).is_ok() && !flight.in_dialog {
                    if self.config.use_route_set_in_notify {
                        dialog.set_remote_target(notify_target);
                    } else {
                        let mut route_set = response.headers().record_route()?;
                        route_set.reverse();
                        dialog.set_route_set(route_set);
                    }
                }
            }
        }
        let granted = response
            .headers()
            .expires()
            .ok()
            .flatten()
            .unwrap_or(flight.expires);
        self.granted = Some(granted);
        if granted == 0 {
            // The notifier ends it at once; its NOTIFY says why.
            return Ok(());
        }
        if !self.notified && !flight.in_dialog {
            self.timer = Some((now + self.config.timers.f(), Timer::NotifyWait));
            return Ok(());
        }
        let at = now + self.config.refresh_after(granted);
        let sooner = self
            .timer
            .is_some_and(|(t, kind)| kind == Timer::Refresh && t < at);
        if !sooner {
            self.timer = Some((at, Timer::Refresh));
        }
        Ok(())
    }

    pub(super) fn on_challenge(
        &mut self,
        now: Instant,
        response: &Message,
        flight: &Flight,
    ) -> Result<(), Failure> {
        let offered = challenges_in(response);
        let mut unauthorized = Unauthorized::new();
        for (kind, value) in &offered {
            unauthorized = unauthorized.challenge(*kind, value);
        }
        for sent in &flight.sent {
            unauthorized = unauthorized.sent(sent.kind, &sent.value);
        }
        self.digest
            .handle_challenges(&unauthorized)
            .map_err(Failure::Auth)?;
        Ok(self.send(now, flight.in_dialog, flight.expires)?)
    }

    pub(super) fn on_too_brief(
        &mut self,
        now: Instant,
        response: &Message,
        flight: &Flight,
    ) -> Result<(), Failure> {
        // RFC 6665 §4.1.2.1: a 423 carries the Min-Expires to retry with.
        let minimum = response.headers().min_expires().ok().flatten();
        let Some(minimum) = minimum.filter(|m| *m > flight.expires) else {
            return Err(Failure::Status {
                text: status_text(response),
                retry_after: None,
            });
        };
        self.expires = minimum;
        Ok(self.send(now, flight.in_dialog, minimum)?)
    }
}

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum Failure {
    /// A final response other than 2xx, 401/407 and a usable 423.
    #[error("{text}")]
    Status {
        /// `489 Bad Event`.
        text: String,
        /// The response's Retry-After, in seconds.
        retry_after: Option<u32>,
    },
    /// The challenge could not be answered, or the password was refused.
    #[error("authentication failed: {0}")]
    Auth(AuthError),
    /// The 2xx could not make a dialog.
    #[error("unusable 2xx: {0}")]
    Dialog(#[from] DialogError),
    /// The next SUBSCRIBE could not be written.
    #[error(transparent)]
    Send(#[from] SubscriptionError),
}

impl From<crate::message::ParseError> for Failure {
    fn from(e: crate::message::ParseError) -> Self {
        Failure::Dialog(DialogError::Parse(e))
    }
}

/// `489 Bad Event`.
pub(super) fn status_text(response: &Message) -> String {
    let code = response.status().map_or(0, |s| s.as_u16());
    format!("{code} {}", response.reason().unwrap_or_default())
}
