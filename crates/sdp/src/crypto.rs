//! `a=crypto` (RFC 4568 SDES): crypto suite, inline master key and salt, lifetime and MKI.

use std::fmt;

use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use crate::attribute::parse_decimal;
use crate::error::ParseError;

/// Base64 that writes padding and reads keys with or without it (both are seen in the wild).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const FIELD: &str = "a=crypto";

/// `a=crypto:<tag> <suite> <key-params> [<session-params>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crypto {
    /// The tag the answer repeats to say which offered line it accepts.
    pub tag: u32,
    /// The crypto suite.
    pub suite: CryptoSuite,
    /// One or more key parameters (`inline:...`).
    pub keys: Vec<KeyParams>,
    /// Session parameters (`UNENCRYPTED_SRTP`, `KDR=...`, ...), verbatim.
    pub session_params: Vec<String>,
}

/// The SRTP crypto suites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CryptoSuite {
    /// `AES_CM_128_HMAC_SHA1_80` (RFC 4568).
    AesCm128HmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32` (RFC 4568).
    AesCm128HmacSha1_32,
    /// `AES_256_CM_HMAC_SHA1_80` (RFC 6188).
    Aes256CmHmacSha1_80,
    /// `AES_256_CM_HMAC_SHA1_32` (RFC 6188).
    Aes256CmHmacSha1_32,
    /// Another suite, as written; never chosen.
    Other(String),
}

impl CryptoSuite {
    /// The four suites a phone supports, in the order they are offered.
    pub const SUPPORTED: [CryptoSuite; 4] = [
        CryptoSuite::AesCm128HmacSha1_80,
        CryptoSuite::AesCm128HmacSha1_32,
        CryptoSuite::Aes256CmHmacSha1_80,
        CryptoSuite::Aes256CmHmacSha1_32,
    ];

    /// The suite name as written in SDP.
    pub fn as_str(&self) -> &str {
        match self {
            Self::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            Self::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
            Self::Aes256CmHmacSha1_80 => "AES_256_CM_HMAC_SHA1_80",
            Self::Aes256CmHmacSha1_32 => "AES_256_CM_HMAC_SHA1_32",
            Self::Other(s) => s,
        }
    }

    /// Bytes of master key plus master salt (`inline:` carries key||salt), for known suites.
    pub fn key_salt_len(&self) -> Option<usize> {
        match self {
            Self::AesCm128HmacSha1_80 | Self::AesCm128HmacSha1_32 => Some(16 + 14),
            Self::Aes256CmHmacSha1_80 | Self::Aes256CmHmacSha1_32 => Some(32 + 14),
            Self::Other(_) => None,
        }
    }

    /// Whether this is an AES-256 suite.
    pub fn is_aes256(&self) -> bool {
        matches!(self, Self::Aes256CmHmacSha1_80 | Self::Aes256CmHmacSha1_32)
    }

    fn parse(text: &str) -> Self {
        Self::SUPPORTED
            .into_iter()
            .find(|s| s.as_str() == text)
            .unwrap_or_else(|| Self::Other(text.into()))
    }
}

/// One `inline:<key||salt>[|<lifetime>][|<mki>:<length>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParams {
    /// Master key followed by master salt, decoded from base64.
    pub key_salt: Vec<u8>,
    /// The master key lifetime, when given.
    pub lifetime: Option<Lifetime>,
    /// The master key identifier, when given.
    pub mki: Option<Mki>,
}

/// A master key lifetime in packets, kept in the form it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// `2^<exponent>`.
    PowerOfTwo(u8),
    /// A decimal packet count.
    Packets(u64),
}

impl Lifetime {
    /// The lifetime in packets.
    pub fn packets(self) -> u64 {
        match self {
            Self::PowerOfTwo(e) => 1u64.checked_shl(u32::from(e)).unwrap_or(u64::MAX),
            Self::Packets(n) => n,
        }
    }
}

/// A master key identifier: `<value>:<length in bytes>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mki {
    /// The identifier value.
    pub value: u64,
    /// Bytes the identifier takes in each packet (1-128).
    pub length: u8,
}

impl Crypto {
    /// Reads the value after `a=crypto:` on line `line`.
    pub(crate) fn parse(value: &str, line: usize) -> Result<Self, ParseError> {
        let mut words = value.split_ascii_whitespace();
        let tag = words
            .next()
            .filter(|t| t.len() <= 9)
            .and_then(parse_decimal::<u32>)
            .ok_or(ParseError::bad(
                line,
                FIELD,
                "tag not a number of 1-9 digits",
            ))?;
        let suite = CryptoSuite::parse(words.next().ok_or(ParseError::bad(
            line,
            FIELD,
            "no crypto suite",
        ))?);
        let key_text = words
            .next()
            .ok_or(ParseError::bad(line, FIELD, "no key parameters"))?;
        let keys = key_text
            .split(';')
            .map(|k| KeyParams::parse(k, &suite, line))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            tag,
            suite,
            keys,
            session_params: words.map(Into::into).collect(),
        })
    }
}

impl KeyParams {
    /// Key parameters with a fresh key and salt and nothing else.
    pub fn new(key_salt: Vec<u8>) -> Self {
        Self {
            key_salt,
            lifetime: None,
            mki: None,
        }
    }

    fn parse(text: &str, suite: &CryptoSuite, line: usize) -> Result<Self, ParseError> {
        let inline = text.strip_prefix("inline:").ok_or(ParseError::bad(
            line,
            FIELD,
            "key method is not inline",
        ))?;
        let mut parts = inline.split('|');
        let key_salt = BASE64
            .decode(parts.next().unwrap_or_default())
            .map_err(|_| ParseError::bad(line, FIELD, "key is not base64"))?;
        match suite.key_salt_len() {
            Some(len) if key_salt.len() != len => {
                return Err(ParseError::bad(
                    line,
                    FIELD,
                    "key and salt length does not fit the suite",
                ))
            }
            None if key_salt.is_empty() => return Err(ParseError::bad(line, FIELD, "empty key")),
            _ => {}
        }
        let mut params = Self::new(key_salt);
        for part in parts {
            if let Some((value, length)) = part.split_once(':') {
                if params.mki.is_some() {
                    return Err(ParseError::bad(line, FIELD, "more than one MKI"));
                }
                let value = parse_decimal::<u64>(value).ok_or(ParseError::bad(
                    line,
                    FIELD,
                    "MKI value not a number",
                ))?;
                let length = parse_decimal::<u8>(length)
                    .filter(|l| (1..=128).contains(l))
                    .ok_or(ParseError::bad(line, FIELD, "MKI length not in 1-128"))?;
                params.mki = Some(Mki { value, length });
            } else if params.lifetime.is_some() || params.mki.is_some() {
                return Err(ParseError::bad(line, FIELD, "lifetime out of place"));
            } else {
                params.lifetime = Some(parse_lifetime(part, line)?);
            }
        }
        Ok(params)
    }
}

fn parse_lifetime(text: &str, line: usize) -> Result<Lifetime, ParseError> {
    let lifetime = match text.strip_prefix("2^") {
        Some(exponent) => parse_decimal::<u8>(exponent)
            .filter(|e| (1..=63).contains(e))
            .map(Lifetime::PowerOfTwo),
        None => parse_decimal::<u64>(text)
            .filter(|n| *n > 0)
            .map(Lifetime::Packets),
    };
    lifetime.ok_or(ParseError::bad(
        line,
        FIELD,
        "lifetime not 2^n or a positive number",
    ))
}

impl fmt::Display for Crypto {
    /// Writes the value after `a=crypto:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.tag, self.suite.as_str())?;
        for (i, key) in self.keys.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "inline:{}", BASE64.encode(&key.key_salt))?;
            match key.lifetime {
                Some(Lifetime::PowerOfTwo(e)) => write!(f, "|2^{e}")?,
                Some(Lifetime::Packets(n)) => write!(f, "|{n}")?,
                None => {}
            }
            if let Some(mki) = key.mki {
                write!(f, "|{}:{}", mki.value, mki.length)?;
            }
        }
        for param in &self.session_params {
            write!(f, " {param}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lifetime_and_mki() {
        let c = Crypto::parse(
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32",
            7,
        )
        .unwrap();
        assert_eq!(c.tag, 1);
        assert_eq!(c.suite, CryptoSuite::AesCm128HmacSha1_80);
        assert_eq!(c.keys[0].key_salt.len(), 30);
        assert_eq!(c.keys[0].lifetime, Some(Lifetime::PowerOfTwo(20)));
        assert_eq!(c.keys[0].lifetime.unwrap().packets(), 1 << 20);
        assert_eq!(
            c.keys[0].mki,
            Some(Mki {
                value: 1,
                length: 32
            })
        );
        assert_eq!(
            c.to_string(),
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32"
        );
    }

    #[test]
    fn mki_without_lifetime_and_session_params_are_kept() {
        let c = Crypto::parse(
            "2 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4 KDR=1 UNENCRYPTED_SRTCP",
            1,
        )
        .unwrap();
        assert_eq!(c.keys[0].lifetime, None);
        assert_eq!(
            c.keys[0].mki,
            Some(Mki {
                value: 1,
                length: 4
            })
        );
        assert_eq!(c.session_params, ["KDR=1", "UNENCRYPTED_SRTCP"]);
    }

    #[test]
    fn aes256_key_is_46_bytes() {
        let key = BASE64.encode([7u8; 46]);
        let c = Crypto::parse(
            &format!("3 AES_256_CM_HMAC_SHA1_80 inline:{key}|1048576"),
            1,
        )
        .unwrap();
        assert_eq!(c.keys[0].lifetime, Some(Lifetime::Packets(1_048_576)));
        let short = BASE64.encode([7u8; 30]);
        let e = Crypto::parse(&format!("3 AES_256_CM_HMAC_SHA1_80 inline:{short}"), 4).unwrap_err();
        assert_eq!(e.line, 4);
    }

    #[test]
    fn rejects_malformed_key_parameters() {
        let key = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";
        for bad in [
            format!("x AES_CM_128_HMAC_SHA1_80 inline:{key}"),
            format!("1234567890 AES_CM_128_HMAC_SHA1_80 inline:{key}"),
            "1 AES_CM_128_HMAC_SHA1_80".to_string(),
            format!("1 AES_CM_128_HMAC_SHA1_80 uri:{key}"),
            "1 AES_CM_128_HMAC_SHA1_80 inline:!!!!".to_string(),
            format!("1 AES_CM_128_HMAC_SHA1_80 inline:{key}|2^64"),
            format!("1 AES_CM_128_HMAC_SHA1_80 inline:{key}|1:0"),
            format!("1 AES_CM_128_HMAC_SHA1_80 inline:{key}|1:4|2^20"),
            format!("1 AES_CM_128_HMAC_SHA1_80 inline:{key}|0"),
        ] {
            assert!(Crypto::parse(&bad, 1).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_suite_is_kept() {
        let c = Crypto::parse("5 F8_128_HMAC_SHA1_80 inline:AAAA", 1).unwrap();
        assert_eq!(c.suite, CryptoSuite::Other("F8_128_HMAC_SHA1_80".into()));
        assert_eq!(c.to_string(), "5 F8_128_HMAC_SHA1_80 inline:AAAA");
    }
}
