//! The digest algorithms (RFC 7616 §3.2, RFC 8760 §2.1), the quality-of-protection options and
//! the nonce count.

use std::fmt;
use std::str::FromStr;

use md5::Md5;
use sha2::{Sha256, Sha512_256};

use super::AuthError;

/// A digest algorithm, as named by the `algorithm` parameter.
///
/// The `-sess` variants hash the nonce and client nonce into the session key `H(A1)`
/// (RFC 7616 §3.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5`: what an absent `algorithm` parameter means; kept for older servers
    /// (RFC 8760 §2.1 keeps it only for backward compatibility).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`: the algorithm every SIP implementation must support (RFC 8760 §2.1).
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256`: SHA-512/256 of FIPS 180-4, not SHA-512 cut short.
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
}

impl Algorithm {
    /// Every algorithm, weakest first.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::Md5,
        Algorithm::Md5Sess,
        Algorithm::Sha256,
        Algorithm::Sha256Sess,
        Algorithm::Sha512_256,
        Algorithm::Sha512_256Sess,
    ];

    /// The name as written in the `algorithm` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
        }
    }

    /// Reads an `algorithm` value; names are compared ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(name))
    }

    /// Whether this is a `-sess` variant.
    pub fn is_session(self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512_256Sess
        )
    }

    /// How strong the hash is, for choosing among several challenges: higher is stronger.
    /// A `-sess` variant ranks with its hash.
    pub fn strength(self) -> u8 {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
            Algorithm::Sha256 | Algorithm::Sha256Sess => 2,
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => 3,
        }
    }

    /// `H(data)`: the hash of the concatenated parts, as lower-case hex.
    pub fn hash_hex(self, parts: &[&[u8]]) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex_digest::<Md5>(parts),
            Algorithm::Sha256 | Algorithm::Sha256Sess => hex_digest::<Sha256>(parts),
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => hex_digest::<Sha512_256>(parts),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = AuthError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s).ok_or_else(|| AuthError::UnsupportedAlgorithm {
            algorithm: s.to_owned(),
        })
    }
}

/// Quality of protection (RFC 7616 §3.3): what the response digest covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qop {
    /// `auth`: the method and request URI.
    Auth,
    /// `auth-int`: also the hash of the message body.
    AuthInt,
}

impl Qop {
    /// The token as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }

    /// Reads a qop token, ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        [Qop::Auth, Qop::AuthInt]
            .into_iter()
            .find(|q| q.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Qop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The nonce count `nc`: how many requests the client has sent with the current nonce,
/// this one included. Written as exactly 8 lower-case hex digits (RFC 7616 §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NonceCount(pub u32);

impl NonceCount {
    /// The count of the first request with a nonce.
    pub const FIRST: NonceCount = NonceCount(1);

    /// Reads the 8 hex digits of an `nc` value (either case).
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(text, 16).ok().map(NonceCount)
    }
}

impl fmt::Display for NonceCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

fn hex_digest<D: sha2::Digest>(parts: &[&[u8]]) -> String {
    let mut hasher = D::new();
    for part in parts {
        hasher.update(part);
    }
    hex(&hasher.finalize())
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ignore_case() {
        for algorithm in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(algorithm.as_str()), Some(algorithm));
            let shouted = algorithm.as_str().to_ascii_uppercase();
            assert_eq!(shouted.parse::<Algorithm>(), Ok(algorithm));
        }
        assert_eq!(
            Algorithm::from_name("sha-512-256-SESS"),
            Some(Algorithm::Sha512_256Sess)
        );
        assert_eq!(
            "AKAv1-MD5".parse::<Algorithm>(),
            Err(AuthError::UnsupportedAlgorithm {
                algorithm: "AKAv1-MD5".into()
            })
        );
        assert_eq!(Qop::from_name("AUTH-INT"), Some(Qop::AuthInt));
        assert_eq!(Qop::from_name("auth-conf"), None);
    }

    // Expected values from Python's hashlib:
    //   python3 -c "import hashlib; print(hashlib.md5(b'abc').hexdigest())"
    //   python3 -c "import hashlib; print(hashlib.sha256(b'abc').hexdigest())"
    //   python3 -c "import hashlib; print(hashlib.new('sha512_256', b'abc').hexdigest())"
    #[test]
    fn hashes_are_the_standard_ones() {
        assert_eq!(
            Algorithm::Md5.hash_hex(&[b"a", b"bc"]),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            Algorithm::Sha256Sess.hash_hex(&[b"abc"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Algorithm::Sha512_256.hash_hex(&[b"abc"]),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
        );
    }

    #[test]
    fn nonce_count_is_eight_hex_digits() {
        assert_eq!(NonceCount(1).to_string(), "00000001");
        assert_eq!(NonceCount(0xabc).to_string(), "00000abc");
        assert_eq!(NonceCount::parse("0000000A"), Some(NonceCount(10)));
        assert_eq!(NonceCount::parse("1"), None);
        assert_eq!(NonceCount::parse("+0000001"), None);
        assert_eq!(NonceCount::parse("000000001"), None);
    }
}
