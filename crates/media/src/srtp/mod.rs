//! SRTP and SRTCP (RFC 3711) with the SDES suites AES_CM_128_HMAC_SHA1_80/32 and
//! AES_256_CM_HMAC_SHA1_80/32 (RFC 6188).
//!
//! A [`MasterKey`] comes from an `a=crypto` inline parameter; an [`SrtpContext`] derives the
//! session keys from it and protects or unprotects packets, keeping per-SSRC rollover
//! counters, SRTCP indices and replay lists, and counting packets against the key lifetime.

mod cipher;
mod context;
mod profile;
mod replay;

use thiserror::Error;

pub use context::SrtpContext;
pub use profile::{
    MasterKey, SrtpProfile, AUTH_KEY_LEN, MAX_SRTCP_PACKETS, MAX_SRTP_PACKETS, SALT_LEN,
    SRTCP_TAG_LEN,
};
pub use replay::REPLAY_WINDOW;

use crate::rtp::RtpError;

/// Why a packet could not be protected or unprotected, or a key not used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SrtpError {
    /// Key material of the wrong length for the profile.
    #[error("key material is {actual} bytes, expected {expected}")]
    KeyLength {
        /// The length the profile needs.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// An MKI outside 1–128 bytes.
    #[error("MKI of {0} bytes is not 1–128")]
    MkiLength(usize),
    /// The RTP header is malformed.
    #[error("malformed RTP header: {0}")]
    Rtp(#[from] RtpError),
    /// Too short to hold the header, index, MKI and tag.
    #[error("packet too short for SRTP/SRTCP")]
    TooShort,
    /// The MKI in the packet is not the one of this key.
    #[error("packet carries an unknown MKI")]
    UnknownMki,
    /// The authentication tag does not match.
    #[error("authentication tag mismatch")]
    AuthenticationFailed,
    /// The packet index was already accepted.
    #[error("replayed packet")]
    Replayed,
    /// The packet index is behind the replay window.
    #[error("packet index behind the replay window")]
    TooOld,
    /// The master key reached its packet lifetime; a new key must be negotiated.
    #[error("master key lifetime reached")]
    KeyExhausted,
}

#[cfg(test)]
mod tests;
