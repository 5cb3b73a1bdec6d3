//! Digest authentication for SIP (RFC 3261 §22, RFC 8760; the scheme itself from RFC 7616,
//! with RFC 2617's MD5 and RFC 2069's qop-less form for older servers).
//!
//! The module works on header *values*: the message layer hands it the text of
//! `WWW-Authenticate`, `Proxy-Authenticate`, `Authorization` and `Proxy-Authorization` fields
//! and adds the values it returns. It reads no clock and draws no random numbers of its own:
//! `now` and an RNG come in as arguments.
//!
//! - [`Challenge`] and [`Authorization`] read and write the two kinds of value.
//! - [`DigestClient`] answers the challenges a registrar or proxy sends the phone, keeping per
//!   realm the nonce and its count, and decides when a refusal means a wrong password.
//! - [`DigestServer`] challenges requests sent to the phone and verifies the answers, with
//!   nonces that expire and nonce counts that cannot be replayed.
//!
//! Algorithms: MD5, SHA-256 and SHA-512-256, each also in its `-sess` form; qop `auth` and
//! `auth-int`.
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! use handset_sip::auth::{
//!     ChallengeKind, Credentials, DigestClient, DigestRequest, DigestServer, ServerConfig,
//!     Unauthorized, Verdict,
//! };
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! # #[allow(clippy::disallowed_methods)] // the example needs some instant to start from
//! # let start = Instant::now();
//! let mut rng = StdRng::seed_from_u64(1);
//! let mut phone_b = DigestServer::from_rng(ServerConfig::new("phone-b"), &mut rng, start);
//! let mut phone_a = DigestClient::new(Credentials::new("alice", "secret"));
//! let invite = DigestRequest::new("INVITE", "sip:bob@192.0.2.2").with_body(b"v=0\r\n");
//! let password_of = |user: &str| (user == "alice").then_some("secret");
//!
//! // The first INVITE carries nothing and is challenged with a 401.
//! let Verdict::Challenge { challenges, .. } = phone_b.verify(start, &invite, &[], password_of)
//! else {
//!     unreachable!("no credentials yet")
//! };
//! let values: Vec<String> = challenges.iter().map(ToString::to_string).collect();
//! let mut unauthorized = Unauthorized::new();
//! for value in &values {
//!     unauthorized = unauthorized.challenge(ChallengeKind::Www, value);
//! }
//! phone_a.handle_challenges(&unauthorized)?;
//!
//! // The INVITE again, with an Authorization header.
//! let headers = phone_a.authorize(&invite, &mut rng)?;
//! assert_eq!(headers[0].name(), "Authorization");
//! let later = start + Duration::from_millis(40);
//! assert_eq!(
//!     phone_b.verify(later, &invite, &[&headers[0].value], password_of),
//!     Verdict::Accepted { username: "alice".into() }
//! );
//! # Ok::<(), handset_sip::auth::AuthError>(())
//! ```

mod algorithm;
mod authorization;
mod challenge;
mod client;
mod fields;
mod nonce;
mod params;
mod response;
mod server;

pub use algorithm::{Algorithm, NonceCount, Qop};
pub use authorization::Authorization;
pub use challenge::{select, Challenge, ChallengeKind, Preference};
pub use client::{
    AuthorizationHeader, ClientConfig, CredentialStore, Credentials, DigestClient, Unauthorized,
};
pub use fields::{answers_in, challenges_in};
pub use params::Param;
pub use response::DigestRequest;
pub use server::{DigestServer, Refusal, ServerConfig, Verdict};

/// Why a header value could not be read or answered, or why the client gives up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The header value is empty or only whitespace.
    #[error("empty header value")]
    Empty,
    /// A scheme other than Digest (`Basic`, `Bearer`, …).
    #[error("authentication scheme {scheme:?} is not supported")]
    UnsupportedScheme {
        /// The scheme as written.
        scheme: String,
    },
    /// The parameter list breaks the grammar.
    #[error("malformed header value at byte {at}: {reason}")]
    Malformed {
        /// Byte offset in the value where reading stopped.
        at: usize,
        /// What was expected there.
        reason: &'static str,
    },
    /// A parameter appears twice (RFC 7616 §3.3 allows each once).
    #[error("parameter {name:?} appears more than once")]
    DuplicateParameter {
        /// The name, in lower case.
        name: String,
    },
    /// A parameter the value must have is missing (or one that another needs, such as `qop`
    /// for a `-sess` algorithm).
    #[error("missing parameter {name:?}")]
    MissingParameter {
        /// The parameter's name.
        name: &'static str,
    },
    /// A parameter has a value outside its grammar (`nc` not 8 hex digits, an unknown `qop`).
    #[error("invalid {name} {value:?}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: String,
    },
    /// An `algorithm` this module cannot compute (`AKAv1-MD5`, …).
    #[error("digest algorithm {algorithm:?} is not supported")]
    UnsupportedAlgorithm {
        /// The name as written.
        algorithm: String,
    },
    /// The challenge's `qop` offers neither `auth` nor `auth-int`.
    #[error("no supported qop offered")]
    NoSupportedQop,
    /// A value to write contains control characters (a CR or LF would end the header line).
    #[error("the {name} cannot be written into a header: it contains control characters")]
    Unwritable {
        /// Which value.
        name: &'static str,
    },
    /// A 401 or 407 without any challenge the client can answer.
    #[error("no challenge that can be answered")]
    NoUsableChallenge,
    /// No credentials for the realm of a challenge.
    #[error("no credentials for realm {realm:?}")]
    NoCredentials {
        /// The realm.
        realm: String,
    },
    /// The server refused the credentials for this realm: stop retrying and report
    /// authentication failure.
    #[error("credentials for realm {realm:?} were refused")]
    Rejected {
        /// The realm.
        realm: String,
    },
}
