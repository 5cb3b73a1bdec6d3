//! The phone as the challenged party: credentials, and the per-realm state that answers
//! 401 and 407 responses and pre-authorizes later requests (RFC 3261 §22.2, §22.3).

use std::fmt;

use rand::RngCore;

use super::algorithm::{hex, NonceCount, Qop};
use super::authorization::Authorization;
use super::challenge::{select, Challenge, ChallengeKind, Preference};
use super::response::DigestRequest;
use super::AuthError;

/// A user name and password. `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The authentication user name (the account's "authenticate ID").
    pub username: String,
    /// The password.
    pub password: String,
}

impl Credentials {
    /// Credentials from a user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Credentials by realm, with a default for realms not listed.
#[derive(Debug, Clone, Default)]
pub struct CredentialStore {
    default: Option<Credentials>,
    by_realm: Vec<(String, Credentials)>,
}

impl CredentialStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `credentials` for every realm without its own.
    #[must_use]
    pub fn with_default(mut self, credentials: Credentials) -> Self {
        self.default = Some(credentials);
        self
    }

    /// Uses `credentials` for `realm` (compared exactly, as realms are opaque strings).
    #[must_use]
    pub fn with_realm(mut self, realm: impl Into<String>, credentials: Credentials) -> Self {
        let realm = realm.into();
        self.by_realm.retain(|(r, _)| *r != realm);
        self.by_realm.push((realm, credentials));
        self
    }

    /// The credentials for `realm`.
    pub fn get(&self, realm: &str) -> Option<&Credentials> {
        self.by_realm
            .iter()
            .find(|(r, _)| r == realm)
            .map(|(_, c)| c)
            .or(self.default.as_ref())
    }
}

impl From<Credentials> for CredentialStore {
    fn from(credentials: Credentials) -> Self {
        Self::new().with_default(credentials)
    }
}

/// How the client answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// How to choose among several challenges for one realm. Default: the strongest.
    pub preference: Preference,
    /// Answer with `qop=auth-int` (covering the body) when the server offers both. Default:
    /// no, because a border controller rewriting SDP would make every answer fail.
    pub prefer_auth_int: bool,
    /// How many times in a row a nonce may be declared stale on its first use before the
    /// client gives up with [`AuthError::Rejected`]. Default: 3.
    pub max_stale_in_a_row: u32,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            preference: Preference::Strongest,
            prefer_auth_int: false,
            max_stale_in_a_row: 3,
        }
    }
}

impl ClientConfig {
    /// Sets [`ClientConfig::preference`].
    #[must_use]
    pub fn with_preference(mut self, preference: Preference) -> Self {
        self.preference = preference;
        self
    }

    /// Sets [`ClientConfig::prefer_auth_int`].
    #[must_use]
    pub fn with_prefer_auth_int(mut self, prefer: bool) -> Self {
        self.prefer_auth_int = prefer;
        self
    }

    /// Sets [`ClientConfig::max_stale_in_a_row`].
    #[must_use]
    pub fn with_max_stale_in_a_row(mut self, max: u32) -> Self {
        self.max_stale_in_a_row = max;
        self
    }
}

/// A 401 or 407 response as the client needs it: the challenges it carries and the
/// credentials the refused request carried.
///
/// The credentials sent are what tell a wrong password from an expired nonce, so pass them
/// even though the client produced them: the client does not know which of its answers a
/// response refers to.
#[derive(Debug, Clone, Default)]
pub struct Unauthorized<'a> {
    challenges: Vec<(ChallengeKind, &'a str)>,
    sent: Vec<(ChallengeKind, &'a str)>,
}

impl<'a> Unauthorized<'a> {
    /// A response with nothing in it yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a `WWW-Authenticate` ([`ChallengeKind::Www`]) or `Proxy-Authenticate` value, in
    /// header order.
    #[must_use]
    pub fn challenge(mut self, kind: ChallengeKind, value: &'a str) -> Self {
        self.challenges.push((kind, value));
        self
    }

    /// Adds an `Authorization` or `Proxy-Authorization` value the refused request carried.
    #[must_use]
    pub fn sent(mut self, kind: ChallengeKind, value: &'a str) -> Self {
        self.sent.push((kind, value));
        self
    }
}

/// An answer to put into a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader {
    /// Which challenge it answers, and so the header name.
    pub kind: ChallengeKind,
    /// The header value.
    pub value: String,
}

impl AuthorizationHeader {
    /// `Authorization` or `Proxy-Authorization`.
    pub fn name(&self) -> &'static str {
        self.kind.authorization_header()
    }
}

/// The client side of digest authentication for one account: it learns challenges from 401
/// and 407 responses and answers them in requests.
///
/// Call order: [`DigestClient::handle_challenges`] with each 401/407, then
/// [`DigestClient::authorize`] for the retried request and for every later request, which
/// then carries credentials from the start (pre-authorization, RFC 3261 §22.3). Each answer
/// counts up `nc` for its nonce; a new nonce starts again at `00000001`. A CANCEL, or the ACK
/// of an INVITE, is not answered anew: the message layer copies the INVITE's header into it.
///
/// When to give up ([`AuthError::Rejected`]), per realm, from what the refused request
/// carried:
/// - the same nonce comes back: the server refused the answer itself, stale or not;
/// - a new nonce without `stale=true` after the *first* answer with a nonce: RFC 7616 §3.3
///   reads that as a wrong user name or password. After a later answer (one that re-used a
///   nonce from an earlier exchange) it is taken as the server having dropped the nonce, and
///   answered once more;
/// - `stale=true` with a new nonce is answered, unless fresh nonces keep being called stale on
///   their first use more than [`ClientConfig::max_stale_in_a_row`] times in a row.
#[derive(Debug, Clone)]
pub struct DigestClient {
    credentials: CredentialStore,
    config: ClientConfig,
    realms: Vec<RealmState>,
}

#[derive(Debug, Clone)]
struct RealmState {
    kind: ChallengeKind,
    challenge: Challenge,
    credentials: Credentials,
    qop: Option<Qop>,
    /// Requests answered with the current nonce.
    answered: u32,
    /// Generated at the first answer with a nonce and kept for the nonce's life (the
    /// `-sess` session key depends on it).
    cnonce: Option<String>,
    /// Consecutive `stale=true` verdicts on a nonce's first use.
    stale_in_a_row: u32,
}

/// What a response says about one realm.
struct Update {
    kind: ChallengeKind,
    challenge: Challenge,
    credentials: Credentials,
    qop: Option<Qop>,
    stale_in_a_row: u32,
}

impl DigestClient {
    /// A client answering with `credentials`, with the default [`ClientConfig`].
    pub fn new(credentials: impl Into<CredentialStore>) -> Self {
        Self {
            credentials: credentials.into(),
            config: ClientConfig::default(),
            realms: Vec::new(),
        }
    }

    /// The same client with `config`.
    #[must_use]
    pub fn with_config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Replaces the credentials (the user typed a new password) and forgets every challenge.
    pub fn set_credentials(&mut self, credentials: impl Into<CredentialStore>) {
        self.credentials = credentials.into();
        self.realms.clear();
    }

    /// Forgets every challenge, so that the next request goes without credentials (another
    /// server, or after [`AuthError::Rejected`]).
    pub fn forget(&mut self) {
        self.realms.clear();
    }

    /// The challenges the client answers, one per kind and realm.
    pub fn challenges(&self) -> impl Iterator<Item = (ChallengeKind, &Challenge)> {
        self.realms.iter().map(|s| (s.kind, &s.challenge))
    }

    /// Takes in a 401 or 407 response.
    ///
    /// Challenges that cannot be answered (another scheme, an unknown algorithm or qop, a
    /// malformed value) are skipped; per kind and realm one challenge is chosen by
    /// [`ClientConfig::preference`]. Nothing changes when an error is returned, except that a
    /// realm that was [`AuthError::Rejected`] is forgotten.
    ///
    /// Errors: [`AuthError::NoUsableChallenge`] when nothing can be answered,
    /// [`AuthError::NoCredentials`] for a realm the store has nothing for, and
    /// [`AuthError::Rejected`] when the server refused the credentials (see the type's
    /// documentation): stop retrying the request.
    pub fn handle_challenges(&mut self, response: &Unauthorized<'_>) -> Result<(), AuthError> {
        let offered: Vec<(ChallengeKind, Challenge)> = response
            .challenges
            .iter()
            .filter_map(|&(kind, value)| Challenge::parse(value).ok().map(|c| (kind, c)))
            .collect();
        let sent: Vec<(ChallengeKind, Authorization)> = response
            .sent
            .iter()
            .filter_map(|&(kind, value)| Authorization::parse(value).ok().map(|a| (kind, a)))
            .collect();

        let mut groups: Vec<(ChallengeKind, &str)> = Vec::new();
        for (kind, challenge) in &offered {
            if !groups.contains(&(*kind, challenge.realm.as_str())) {
                groups.push((*kind, &challenge.realm));
            }
        }
        let mut updates = Vec::new();
        for (kind, realm) in groups {
            let same_realm = offered
                .iter()
                .filter(|(k, c)| *k == kind && c.realm == realm)
                .map(|(_, c)| c);
            let Some(chosen) = select(same_realm, self.config.preference) else {
                continue;
            };
            let carried = sent
                .iter()
                .find(|(k, a)| *k == kind && a.realm == realm)
                .map(|(_, a)| a);
            match self.judge(kind, chosen, carried) {
                Ok(update) => updates.push(update),
                Err(error) => {
                    if matches!(error, AuthError::Rejected { .. }) {
                        self.realms
                            .retain(|s| !(s.kind == kind && s.challenge.realm == realm));
                    }
                    return Err(error);
                }
            }
        }
        if updates.is_empty() {
            return Err(AuthError::NoUsableChallenge);
        }
        for update in updates {
            self.install(update);
        }
        Ok(())
    }

    /// Decides what a chosen challenge means for its realm, given what the refused request
    /// carried for that realm.
    fn judge(
        &self,
        kind: ChallengeKind,
        challenge: &Challenge,
        carried: Option<&Authorization>,
    ) -> Result<Update, AuthError> {
        let realm = &challenge.realm;
        let rejected = || AuthError::Rejected {
            realm: realm.clone(),
        };
        let credentials = self
            .credentials
            .get(realm)
            .ok_or_else(|| AuthError::NoCredentials {
                realm: realm.clone(),
            })?
            .clone();
        let qop = challenge.preferred_qop(self.config.prefer_auth_int)?;
        let existing = self.state(kind, realm);
        let mut stale_in_a_row = existing.map_or(0, |s| s.stale_in_a_row);
        if let Some(carried) = carried {
            if carried.nonce == challenge.nonce {
                // RFC 7616 §3.3: without stale=true the user name or password is wrong; and a
                // stale verdict that hands back the same nonce would be retried forever.
                return Err(rejected());
            }
            let first_use = match carried.nc {
                Some(nc) => nc.0 <= 1,
                // The RFC 2069 form has no nc: go by what this client counted.
                None => existing
                    .filter(|s| s.challenge.nonce == carried.nonce)
                    .is_none_or(|s| s.answered <= 1),
            };
            if challenge.stale {
                stale_in_a_row = if first_use { stale_in_a_row + 1 } else { 0 };
                if stale_in_a_row > self.config.max_stale_in_a_row {
                    return Err(rejected());
                }
            } else if first_use {
                // Answered a nonce as fresh as it gets and was refused without stale=true:
                // RFC 7616 §3.3, the credentials are wrong.
                return Err(rejected());
            } else {
                stale_in_a_row = 0;
            }
        }
        Ok(Update {
            kind,
            challenge: challenge.clone(),
            credentials,
            qop,
            stale_in_a_row,
        })
    }

    fn install(&mut self, update: Update) {
        let index = self
            .realms
            .iter()
            .position(|s| s.kind == update.kind && s.challenge.realm == update.challenge.realm);
        let keep_count =
            index.is_some_and(|i| self.realms[i].challenge.nonce == update.challenge.nonce);
        let mut state = RealmState {
            kind: update.kind,
            challenge: update.challenge,
            credentials: update.credentials,
            qop: update.qop,
            answered: 0,
            cnonce: None,
            stale_in_a_row: update.stale_in_a_row,
        };
        match index {
            Some(i) => {
                if keep_count {
                    // The same nonce again for a request that had no credentials: counting
                    // on avoids sending an nc the server has already seen.
                    state.answered = self.realms[i].answered;
                    state.cnonce = self.realms[i].cnonce.take();
                }
                self.realms[i] = state;
            }
            None => self.realms.push(state),
        }
    }

    fn state(&self, kind: ChallengeKind, realm: &str) -> Option<&RealmState> {
        self.realms
            .iter()
            .find(|s| s.kind == kind && s.challenge.realm == realm)
    }

    /// Answers every challenge the client holds for `request`: the headers to add to it.
    /// Empty when no challenge was received yet.
    ///
    /// `rng` supplies the client nonce, once per server nonce.
    pub fn authorize<R: RngCore + ?Sized>(
        &mut self,
        request: &DigestRequest<'_>,
        rng: &mut R,
    ) -> Result<Vec<AuthorizationHeader>, AuthError> {
        let mut headers = Vec::with_capacity(self.realms.len());
        for state in &mut self.realms {
            if state.qop.is_some() && state.cnonce.is_none() {
                let mut bytes = [0u8; 16];
                rng.fill_bytes(&mut bytes);
                state.cnonce = Some(hex(&bytes));
            }
            // 2^32 requests with one nonce will not happen; if they did, the server would
            // see a repeated count and send a new nonce.
            let nc = state.answered.saturating_add(1);
            let answer = state.challenge.answer_with(
                &state.credentials,
                request,
                state.qop,
                state.cnonce.as_deref().unwrap_or_default(),
                NonceCount(nc),
            )?;
            state.answered = nc;
            headers.push(AuthorizationHeader {
                kind: state.kind,
                value: answer.to_string(),
            });
        }
        Ok(headers)
    }

    /// An `Authorization` with the user name but an empty nonce and response, for the first
    /// REGISTER to a registrar that wants to see who registers before challenging
    /// (3GPP TS 24.229 §5.1.1.2; the account setting "Add Auth Header On Initial REGISTER",
    /// P2359).
    pub fn initial_authorization(
        &self,
        realm: &str,
        request: &DigestRequest<'_>,
    ) -> Result<AuthorizationHeader, AuthError> {
        let credentials = self
            .credentials
            .get(realm)
            .ok_or_else(|| AuthError::NoCredentials {
                realm: realm.to_owned(),
            })?;
        for (name, value) in [
            ("username", credentials.username.as_str()),
            ("realm", realm),
            ("uri", request.uri),
        ] {
            if !super::params::is_writable(value) {
                return Err(AuthError::Unwritable { name });
            }
        }
        let empty = Authorization {
            username: credentials.username.clone(),
            realm: realm.to_owned(),
            nonce: String::new(),
            uri: request.uri.to_owned(),
            response: String::new(),
            algorithm: None,
            cnonce: None,
            opaque: None,
            qop: None,
            nc: None,
            userhash: false,
            other: Vec::new(),
        };
        Ok(AuthorizationHeader {
            kind: ChallengeKind::Www,
            value: empty.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;
    use crate::auth::Algorithm;

    const REGISTER: DigestRequest<'static> = DigestRequest {
        method: "REGISTER",
        uri: "sip:example.com",
        body: &[],
    };

    /// A client with its own seeded RNG.
    struct Phone {
        client: DigestClient,
        rng: StdRng,
    }

    impl Phone {
        fn new(client: DigestClient) -> Self {
            Self {
                client,
                rng: StdRng::seed_from_u64(7),
            }
        }

        fn alice() -> Self {
            Self::new(DigestClient::new(Credentials::new("alice", "secret")))
        }

        /// A 401 to a request that carried no credentials.
        fn challenged(&mut self, challenge: &str) -> Result<(), AuthError> {
            self.client
                .handle_challenges(&Unauthorized::new().challenge(ChallengeKind::Www, challenge))
        }

        /// A 401 to a request that carried `sent`.
        fn refused(&mut self, challenge: &str, sent: &str) -> Result<(), AuthError> {
            self.client.handle_challenges(
                &Unauthorized::new()
                    .challenge(ChallengeKind::Www, challenge)
                    .sent(ChallengeKind::Www, sent),
            )
        }

        fn headers(&mut self) -> Vec<AuthorizationHeader> {
            self.client.authorize(&REGISTER, &mut self.rng).unwrap()
        }

        /// The one `Authorization` value for the next REGISTER.
        fn answer(&mut self) -> String {
            let headers = self.headers();
            assert_eq!(headers.len(), 1);
            assert_eq!(headers[0].name(), "Authorization");
            headers[0].value.clone()
        }
    }

    fn www(nonce: &str, stale: bool) -> String {
        Challenge::new("example.com", nonce)
            .with_stale(stale)
            .to_string()
    }

    fn parsed(header: &str) -> Authorization {
        Authorization::parse(header).unwrap()
    }

    fn nc_of(header: &str) -> u32 {
        parsed(header).nc.unwrap().0
    }

    fn is_rejected(result: Result<(), AuthError>) -> bool {
        result
            == Err(AuthError::Rejected {
                realm: "example.com".into(),
            })
    }

    #[test]
    fn credentials_hide_the_password() {
        let text = format!("{:?}", Credentials::new("alice", "hunter2"));
        assert!(
            text.contains("alice") && !text.contains("hunter2"),
            "{text}"
        );
    }

    #[test]
    fn store_prefers_the_realm_then_the_default() {
        let store = CredentialStore::new()
            .with_realm("a", Credentials::new("ua", "pa"))
            .with_default(Credentials::new("ud", "pd"))
            .with_realm("a", Credentials::new("ua2", "pa2"));
        assert_eq!(store.get("a").unwrap().username, "ua2");
        assert_eq!(store.get("b").unwrap().username, "ud");
        assert!(CredentialStore::new().get("a").is_none());
    }

    #[test]
    fn nothing_to_send_before_a_challenge() {
        assert!(Phone::alice().headers().is_empty());
    }

    #[test]
    fn nc_counts_per_nonce_and_restarts_with_a_new_one() {
        let mut phone = Phone::alice();
        phone.challenged(&www("n1", false)).unwrap();
        let first = phone.answer();
        assert_eq!(nc_of(&first), 1);
        assert_eq!(nc_of(&phone.answer()), 2);
        let third = phone.answer();
        assert_eq!(nc_of(&third), 3);
        // One cnonce per nonce.
        assert_eq!(parsed(&first).cnonce, parsed(&third).cnonce);

        phone.refused(&www("n2", true), &third).unwrap();
        let after_stale = phone.answer();
        assert_eq!(nc_of(&after_stale), 1);
        assert_eq!(parsed(&after_stale).nonce, "n2");
        assert_ne!(parsed(&after_stale).cnonce, parsed(&first).cnonce);
    }

    #[test]
    fn wrong_password_same_nonce_is_rejected() {
        let mut phone = Phone::alice();
        phone.challenged(&www("n1", false)).unwrap();
        let sent = phone.answer();
        assert!(is_rejected(phone.refused(&www("n1", false), &sent)));
        // The realm is forgotten: the next request goes without credentials.
        assert!(phone.headers().is_empty());
    }

    #[test]
    fn wrong_password_new_nonce_after_a_first_answer_is_rejected() {
        let mut phone = Phone::alice();
        phone.challenged(&www("n1", false)).unwrap();
        let sent = phone.answer();
        assert!(is_rejected(phone.refused(&www("n2", false), &sent)));
    }

    #[test]
    fn a_dropped_nonce_on_a_reused_answer_is_retried_once() {
        let mut phone = Phone::alice();
        phone.challenged(&www("n1", false)).unwrap();
        phone.answer();
        let reused = phone.answer(); // nc=2: a pre-authorized re-REGISTER
        phone.refused(&www("n2", false), &reused).unwrap();
        let retry = phone.answer();
        assert_eq!(nc_of(&retry), 1);
        assert!(is_rejected(phone.refused(&www("n3", false), &retry)));
    }

    #[test]
    fn stale_loops_end() {
        let config = ClientConfig::default().with_max_stale_in_a_row(2);
        let mut phone =
            Phone::new(DigestClient::new(Credentials::new("alice", "secret")).with_config(config));
        phone.challenged(&www("n0", false)).unwrap();
        let mut sent = phone.answer();
        for i in 1..=2 {
            phone.refused(&www(&format!("n{i}"), true), &sent).unwrap();
            sent = phone.answer();
        }
        assert!(is_rejected(phone.refused(&www("n3", true), &sent)));

        // Stale with the same nonce would loop at once.
        let mut phone = Phone::alice();
        phone.challenged(&www("n1", false)).unwrap();
        let sent = phone.answer();
        assert!(is_rejected(phone.refused(&www("n1", true), &sent)));
    }

    #[test]
    fn a_challenge_to_a_request_without_credentials_is_never_a_failure() {
        let mut phone = Phone::alice();
        for _ in 0..5 {
            phone.challenged(&www("n1", false)).unwrap();
        }
        assert_eq!(nc_of(&phone.answer()), 1);
        // The same nonce again for another request without credentials: nc counts on.
        phone.challenged(&www("n1", false)).unwrap();
        assert_eq!(nc_of(&phone.answer()), 2);
    }

    #[test]
    fn realms_and_kinds_are_kept_apart() {
        let store = CredentialStore::new()
            .with_realm("proxy.example", Credentials::new("p-user", "p-pass"))
            .with_default(Credentials::new("alice", "secret"));
        let mut phone = Phone::new(DigestClient::new(store));
        let proxy = Challenge::new("proxy.example", "p1").to_string();
        let other = Challenge::new("other.example", "o1").to_string();
        phone
            .client
            .handle_challenges(
                &Unauthorized::new()
                    .challenge(ChallengeKind::Proxy, &proxy)
                    .challenge(ChallengeKind::Proxy, &other)
                    .challenge(ChallengeKind::Proxy, "Basic realm=\"x\""),
            )
            .unwrap();
        phone.challenged(&www("w1", false)).unwrap();
        let seen: Vec<(&str, String)> = phone
            .headers()
            .iter()
            .map(|h| (h.name(), parsed(&h.value).username))
            .collect();
        assert_eq!(
            seen,
            [
                ("Proxy-Authorization", "p-user".to_owned()),
                ("Proxy-Authorization", "alice".to_owned()),
                ("Authorization", "alice".to_owned()),
            ]
        );
    }

    #[test]
    fn no_usable_challenge_and_no_credentials() {
        let mut phone = Phone::alice();
        assert_eq!(
            phone.client.handle_challenges(
                &Unauthorized::new()
                    .challenge(ChallengeKind::Www, "Basic realm=\"x\"")
                    .challenge(
                        ChallengeKind::Www,
                        "Digest realm=x, nonce=y, algorithm=AKAv1-MD5"
                    )
            ),
            Err(AuthError::NoUsableChallenge)
        );
        let mut nobody = Phone::new(DigestClient::new(CredentialStore::new()));
        assert_eq!(
            nobody.challenged(&www("n", false)),
            Err(AuthError::NoCredentials {
                realm: "example.com".into()
            })
        );
    }

    #[test]
    fn the_strongest_challenge_of_a_realm_is_answered() {
        let md5 = Challenge::new("example.com", "n")
            .with_algorithm(Algorithm::Md5)
            .to_string();
        let sha = Challenge::new("example.com", "n")
            .with_algorithm(Algorithm::Sha256)
            .to_string();
        let offer = Unauthorized::new()
            .challenge(ChallengeKind::Www, &md5)
            .challenge(ChallengeKind::Www, &sha);

        let mut phone = Phone::alice();
        phone.client.handle_challenges(&offer).unwrap();
        assert_eq!(parsed(&phone.answer()).algorithm, Some(Algorithm::Sha256));

        let config = ClientConfig::default().with_preference(Preference::ServerOrder);
        let mut phone =
            Phone::new(DigestClient::new(Credentials::new("alice", "secret")).with_config(config));
        phone.client.handle_challenges(&offer).unwrap();
        assert_eq!(parsed(&phone.answer()).algorithm, Some(Algorithm::Md5));
    }

    #[test]
    fn auth_int_when_preferred() {
        let both = Challenge::new("example.com", "n")
            .with_qop(&[Qop::Auth, Qop::AuthInt])
            .to_string();
        let config = ClientConfig::default().with_prefer_auth_int(true);
        let mut phone =
            Phone::new(DigestClient::new(Credentials::new("alice", "secret")).with_config(config));
        phone.challenged(&both).unwrap();
        assert_eq!(parsed(&phone.answer()).qop, Some(Qop::AuthInt));
        let mut phone = Phone::alice();
        phone.challenged(&both).unwrap();
        assert_eq!(parsed(&phone.answer()).qop, Some(Qop::Auth));
    }

    #[test]
    fn initial_register_carries_the_user_name_only() {
        let phone = Phone::alice();
        let header = phone
            .client
            .initial_authorization("example.com", &REGISTER)
            .unwrap();
        assert_eq!(
            header.value,
            "Digest username=\"alice\", realm=\"example.com\", nonce=\"\", \
             uri=\"sip:example.com\", response=\"\""
        );
        assert_eq!(
            phone
                .client
                .initial_authorization("bad\r\nrealm", &REGISTER),
            Err(AuthError::Unwritable { name: "realm" })
        );
    }

    #[test]
    fn set_credentials_forgets_challenges() {
        let mut phone = Phone::alice();
        phone.challenged(&www("n1", false)).unwrap();
        assert_eq!(phone.client.challenges().count(), 1);
        phone
            .client
            .set_credentials(Credentials::new("alice", "new"));
        assert_eq!(phone.client.challenges().count(), 0);
    }
}
