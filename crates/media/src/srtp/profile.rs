//! The SDES crypto suites (RFC 4568 §6.2, RFC 6188) and master key material.

use super::SrtpError;

/// Master salt length for every suite here (112 bits).
pub const SALT_LEN: usize = 14;
/// Session authentication key length for HMAC-SHA1 (160 bits).
pub const AUTH_KEY_LEN: usize = 20;
/// SRTCP's authentication tag is 80 bits for every suite here (RFC 4568 §6.2.1).
pub const SRTCP_TAG_LEN: usize = 10;

/// An SRTP protection profile as SDES names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SrtpProfile {
    /// AES_CM_128_HMAC_SHA1_80.
    Aes128CmSha1_80,
    /// AES_CM_128_HMAC_SHA1_32.
    Aes128CmSha1_32,
    /// AES_256_CM_HMAC_SHA1_80 (RFC 6188).
    Aes256CmSha1_80,
    /// AES_256_CM_HMAC_SHA1_32 (RFC 6188).
    Aes256CmSha1_32,
}

impl SrtpProfile {
    /// Every profile, strongest first.
    pub const ALL: [SrtpProfile; 4] = [
        SrtpProfile::Aes256CmSha1_80,
        SrtpProfile::Aes256CmSha1_32,
        SrtpProfile::Aes128CmSha1_80,
        SrtpProfile::Aes128CmSha1_32,
    ];

    /// The suite name in an SDP `a=crypto` line.
    pub fn sdes_name(self) -> &'static str {
        match self {
            SrtpProfile::Aes128CmSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            SrtpProfile::Aes128CmSha1_32 => "AES_CM_128_HMAC_SHA1_32",
            SrtpProfile::Aes256CmSha1_80 => "AES_256_CM_HMAC_SHA1_80",
            SrtpProfile::Aes256CmSha1_32 => "AES_256_CM_HMAC_SHA1_32",
        }
    }

    /// The profile an SDES suite name denotes (names are case-sensitive, RFC 4568 §9.2).
    pub fn from_sdes_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|profile| profile.sdes_name() == name)
    }

    /// Master and session encryption key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            SrtpProfile::Aes128CmSha1_80 | SrtpProfile::Aes128CmSha1_32 => 16,
            SrtpProfile::Aes256CmSha1_80 | SrtpProfile::Aes256CmSha1_32 => 32,
        }
    }

    /// SRTP authentication tag length in bytes.
    pub fn rtp_tag_len(self) -> usize {
        match self {
            SrtpProfile::Aes128CmSha1_80 | SrtpProfile::Aes256CmSha1_80 => 10,
            SrtpProfile::Aes128CmSha1_32 | SrtpProfile::Aes256CmSha1_32 => 4,
        }
    }

    /// Length of the SDES inline key: master key followed by master salt.
    pub fn inline_key_len(self) -> usize {
        self.key_len() + SALT_LEN
    }
}

/// Largest number of SRTP packets one master key may protect (2^48, RFC 3711 §9.2).
pub const MAX_SRTP_PACKETS: u64 = 1 << 48;
/// Largest number of SRTCP packets one master key may protect (2^31).
pub const MAX_SRTCP_PACKETS: u64 = 1 << 31;

/// A master key with its salt, optional MKI and lifetime, as one `a=crypto` inline gives.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    key: Vec<u8>,
    salt: [u8; SALT_LEN],
    mki: Option<Vec<u8>>,
    lifetime: Option<u64>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key material never goes to logs.
        f.debug_struct("MasterKey")
            .field("key_len", &self.key.len())
            .field("mki", &self.mki)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    /// A master key from the concatenated key and salt of an SDES inline parameter.
    pub fn from_inline(profile: SrtpProfile, key_and_salt: &[u8]) -> Result<Self, SrtpError> {
        if key_and_salt.len() != profile.inline_key_len() {
            return Err(SrtpError::KeyLength {
                expected: profile.inline_key_len(),
                actual: key_and_salt.len(),
            });
        }
        let (key, salt) = key_and_salt.split_at(profile.key_len());
        let mut salt_bytes = [0; SALT_LEN];
        salt_bytes.copy_from_slice(salt);
        Ok(MasterKey {
            key: key.to_vec(),
            salt: salt_bytes,
            mki: None,
            lifetime: None,
        })
    }

    /// Sets the MKI carried in each packet (1–128 bytes; RFC 4568 allows 1–128).
    pub fn with_mki(mut self, mki: Vec<u8>) -> Result<Self, SrtpError> {
        if mki.is_empty() || mki.len() > 128 {
            return Err(SrtpError::MkiLength(mki.len()));
        }
        self.mki = Some(mki);
        Ok(self)
    }

    /// Limits the packets this key may protect (the SDES lifetime parameter).
    pub fn with_lifetime(mut self, packets: u64) -> Self {
        self.lifetime = Some(packets);
        self
    }

    /// The key followed by the salt, as an SDES inline parameter carries them.
    pub fn to_inline(&self) -> Vec<u8> {
        let mut out = self.key.clone();
        out.extend_from_slice(&self.salt);
        out
    }

    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }

    pub(crate) fn salt(&self) -> &[u8; SALT_LEN] {
        &self.salt
    }

    /// The MKI, if packets carry one.
    pub fn mki(&self) -> Option<&[u8]> {
        self.mki.as_deref()
    }

    /// The lifetime in packets, if limited below the protocol maximum.
    pub fn lifetime(&self) -> Option<u64> {
        self.lifetime
    }
}
