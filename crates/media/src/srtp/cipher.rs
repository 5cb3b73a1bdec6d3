//! AES in counter mode (RFC 3711 §4.1.1), session key derivation (§4.3) and the
//! HMAC-SHA1 tag (§4.2.1).

use aes::cipher::{InnerIvInit, KeyInit, StreamCipher, StreamCipherCoreWrapper};
use aes::{Aes128, Aes256};
use ctr::{flavors, CtrCore};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::profile::{SrtpProfile, AUTH_KEY_LEN, SALT_LEN};
use super::SrtpError;

/// Key derivation labels (RFC 3711 §4.3.2 and §4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    RtpEncryption = 0,
    RtpAuthentication = 1,
    RtpSalt = 2,
    RtcpEncryption = 3,
    RtcpAuthentication = 4,
    RtcpSalt = 5,
}

/// An AES key schedule of either size.
#[derive(Clone)]
pub(crate) enum AesKey {
    Aes128(Box<Aes128>),
    Aes256(Box<Aes256>),
}

impl AesKey {
    pub(crate) fn new(key: &[u8]) -> Result<Self, SrtpError> {
        let invalid = |_| SrtpError::KeyLength {
            expected: 16,
            actual: key.len(),
        };
        match key.len() {
            16 => Aes128::new_from_slice(key)
                .map(|cipher| AesKey::Aes128(Box::new(cipher)))
                .map_err(invalid),
            32 => Aes256::new_from_slice(key)
                .map(|cipher| AesKey::Aes256(Box::new(cipher)))
                .map_err(invalid),
            actual => Err(SrtpError::KeyLength {
                expected: 16,
                actual,
            }),
        }
    }

    /// XORs the AES-CM keystream starting at counter block `iv` into `data`.
    pub(crate) fn apply_keystream(&self, iv: &[u8; 16], data: &mut [u8]) {
        match self {
            // The counter is the whole 128-bit block incremented as a big-endian integer,
            // which for SRTP's packet sizes only ever changes the low 16 bits (§4.1.1).
            AesKey::Aes128(cipher) => {
                let core = CtrCore::<Aes128, flavors::Ctr128BE>::inner_iv_init(
                    (**cipher).clone(),
                    iv.into(),
                );
                StreamCipherCoreWrapper::from_core(core).apply_keystream(data);
            }
            AesKey::Aes256(cipher) => {
                let core = CtrCore::<Aes256, flavors::Ctr128BE>::inner_iv_init(
                    (**cipher).clone(),
                    iv.into(),
                );
                StreamCipherCoreWrapper::from_core(core).apply_keystream(data);
            }
        }
    }
}

/// The counter block for a packet: salt·2^16 ⊕ SSRC·2^64 ⊕ index·2^16 (§4.1.1).
pub(crate) fn packet_iv(salt: &[u8; SALT_LEN], ssrc: u32, index: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..SALT_LEN].copy_from_slice(salt);
    for (byte, value) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
        *byte ^= value;
    }
    // The index is at most 48 bits: bytes 8..14 of the block.
    for (byte, value) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
        *byte ^= value;
    }
    iv
}

/// Derives `len` bytes for `label` from the master key and salt with a key derivation rate
/// of zero (§4.3.1: x = key_id ⊕ master_salt, key_id = label || r with r = 0).
pub(crate) fn derive(
    master: &AesKey,
    master_salt: &[u8; SALT_LEN],
    label: Label,
    len: usize,
) -> Vec<u8> {
    let mut iv = [0u8; 16];
    iv[..SALT_LEN].copy_from_slice(master_salt);
    // key_id is 56 bits, right-aligned with the 112-bit salt: the label is byte 7.
    iv[7] ^= label as u8;
    let mut out = vec![0u8; len];
    master.apply_keystream(&iv, &mut out);
    out
}

/// The keys for one direction of one kind of traffic (SRTP or SRTCP).
#[derive(Clone)]
pub(crate) struct SessionKeys {
    pub(crate) cipher: AesKey,
    pub(crate) salt: [u8; SALT_LEN],
    pub(crate) mac: Hmac<Sha1>,
}

impl SessionKeys {
    pub(crate) fn derive(
        profile: SrtpProfile,
        master_key: &[u8],
        master_salt: &[u8; SALT_LEN],
        rtcp: bool,
    ) -> Result<Self, SrtpError> {
        let master = AesKey::new(master_key)?;
        let (encryption, authentication, salt_label) = if rtcp {
            (
                Label::RtcpEncryption,
                Label::RtcpAuthentication,
                Label::RtcpSalt,
            )
        } else {
            (
                Label::RtpEncryption,
                Label::RtpAuthentication,
                Label::RtpSalt,
            )
        };
        let key = derive(&master, master_salt, encryption, profile.key_len());
        let auth = derive(&master, master_salt, authentication, AUTH_KEY_LEN);
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&derive(&master, master_salt, salt_label, SALT_LEN));
        let mac = <Hmac<Sha1> as Mac>::new_from_slice(&auth).map_err(|_| SrtpError::KeyLength {
            expected: AUTH_KEY_LEN,
            actual: auth.len(),
        })?;
        Ok(SessionKeys {
            cipher: AesKey::new(&key)?,
            salt,
            mac,
        })
    }

    /// The full 160-bit HMAC-SHA1 over `parts`, to be truncated to the tag length.
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> [u8; 20] {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
pub(crate) fn derive_for_test(
    master_key: &[u8],
    master_salt: &[u8; SALT_LEN],
    label: u8,
    len: usize,
) -> Vec<u8> {
    let master = AesKey::new(master_key).expect("test keys have a valid length");
    let label = match label {
        0 => Label::RtpEncryption,
        1 => Label::RtpAuthentication,
        2 => Label::RtpSalt,
        3 => Label::RtcpEncryption,
        4 => Label::RtcpAuthentication,
        _ => Label::RtcpSalt,
    };
    derive(&master, master_salt, label, len)
}
