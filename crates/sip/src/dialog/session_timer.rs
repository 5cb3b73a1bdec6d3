//! Session timers (RFC 4028): what to ask for, what to grant, when to refresh and when to give
//! up on the session.
//!
//! The refresher is named per transaction: `uac` is whoever sent the INVITE or UPDATE that
//! set the timer, which need not be who set up the dialog. A [`SessionTimer`] therefore
//! remembers this phone's role in that transaction.

use std::time::{Duration, Instant};

use super::{DialogError, Role};
use crate::header::{Refresher, SessionExpires};
use crate::message::Message;

/// RFC 4028 §4: the smallest Min-SE allowed, 90 seconds.
pub const MIN_SE_FLOOR: u32 = 90;

/// Who this phone would like to refresh sessions, when it gets to choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefresherPreference {
    /// This phone refreshes.
    Local,
    /// The peer refreshes.
    Remote,
    /// Either; the UAC of the transaction is picked (no `refresher` in our requests).
    #[default]
    Any,
}

/// The phone's session timer options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTimerConfig {
    /// Session-Expires to ask for and the longest to grant, in seconds (default 1800, the
    /// RFC 4028 §4 recommendation).
    pub expires: u32,
    /// Our Min-SE in seconds (default and floor 90).
    pub min_se: u32,
    /// Who should refresh.
    pub refresher: RefresherPreference,
    /// Keep a timer even when the peer does not take part ("force timer"): the phone then
    /// refreshes itself, with its own interval.
    pub force: bool,
}

impl Default for SessionTimerConfig {
    fn default() -> Self {
        Self {
            expires: 1800,
            min_se: MIN_SE_FLOOR,
            refresher: RefresherPreference::Any,
            force: false,
        }
    }
}

impl SessionTimerConfig {
    /// Sets the interval to ask for.
    pub fn with_expires(mut self, seconds: u32) -> Self {
        self.expires = seconds;
        self
    }

    /// Sets Min-SE (raised to 90 if lower).
    pub fn with_min_se(mut self, seconds: u32) -> Self {
        self.min_se = seconds.max(MIN_SE_FLOOR);
        self
    }

    /// Sets the refresher preference.
    pub fn with_refresher(mut self, refresher: RefresherPreference) -> Self {
        self.refresher = refresher;
        self
    }

    /// Sets "force timer".
    pub fn with_force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    fn min_se(&self) -> u32 {
        self.min_se.max(MIN_SE_FLOOR)
    }
}

/// A session timer in force: its interval and who refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimer {
    interval: u32,
    refresher: Refresher,
    /// Our role in the transaction that set the timer.
    role: Role,
}

impl SessionTimer {
    /// A timer of `interval` seconds refreshed by `refresher`, set by a transaction in which
    /// this phone was `role`.
    pub fn new(interval: u32, refresher: Refresher, role: Role) -> Self {
        Self {
            interval,
            refresher,
            role,
        }
    }

    /// The session interval.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval.into())
    }

    /// Who refreshes, as named in the header.
    pub fn refresher(&self) -> Refresher {
        self.refresher
    }

    /// Whether this phone sends the refreshes.
    pub fn is_local_refresher(&self) -> bool {
        matches!(
            (self.refresher, self.role),
            (Refresher::Uac, Role::Uac) | (Refresher::Uas, Role::Uas)
        )
    }

    /// When, after the timer was set, this phone sends a refresh: "half the session
    /// interval" (RFC 4028 §10); `None` when the peer refreshes.
    pub fn refresh_after(&self) -> Option<Duration> {
        self.is_local_refresher()
            .then(|| Duration::from_secs((self.interval / 2).into()))
    }

    /// When, after the timer was set (or last refreshed), the session is over unless a
    /// refresh came: the BYE goes out at "the session expiration minus the minimum of 32
    /// seconds and one third of the session interval" (RFC 4028 §10).
    pub fn expire_after(&self) -> Duration {
        let margin = (self.interval / 3).min(32);
        Duration::from_secs((self.interval - margin).into())
    }

    /// [`SessionTimer::refresh_after`] counted from `set`.
    pub fn refresh_at(&self, set: Instant) -> Option<Instant> {
        self.refresh_after().map(|d| set + d)
    }

    /// [`SessionTimer::expire_after`] counted from `set`.
    pub fn expires_at(&self, set: Instant) -> Instant {
        set + self.expire_after()
    }

    /// The Session-Expires value (with refresher) for a 2xx we send.
    pub fn header(&self) -> SessionExpires {
        SessionExpires::new(self.interval).with_refresher(self.refresher)
    }

    /// What a UAS grants for a received INVITE or UPDATE (RFC 4028 §9).
    ///
    /// A Session-Expires below our Min-SE gets a 422 when the UAC supports `timer`, and is
    /// raised to our Min-SE (with `uas` refreshing) when it does not. Otherwise the interval is the one asked
    /// for, lowered to our `expires` but never below either Min-SE; the refresher is the one
    /// asked for, else our preference when the UAC supports `timer`, else `uas` ("the UAS
    /// MUST ... set the refresher to uas" when the UAC does not support the extension).
    /// Without a Session-Expires there is no timer unless `force` is set.
    pub fn for_request(
        config: &SessionTimerConfig,
        request: &Message,
    ) -> Result<SessionOffer, DialogError> {
        let h = request.headers();
        let supported = h
            .supported()?
            .iter()
            .any(|t| t.eq_ignore_ascii_case("timer"));
        let their_min = h.min_se()?.map_or(MIN_SE_FLOOR, |m| m.seconds);
        let chosen = match config.refresher {
            _ if !supported => Refresher::Uas,
            RefresherPreference::Local => Refresher::Uas,
            RefresherPreference::Remote | RefresherPreference::Any => Refresher::Uac,
        };
        let (interval, refresher) = match h.session_expires()? {
            Some(se) if se.seconds < config.min_se() && supported => {
                return Ok(SessionOffer::TooSmall {
                    min_se: config.min_se(),
                })
            }
            // A UAC that does not know the extension could not act on a 422: raise instead.
            Some(se) if se.seconds < config.min_se() => (config.min_se(), Refresher::Uas),
            Some(se) => {
                let floor = their_min.max(config.min_se());
                let interval = se.seconds.min(config.expires.max(floor));
                (interval, se.refresher().unwrap_or(chosen))
            }
            None if config.force => (config.expires.max(config.min_se()), chosen),
            None => return Ok(SessionOffer::NoTimer),
        };
        Ok(SessionOffer::Accept {
            timer: Self::new(interval, refresher, Role::Uas),
            require_timer: supported,
        })
    }
}

/// A UAS's answer to the session timer of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOffer {
    /// Put [`SessionTimer::header`] in the 2xx, with `Require: timer` when `require_timer`.
    Accept {
        /// The timer granted.
        timer: SessionTimer,
        /// Whether the UAC supports `timer`, so the 2xx says `Require: timer`.
        require_timer: bool,
    },
    /// Answer 422 (Session Interval Too Small) with this Min-SE.
    TooSmall {
        /// Our Min-SE, in seconds.
        min_se: u32,
    },
    /// No session timer.
    NoTimer,
}

/// What a UAC asks for in an INVITE or UPDATE, raised by 422 responses (RFC 4028 §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTimerRequest {
    expires: u32,
    min_se: u32,
    refresher: Option<Refresher>,
    force: bool,
}

impl SessionTimerRequest {
    /// The request the phone's options call for; add [`Self::session_expires`],
    /// [`Self::min_se`] and `Supported: timer` to the request.
    pub fn new(config: &SessionTimerConfig) -> Self {
        Self {
            expires: config.expires.max(config.min_se()),
            min_se: config.min_se(),
            refresher: match config.refresher {
                RefresherPreference::Local => Some(Refresher::Uac),
                RefresherPreference::Remote => Some(Refresher::Uas),
                RefresherPreference::Any => None,
            },
            force: config.force,
        }
    }

    /// The Session-Expires value.
    pub fn session_expires(&self) -> SessionExpires {
        let se = SessionExpires::new(self.expires);
        match self.refresher {
            Some(r) => se.with_refresher(r),
            None => se,
        }
    }

    /// The Min-SE value.
    pub fn min_se(&self) -> SessionExpires {
        SessionExpires::new(self.min_se)
    }

    /// Takes a 422: "the UAC MUST ... retry the request with a Session-Expires ... equal to
    /// the value of the Min-SE header field in the 422", and Min-SE raised to it (RFC 4028
    /// §7.4). Fails when the 422 has no Min-SE above what was asked, so a retry would loop.
    pub fn handle_422(&mut self, response: &Message) -> Result<(), DialogError> {
        let min = response
            .headers()
            .min_se()?
            .ok_or(DialogError::BadMinSe)?
            .seconds;
        if min <= self.expires {
            return Err(DialogError::BadMinSe);
        }
        self.expires = min;
        self.min_se = self.min_se.max(min);
        Ok(())
    }

    /// The timer a 2xx to our request sets (RFC 4028 §7.2): its Session-Expires, refreshed
    /// by the side it names (the UAC when it names none). Without one there is no timer,
    /// unless `force`: then this phone refreshes at the interval it asked for.
    pub fn handle_success(&self, response: &Message) -> Result<Option<SessionTimer>, DialogError> {
        Ok(match response.headers().session_expires()? {
            Some(se) => Some(SessionTimer::new(
                se.seconds,
                se.refresher().unwrap_or(Refresher::Uac),
                Role::Uac,
            )),
            None if self.force => Some(SessionTimer::new(self.expires, Refresher::Uac, Role::Uac)),
            None => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::origin;

    fn invite(extra: &str) -> Message {
        let text = format!(
            "INVITE sip:bob@biloxi.com SIP/2.0\r\n\
             Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n\
             To: Bob <sip:bob@biloxi.com>\r\n\
             From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
             Call-ID: a84b4c76e66710\r\n\
             CSeq: 314159 INVITE\r\n\
             Contact: <sip:alice@pc33.atlanta.com>\r\n\
             {extra}Content-Length: 0\r\n\r\n"
        );
        Message::parse(text.as_bytes()).unwrap()
    }

    fn answer(status: &str, extra: &str) -> Message {
        let text = format!(
            "SIP/2.0 {status}\r\n\
             Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n\
             To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n\
             From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
             Call-ID: a84b4c76e66710\r\n\
             CSeq: 314159 INVITE\r\n\
             {extra}Content-Length: 0\r\n\r\n"
        );
        Message::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn refresh_at_half_and_expire_before_the_end() {
        let t = SessionTimer::new(1800, Refresher::Uac, Role::Uac);
        assert!(t.is_local_refresher());
        assert_eq!(t.refresh_after(), Some(Duration::from_secs(900)));
        // 1800 - min(32, 600)
        assert_eq!(t.expire_after(), Duration::from_secs(1768));
        let start = origin();
        assert_eq!(t.refresh_at(start), Some(start + Duration::from_secs(900)));
        assert_eq!(t.expires_at(start), start + Duration::from_secs(1768));
        // 90 - min(32, 30)
        let short = SessionTimer::new(90, Refresher::Uac, Role::Uas);
        assert!(!short.is_local_refresher());
        assert_eq!(short.refresh_after(), None);
        assert_eq!(short.expire_after(), Duration::from_secs(60));
        assert_eq!(short.header().to_string(), "90;refresher=uac");
    }

    #[test]
    fn uac_asks_and_raises_to_min_se_on_422() {
        let config = SessionTimerConfig::default()
            .with_expires(60)
            .with_refresher(RefresherPreference::Local);
        let mut req = SessionTimerRequest::new(&config);
        // Never below the 90 s floor.
        assert_eq!(req.session_expires().to_string(), "90;refresher=uac");
        assert_eq!(req.min_se().to_string(), "90");
        req.handle_422(&answer(
            "422 Session Interval Too Small",
            "Min-SE: 1200\r\n",
        ))
        .unwrap();
        assert_eq!(req.session_expires().seconds, 1200);
        assert_eq!(req.min_se().seconds, 1200);
        // No Min-SE, or one that is not higher: retrying would loop.
        let no_min = answer("422 Session Interval Too Small", "");
        assert_eq!(req.handle_422(&no_min), Err(DialogError::BadMinSe));
        let same = answer("422 Session Interval Too Small", "Min-SE: 1200\r\n");
        assert_eq!(req.handle_422(&same), Err(DialogError::BadMinSe));
    }

    #[test]
    fn uac_reads_the_timer_from_the_2xx() {
        let req = SessionTimerRequest::new(&SessionTimerConfig::default());
        let ok = answer(
            "200 OK",
            "Session-Expires: 1200;refresher=uas\r\nRequire: timer\r\n",
        );
        let timer = req.handle_success(&ok).unwrap().unwrap();
        assert_eq!(timer.interval(), Duration::from_secs(1200));
        assert_eq!(timer.refresher(), Refresher::Uas);
        assert!(!timer.is_local_refresher());
        // The UAS does not do timers: none, unless forced, and then we refresh.
        assert_eq!(req.handle_success(&answer("200 OK", "")).unwrap(), None);
        let forced = SessionTimerRequest::new(&SessionTimerConfig::default().with_force(true));
        let timer = forced
            .handle_success(&answer("200 OK", ""))
            .unwrap()
            .unwrap();
        assert!(timer.is_local_refresher());
        assert_eq!(timer.interval(), Duration::from_secs(1800));
    }

    #[test]
    fn uas_grants_rejects_and_picks_the_refresher() {
        let config = SessionTimerConfig::default().with_min_se(300);
        let small = invite("Supported: timer\r\nSession-Expires: 120\r\n");
        assert_eq!(
            SessionTimer::for_request(&config, &small).unwrap(),
            SessionOffer::TooSmall { min_se: 300 }
        );
        // Asked 3600, we grant at most 1800; the UAC named the refresher.
        let long = invite("Supported: timer\r\nSession-Expires: 3600;refresher=uac\r\n");
        let SessionOffer::Accept {
            timer,
            require_timer,
        } = SessionTimer::for_request(&config, &long).unwrap()
        else {
            panic!("no timer");
        };
        assert_eq!(timer.interval(), Duration::from_secs(1800));
        assert_eq!(timer.refresher(), Refresher::Uac);
        assert!(require_timer);
        assert!(!timer.is_local_refresher());
        // Never below the request's Min-SE.
        let floor = invite("Session-Expires: 3600\r\nMin-SE: 2400\r\n");
        let SessionOffer::Accept { timer, .. } =
            SessionTimer::for_request(&config, &floor).unwrap()
        else {
            panic!("no timer");
        };
        assert_eq!(timer.interval(), Duration::from_secs(2400));
        // A UAC without timer support (a proxy added Session-Expires): we must refresh.
        assert_eq!(timer.refresher(), Refresher::Uas);
        assert!(timer.is_local_refresher());
        // Without a refresher named, our preference decides when the UAC supports timer.
        let open = invite("Supported: timer\r\nSession-Expires: 1800\r\n");
        let local = config.clone().with_refresher(RefresherPreference::Local);
        let SessionOffer::Accept { timer, .. } = SessionTimer::for_request(&local, &open).unwrap()
        else {
            panic!("no timer");
        };
        assert_eq!(timer.refresher(), Refresher::Uas);
        let SessionOffer::Accept { timer, .. } = SessionTimer::for_request(&config, &open).unwrap()
        else {
            panic!("no timer");
        };
        assert_eq!(timer.refresher(), Refresher::Uac);
        // Too small from a UAC without timer support (a proxy added it): raised, not 422.
        let raised = invite("Session-Expires: 120\r\n");
        let SessionOffer::Accept { timer, .. } =
            SessionTimer::for_request(&config, &raised).unwrap()
        else {
            panic!("no timer");
        };
        assert_eq!(timer.header().to_string(), "300;refresher=uas");
        // No Session-Expires: no timer unless forced.
        let plain = invite("");
        assert_eq!(
            SessionTimer::for_request(&config, &plain).unwrap(),
            SessionOffer::NoTimer
        );
        let forced = config.with_force(true);
        let SessionOffer::Accept {
            timer,
            require_timer,
        } = SessionTimer::for_request(&forced, &plain).unwrap()
        else {
            panic!("no timer");
        };
        assert_eq!((timer.refresher(), require_timer), (Refresher::Uas, false));
    }
}
