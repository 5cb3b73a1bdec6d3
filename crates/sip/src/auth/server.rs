//! The phone as the challenging party: when "Authenticate Incoming INVITE" (P2346) is on,
//! requests to the phone must carry credentials (user-to-user authentication, RFC 3261 §22.2;
//! nonces and `stale` as RFC 7616 §3.3 describes them).

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use rand::RngCore;

use super::algorithm::{Algorithm, NonceCount, Qop};
use super::authorization::Authorization;
use super::challenge::Challenge;
use super::nonce::{constant_time_eq, Minted, NonceKey, ReplayWindow};
use super::response::{DigestRequest, Inputs};
use super::AuthError;

/// How the phone challenges.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The realm of the challenges.
    pub realm: String,
    /// The algorithms offered, most preferred first: one challenge each (RFC 8760 §2.3).
    /// Default: SHA-256, then MD5 for peers that have nothing better.
    pub algorithms: Vec<Algorithm>,
    /// The qop options offered. Default: `auth`.
    pub qop: Vec<Qop>,
    /// How long a nonce may be used before answers with it get `stale=true`. Default: 5 min.
    pub nonce_lifetime: Duration,
    /// How many used nonces to keep replay windows for. A nonce that had to be forgotten to
    /// make room is answered with `stale=true`, so a replay never slips through. Default: 64.
    pub max_tracked_nonces: usize,
    /// Refuse an answer whose `uri` is not the Request-URI (RFC 7616 §3.4.6). Default: on.
    /// Turn it off when requests reach the phone through a proxy that retargets them: the
    /// caller's digest then covers the address it dialled, not the phone's contact.
    pub require_matching_uri: bool,
}

impl ServerConfig {
    /// The defaults for `realm`.
    pub fn new(realm: impl Into<String>) -> Self {
        Self {
            realm: realm.into(),
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            qop: vec![Qop::Auth],
            nonce_lifetime: Duration::from_secs(300),
            max_tracked_nonces: 64,
            require_matching_uri: true,
        }
    }

    /// Sets [`ServerConfig::algorithms`]; an empty list keeps the current one.
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        if !algorithms.is_empty() {
            self.algorithms = algorithms.to_vec();
        }
        self
    }

    /// Sets [`ServerConfig::qop`]; an empty list keeps the current one (the server always
    /// asks for qop, which is what makes replays detectable).
    #[must_use]
    pub fn with_qop(mut self, qop: &[Qop]) -> Self {
        if !qop.is_empty() {
            self.qop = qop.to_vec();
        }
        self
    }

    /// Sets [`ServerConfig::nonce_lifetime`].
    #[must_use]
    pub fn with_nonce_lifetime(mut self, lifetime: Duration) -> Self {
        self.nonce_lifetime = lifetime;
        self
    }

    /// Sets [`ServerConfig::require_matching_uri`].
    #[must_use]
    pub fn with_require_matching_uri(mut self, require: bool) -> Self {
        self.require_matching_uri = require;
        self
    }

    /// Sets [`ServerConfig::max_tracked_nonces`] (at least 1).
    #[must_use]
    pub fn with_max_tracked_nonces(mut self, max: usize) -> Self {
        self.max_tracked_nonces = max.max(1);
        self
    }
}

/// What to do with a request, after [`DigestServer::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Verdict {
    /// The credentials are good: handle the request.
    Accepted {
        /// Who it is.
        username: String,
    },
    /// Answer 401 with one `WWW-Authenticate` per challenge, in order.
    Challenge {
        /// The challenges, with `stale=true` when [`Refusal::is_stale`].
        challenges: Vec<Challenge>,
        /// Why, for the log; never tell the peer.
        reason: Refusal,
    },
}

/// Why a request was challenged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The request carried no Digest credentials for this realm: the usual first request.
    #[error("no credentials for this realm")]
    Missing,
    /// Credentials for this realm that could not be read.
    #[error("unreadable credentials: {0}")]
    Malformed(AuthError),
    /// An algorithm that was not offered.
    #[error("algorithm {0} was not offered")]
    AlgorithmNotOffered(Algorithm),
    /// No qop, or one that was not offered.
    #[error("qop missing or not offered")]
    QopNotOffered,
    /// The `uri` parameter is not the Request-URI.
    #[error("the digest is for another request URI")]
    UriMismatch,
    /// A hashed user name (`userhash`), which this server never asks for.
    #[error("hashed user names are not supported")]
    Userhash,
    /// No such user.
    #[error("unknown user {username:?}")]
    UnknownUser {
        /// The name given.
        username: String,
    },
    /// The digest does not match: wrong password (or a tampered request).
    #[error("wrong password for {username:?}")]
    WrongPassword {
        /// The name given.
        username: String,
    },
    /// The digest matches but the nonce is not one this server handed out (one from before a
    /// restart, say): retry with a new nonce.
    #[error("unknown nonce")]
    UnknownNonce,
    /// The digest matches but the nonce has outlived [`ServerConfig::nonce_lifetime`] (or its
    /// replay window was dropped to make room): retry with a new nonce.
    #[error("stale nonce")]
    Stale,
    /// This nonce count was used before with this nonce.
    #[error("nonce count {0} was already used")]
    Replayed(NonceCount),
}

impl Refusal {
    /// Whether the peer proved to know the password, so that the new challenge says
    /// `stale=true` and it retries without treating this as a wrong password.
    pub fn is_stale(&self) -> bool {
        matches!(
            self,
            Refusal::UnknownNonce | Refusal::Stale | Refusal::Replayed(_)
        )
    }
}

/// The server side of digest authentication: challenges requests and verifies answers.
///
/// Nonces are minted from a secret, the time and a serial number, so challenges cost no
/// state; a nonce that is used gets a replay window of its nonce counts, kept until it
/// expires. Time is `now` in every call, counted from an `epoch` fixed at construction.
///
/// Call order: for a request, [`DigestServer::verify`] with its `Authorization` values (none
/// for the first request); on [`Verdict::Challenge`], answer 401 with the challenges. The
/// transaction layer absorbs retransmissions, so each request is verified once.
pub struct DigestServer {
    config: ServerConfig,
    key: NonceKey,
    epoch: Instant,
    next_serial: u64,
    /// Replay windows of nonces in use, by serial (so oldest first).
    in_use: BTreeMap<u64, InUse>,
    /// Nonces with a lower serial were forgotten, or never used before the oldest kept one
    /// was dropped: their replay history is gone, so they count as stale.
    forgotten_below: u64,
}

#[derive(Debug, Clone)]
struct InUse {
    issued_ms: u64,
    window: ReplayWindow,
}

impl fmt::Debug for DigestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestServer")
            .field("config", &self.config)
            .field("key", &"<secret>")
            .field("next_serial", &self.next_serial)
            .field("in_use", &self.in_use.len())
            .field("forgotten_below", &self.forgotten_below)
            .finish()
    }
}

impl DigestServer {
    /// A server with nonce secret `secret`, counting time from `epoch`.
    pub fn new(config: ServerConfig, secret: [u8; 32], epoch: Instant) -> Self {
        Self {
            config,
            key: NonceKey::new(secret),
            epoch,
            next_serial: 0,
            in_use: BTreeMap::new(),
            forgotten_below: 0,
        }
    }

    /// A server with a secret drawn from `rng`.
    pub fn from_rng<R: RngCore + ?Sized>(
        config: ServerConfig,
        rng: &mut R,
        epoch: Instant,
    ) -> Self {
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        Self::new(config, secret, epoch)
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Fresh challenges, one per configured algorithm, sharing one new nonce.
    pub fn challenges(&mut self, now: Instant) -> Vec<Challenge> {
        self.challenges_with(now, false)
    }

    fn challenges_with(&mut self, now: Instant, stale: bool) -> Vec<Challenge> {
        let minted = Minted {
            issued_ms: self.millis(now),
            serial: self.next_serial,
        };
        self.next_serial += 1;
        let nonce = self.key.mint(minted, &self.config.realm);
        let opaque = self.key.opaque(&self.config.realm);
        self.config
            .algorithms
            .iter()
            .map(|&algorithm| {
                Challenge::new(self.config.realm.clone(), nonce.clone())
                    .with_algorithm(algorithm)
                    .with_qop(&self.config.qop)
                    .with_opaque(opaque.clone())
                    .with_stale(stale)
            })
            .collect()
    }

    /// Checks the credentials of a request.
    ///
    /// `authorizations` are the request's `Authorization` values (or `Proxy-Authorization`,
    /// if the phone were a proxy); the one for this realm is used and the others ignored.
    /// `password_of` gives the password of a user name, `None` for an unknown user.
    pub fn verify<'p>(
        &mut self,
        now: Instant,
        request: &DigestRequest<'_>,
        authorizations: &[&str],
        password_of: impl FnOnce(&str) -> Option<&'p str>,
    ) -> Verdict {
        let now_ms = self.millis(now);
        self.forget_expired(now_ms);
        match self.check(now_ms, request, authorizations, password_of) {
            Ok(username) => Verdict::Accepted { username },
            Err(reason) => Verdict::Challenge {
                challenges: self.challenges_with(now, reason.is_stale()),
                reason,
            },
        }
    }

    fn check<'p>(
        &mut self,
        now_ms: u64,
        request: &DigestRequest<'_>,
        authorizations: &[&str],
        password_of: impl FnOnce(&str) -> Option<&'p str>,
    ) -> Result<String, Refusal> {
        let auth = self.find_ours(authorizations)?;
        let algorithm = auth.effective_algorithm();
        if !self.config.algorithms.contains(&algorithm) {
            return Err(Refusal::AlgorithmNotOffered(algorithm));
        }
        let (Some(qop), Some(nc), Some(cnonce)) = (auth.qop, auth.nc, auth.cnonce.as_deref())
        else {
            return Err(Refusal::QopNotOffered);
        };
        if !self.config.qop.contains(&qop) {
            return Err(Refusal::QopNotOffered);
        }
        if self.config.require_matching_uri && auth.uri != request.uri {
            return Err(Refusal::UriMismatch);
        }
        if auth.userhash {
            return Err(Refusal::Userhash);
        }
        let password = password_of(&auth.username);
        let expected = Inputs {
            algorithm,
            username: &auth.username,
            realm: &self.config.realm,
            // An unknown user costs the same work as a known one.
            password: password.unwrap_or_default(),
            nonce: &auth.nonce,
            qop: Some(qop),
            nc,
            cnonce,
            // The digest covers the URI the peer named, which is the Request-URI unless
            // `require_matching_uri` is off.
            request: DigestRequest {
                uri: &auth.uri,
                ..*request
            },
        }
        .response();
        if password.is_none() {
            return Err(Refusal::UnknownUser {
                username: auth.username,
            });
        }
        let given = auth.response.to_ascii_lowercase();
        if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Err(Refusal::WrongPassword {
                username: auth.username,
            });
        }

        // The peer knows the password; what is left is whether the nonce is still good.
        let minted = self
            .key
            .open(&auth.nonce, &self.config.realm)
            .ok_or(Refusal::UnknownNonce)?;
        if self.is_expired(minted.issued_ms, now_ms) || minted.serial < self.forgotten_below {
            return Err(Refusal::Stale);
        }
        if !self.in_use.contains_key(&minted.serial) {
            self.make_room();
            self.in_use.insert(
                minted.serial,
                InUse {
                    issued_ms: minted.issued_ms,
                    window: ReplayWindow::default(),
                },
            );
        }
        let accepted = self
            .in_use
            .get_mut(&minted.serial)
            .is_some_and(|entry| entry.window.accept(nc.0));
        if !accepted {
            return Err(Refusal::Replayed(nc));
        }
        Ok(auth.username)
    }

    /// The first Digest answer for this realm; other schemes and realms are someone else's.
    fn find_ours(&self, authorizations: &[&str]) -> Result<Authorization, Refusal> {
        let mut malformed = None;
        for value in authorizations {
            match Authorization::parse(value) {
                Ok(auth) if auth.realm == self.config.realm => return Ok(auth),
                Ok(_) | Err(AuthError::UnsupportedScheme { .. }) => {}
                Err(error) => {
                    malformed.get_or_insert(error);
                }
            }
        }
        Err(malformed.map_or(Refusal::Missing, Refusal::Malformed))
    }

    fn millis(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.epoch);
        u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
    }

    fn is_expired(&self, issued_ms: u64, now_ms: u64) -> bool {
        let lifetime = u64::try_from(self.config.nonce_lifetime.as_millis()).unwrap_or(u64::MAX);
        now_ms.saturating_sub(issued_ms) > lifetime
    }

    /// Drops the replay windows of expired nonces (they are refused as stale anyway).
    fn forget_expired(&mut self, now_ms: u64) {
        while let Some((&serial, entry)) = self.in_use.first_key_value() {
            if !self.is_expired(entry.issued_ms, now_ms) {
                break;
            }
            self.in_use.remove(&serial);
            self.forgotten_below = self.forgotten_below.max(serial + 1);
        }
    }

    fn make_room(&mut self) {
        while self.in_use.len() >= self.config.max_tracked_nonces.max(1) {
            let Some((serial, _)) = self.in_use.pop_first() else {
                break;
            };
            self.forgotten_below = self.forgotten_below.max(serial + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;
    use crate::auth::client::{Credentials, DigestClient, Unauthorized};
    use crate::auth::ChallengeKind;
    use crate::test_support::origin;

    const INVITE: DigestRequest<'static> = DigestRequest {
        method: "INVITE",
        uri: "sip:phone@192.0.2.10:5060",
        body: b"v=0\r\n",
    };

    fn server(origin: Instant) -> DigestServer {
        DigestServer::new(ServerConfig::new("phone"), [9; 32], origin)
    }

    fn password(user: &str) -> Option<&'static str> {
        (user == "pbx").then_some("s3cret")
    }

    /// A client that has taken in the server's challenges.
    fn client_for(challenges: &[Challenge], password: &str) -> DigestClient {
        let values: Vec<String> = challenges.iter().map(ToString::to_string).collect();
        let mut response = Unauthorized::new();
        for value in &values {
            response = response.challenge(ChallengeKind::Www, value);
        }
        let mut client = DigestClient::new(Credentials::new("pbx", password));
        client.handle_challenges(&response).unwrap();
        client
    }

    fn answer(client: &mut DigestClient, request: &DigestRequest<'_>) -> String {
        let mut rng = StdRng::seed_from_u64(1);
        client.authorize(request, &mut rng).unwrap().remove(0).value
    }

    fn reason(verdict: Verdict) -> Refusal {
        match verdict {
            Verdict::Challenge { reason, .. } => reason,
            Verdict::Accepted { username } => panic!("accepted {username}"),
        }
    }

    #[test]
    fn challenges_offer_each_algorithm_with_one_nonce() {
        let t0 = origin();
        let mut s = server(t0);
        let challenges = s.challenges(t0);
        let text: Vec<String> = challenges.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2);
        assert!(text[0].contains("algorithm=SHA-256") && text[0].contains("qop=\"auth\""));
        assert!(text[1].contains("algorithm=MD5"));
        assert_eq!(challenges[0].nonce, challenges[1].nonce);
        assert!(challenges[0].opaque.is_some());
        assert_ne!(s.challenges(t0)[0].nonce, challenges[0].nonce);
    }

    #[test]
    fn a_good_answer_is_accepted_once() {
        let t0 = origin();
        let mut s = server(t0);
        let first = s.verify(t0, &INVITE, &[], password);
        assert_eq!(reason(first.clone()), Refusal::Missing);
        let Verdict::Challenge { challenges, .. } = first else {
            unreachable!()
        };
        let mut client = client_for(&challenges, "s3cret");
        let header = answer(&mut client, &INVITE);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(
            s.verify(t1, &INVITE, &[&header], password),
            Verdict::Accepted {
                username: "pbx".into()
            }
        );
        assert_eq!(
            reason(s.verify(t1, &INVITE, &[&header], password)),
            Refusal::Replayed(NonceCount(1))
        );
        // The next request with the same nonce (nc=2) is fine.
        let next = answer(&mut client, &INVITE);
        assert!(matches!(
            s.verify(t1, &INVITE, &[&next], password),
            Verdict::Accepted { .. }
        ));
    }

    #[test]
    fn a_wrong_password_gets_a_fresh_non_stale_challenge() {
        let t0 = origin();
        let mut s = server(t0);
        let mut client = client_for(&s.challenges(t0), "guess");
        let header = answer(&mut client, &INVITE);
        match s.verify(t0, &INVITE, &[&header], password) {
            Verdict::Challenge { challenges, reason } => {
                assert_eq!(
                    reason,
                    Refusal::WrongPassword {
                        username: "pbx".into()
                    }
                );
                assert!(challenges.iter().all(|c| !c.stale));
            }
            other => panic!("{other:?}"),
        }
        let mut stranger = DigestClient::new(Credentials::new("nobody", "x"));
        let values: Vec<String> = s.challenges(t0).iter().map(ToString::to_string).collect();
        stranger
            .handle_challenges(&Unauthorized::new().challenge(ChallengeKind::Www, &values[0]))
            .unwrap();
        let header = answer(&mut stranger, &INVITE);
        assert_eq!(
            reason(s.verify(t0, &INVITE, &[&header], password)),
            Refusal::UnknownUser {
                username: "nobody".into()
            }
        );
    }

    #[test]
    fn an_old_nonce_is_stale_and_the_client_retries() {
        let t0 = origin();
        let mut s = server(t0);
        let challenges = s.challenges(t0);
        let mut client = client_for(&challenges, "s3cret");
        let late = t0 + Duration::from_secs(301);
        let header = answer(&mut client, &INVITE);
        let Verdict::Challenge { challenges, reason } =
            s.verify(late, &INVITE, &[&header], password)
        else {
            panic!("accepted a stale nonce")
        };
        assert_eq!(reason, Refusal::Stale);
        assert!(challenges.iter().all(|c| c.stale));

        // The client takes the stale challenge without calling it a wrong password.
        let values: Vec<String> = challenges.iter().map(ToString::to_string).collect();
        client
            .handle_challenges(
                &Unauthorized::new()
                    .challenge(ChallengeKind::Www, &values[0])
                    .challenge(ChallengeKind::Www, &values[1])
                    .sent(ChallengeKind::Www, &header),
            )
            .unwrap();
        let retry = answer(&mut client, &INVITE);
        assert!(matches!(
            s.verify(late, &INVITE, &[&retry], password),
            Verdict::Accepted { .. }
        ));
    }

    #[test]
    fn a_nonce_from_another_server_is_stale_when_the_password_is_right() {
        let t0 = origin();
        let mut before_restart = DigestServer::new(ServerConfig::new("phone"), [1; 32], t0);
        let mut client = client_for(&before_restart.challenges(t0), "s3cret");
        let header = answer(&mut client, &INVITE);
        let mut s = server(t0);
        assert_eq!(
            reason(s.verify(t0, &INVITE, &[&header], password)),
            Refusal::UnknownNonce
        );
        let mut wrong = client_for(&before_restart.challenges(t0), "guess");
        let header = answer(&mut wrong, &INVITE);
        assert!(matches!(
            reason(s.verify(t0, &INVITE, &[&header], password)),
            Refusal::WrongPassword { .. }
        ));
    }

    #[test]
    fn request_mismatches_are_refused() {
        let t0 = origin();
        let mut s = server(t0);
        let mut client = client_for(&s.challenges(t0), "s3cret");
        let header = answer(&mut client, &INVITE);
        let elsewhere = DigestRequest::new("INVITE", "sip:other@192.0.2.10");
        assert_eq!(
            reason(s.verify(t0, &elsewhere, &[&header], password)),
            Refusal::UriMismatch
        );
        let bye = DigestRequest::new("BYE", INVITE.uri);
        assert!(matches!(
            reason(s.verify(t0, &bye, &[&header], password)),
            Refusal::WrongPassword { .. }
        ));

        // Behind a retargeting proxy the digest covers the dialled URI.
        let mut lenient = DigestServer::new(
            ServerConfig::new("phone").with_require_matching_uri(false),
            [9; 32],
            t0,
        );
        let dialled = DigestRequest::new("INVITE", "sip:bob@example.com");
        let mut client = client_for(&lenient.challenges(t0), "s3cret");
        let header = answer(&mut client, &dialled);
        assert!(matches!(
            lenient.verify(t0, &elsewhere, &[&header], password),
            Verdict::Accepted { .. }
        ));
    }

    #[test]
    fn unoffered_algorithm_and_qop_are_refused() {
        let t0 = origin();
        let mut s = DigestServer::new(
            ServerConfig::new("phone").with_algorithms(&[Algorithm::Sha256]),
            [9; 32],
            t0,
        );
        let nonce = s.challenges(t0)[0].nonce.clone();
        let md5 = Challenge::new("phone", nonce.clone()).with_algorithm(Algorithm::Md5);
        let mut client = client_for(&[md5], "s3cret");
        let header = answer(&mut client, &INVITE);
        assert_eq!(
            reason(s.verify(t0, &INVITE, &[&header], password)),
            Refusal::AlgorithmNotOffered(Algorithm::Md5)
        );
        let rfc2069 = Challenge::new("phone", nonce)
            .with_algorithm(Algorithm::Sha256)
            .with_qop(&[]);
        let mut client = client_for(&[rfc2069], "s3cret");
        let header = answer(&mut client, &INVITE);
        assert_eq!(
            reason(s.verify(t0, &INVITE, &[&header], password)),
            Refusal::QopNotOffered
        );
    }

    #[test]
    fn other_realms_schemes_and_garbage() {
        let t0 = origin();
        let mut s = server(t0);
        let basic = "Basic cGJ4OnMzY3JldA==";
        let other_realm =
            "Digest username=\"u\", realm=\"other\", nonce=\"n\", uri=\"x\", response=\"r\"";
        assert_eq!(
            reason(s.verify(t0, &INVITE, &[basic, other_realm], password)),
            Refusal::Missing
        );
        assert_eq!(
            reason(s.verify(t0, &INVITE, &["Digest realm=\"phone"], password)),
            Refusal::Malformed(AuthError::Malformed {
                at: 13,
                reason: "unterminated quoted string"
            })
        );
    }

    #[test]
    fn replay_windows_are_bounded_and_forgetting_is_safe() {
        let t0 = origin();
        let mut s = DigestServer::new(
            ServerConfig::new("phone").with_max_tracked_nonces(2),
            [9; 32],
            t0,
        );
        let mut clients: Vec<DigestClient> = (0..3)
            .map(|_| client_for(&s.challenges(t0), "s3cret"))
            .collect();
        let first = answer(&mut clients[0], &INVITE);
        assert!(matches!(
            s.verify(t0, &INVITE, &[&first], password),
            Verdict::Accepted { .. }
        ));
        for client in &mut clients[1..] {
            let header = answer(client, &INVITE);
            assert!(matches!(
                s.verify(t0, &INVITE, &[&header], password),
                Verdict::Accepted { .. }
            ));
        }
        assert_eq!(s.in_use.len(), 2);
        // The first nonce's window is gone: its next use is stale, not accepted blindly.
        let again = answer(&mut clients[0], &INVITE);
        assert_eq!(
            reason(s.verify(t0, &INVITE, &[&again], password)),
            Refusal::Stale
        );
        // Expiry empties the table.
        let later = t0 + Duration::from_secs(400);
        let _ = s.verify(later, &INVITE, &[], password);
        assert!(s.in_use.is_empty());
    }

    #[test]
    fn debug_hides_the_secret() {
        let text = format!("{:?}", server(origin()));
        assert!(
            text.contains("<secret>") && !text.contains("[9, 9"),
            "{text}"
        );
    }
}
