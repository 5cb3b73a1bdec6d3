//! Glare (RFC 3261 §14.1): two offers crossing in one dialog. The side that receives an
//! INVITE or UPDATE while its own offer is unanswered answers 491, and each side waits a
//! random time before trying again.

use std::time::Duration;

use rand::Rng;

use super::{Dialog, Role};

/// How long to wait before retrying a re-INVITE or UPDATE that got 491 (RFC 3261 §14.1): "If
/// the UAC is the owner of the Call-ID of the dialog ID … a randomly chosen value of time
/// between 2.1 and 4 seconds in units of 10 ms. If the UAC is not the owner … between 0 and 2
/// seconds in units of 10 ms."
pub fn glare_retry_delay(role_is_call_id_owner: bool, rng: &mut impl Rng) -> Duration {
    let steps: u64 = if role_is_call_id_owner {
        rng.gen_range(210..=400)
    } else {
        rng.gen_range(0..=200)
    };
    Duration::from_millis(steps * 10)
}

impl Dialog {
    /// Whether this side generated the Call-ID (it sent the dialog-creating request), the
    /// argument [`glare_retry_delay`] needs.
    pub fn owns_call_id(&self) -> bool {
        self.role == Role::Uac
    }

    /// Marks an offer (a re-INVITE or UPDATE, sent or received) as waiting for its answer.
    /// Returns `false`, changing nothing, when one already is: a received request then gets
    /// 491 Request Pending, and one of ours must wait ([`glare_retry_delay`]).
    pub fn begin_offer(&mut self) -> bool {
        if self.offer_in_progress {
            return false;
        }
        self.offer_in_progress = true;
        true
    }

    /// The offer in progress was answered, or its transaction failed.
    pub fn end_offer(&mut self) {
        self.offer_in_progress = false;
    }

    /// Whether an offer waits for its answer.
    pub fn offer_in_progress(&self) -> bool {
        self.offer_in_progress
    }
}
