//! Server nonces that validate themselves, and the replay window of nonce counts.
//!
//! A nonce is `hex(issued ‖ serial ‖ MAC)`: the milliseconds since the server's epoch, a
//! serial number (two challenges in the same millisecond still differ), and the first 16 bytes
//! of HMAC-SHA-256 over both and the realm under the server's secret. The server keeps nothing
//! for the challenges it hands out; only a nonce that was used gets a replay window.

use sha2::{Digest as _, Sha256};

use super::algorithm::hex;

/// Bytes of MAC kept in a nonce.
const MAC_LEN: usize = 16;
/// Bytes of a decoded nonce.
const NONCE_LEN: usize = 8 + 8 + MAC_LEN;

/// The server's secret.
#[derive(Clone)]
pub(crate) struct NonceKey([u8; 32]);

/// What a valid nonce says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Minted {
    /// Milliseconds from the server's epoch to when the nonce was handed out.
    pub(crate) issued_ms: u64,
    /// Its serial number, unique for the server's lifetime.
    pub(crate) serial: u64,
}

impl NonceKey {
    pub(crate) fn new(secret: [u8; 32]) -> Self {
        Self(secret)
    }

    pub(crate) fn mint(&self, minted: Minted, realm: &str) -> String {
        let mut bytes = [0u8; NONCE_LEN];
        bytes[..8].copy_from_slice(&minted.issued_ms.to_be_bytes());
        bytes[8..16].copy_from_slice(&minted.serial.to_be_bytes());
        let mac = self.mac(&bytes[..16], realm);
        bytes[16..].copy_from_slice(&mac[..MAC_LEN]);
        hex(&bytes)
    }

    /// What `nonce` says, if this key minted it for `realm`.
    pub(crate) fn open(&self, nonce: &str, realm: &str) -> Option<Minted> {
        let bytes = unhex::<NONCE_LEN>(nonce)?;
        let mac = self.mac(&bytes[..16], realm);
        if !constant_time_eq(&mac[..MAC_LEN], &bytes[16..]) {
            return None;
        }
        let mut issued = [0u8; 8];
        let mut serial = [0u8; 8];
        issued.copy_from_slice(&bytes[..8]);
        serial.copy_from_slice(&bytes[8..16]);
        Some(Minted {
            issued_ms: u64::from_be_bytes(issued),
            serial: u64::from_be_bytes(serial),
        })
    }

    /// A value for `opaque`, fixed for the key and realm.
    pub(crate) fn opaque(&self, realm: &str) -> String {
        hex(&self.mac(b"opaque", realm)[..8])
    }

    fn mac(&self, data: &[u8], realm: &str) -> [u8; 32] {
        hmac_sha256(&self.0, &[data, b":", realm.as_bytes()])
    }
}

/// HMAC-SHA-256 (RFC 2104) with a 32-byte key, over the concatenated parts.
fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    for part in parts {
        inner.update(part);
    }
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// Compares without an early exit, so the time taken does not tell how many leading bytes
/// matched. The lengths are not secret.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.as_bytes();
    if text.len() != 2 * N {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *byte = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

/// The nonce counts seen with one nonce: the highest, and which of the 63 below it.
///
/// A sliding window rather than "must exceed the highest", because a client's requests with
/// one nonce (a NOTIFY and an INVITE, say) can arrive out of order over UDP.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReplayWindow {
    highest: u32,
    /// Bit `i` set: `highest - i` was seen.
    seen: u64,
}

impl ReplayWindow {
    /// Records `nc`; false when it was seen before, is zero, or is too far below the highest
    /// to tell.
    pub(crate) fn accept(&mut self, nc: u32) -> bool {
        if nc == 0 {
            return false;
        }
        if nc > self.highest {
            let shift = nc - self.highest;
            self.seen = if shift >= 64 { 0 } else { self.seen << shift };
            self.seen |= 1;
            self.highest = nc;
            return true;
        }
        let behind = self.highest - nc;
        if behind >= 64 || self.seen & (1 << behind) != 0 {
            return false;
        }
        self.seen |= 1 << behind;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 §4.3, test case 2 (a key shorter than the block is zero-padded, so "Jefe"
    // padded to 32 bytes is the same key).
    #[test]
    fn hmac_matches_rfc4231() {
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(
            hex(&hmac_sha256(&key, &[b"what do ya want ", b"for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn nonces_open_only_with_their_key_and_realm() {
        let key = NonceKey::new([7; 32]);
        let minted = Minted {
            issued_ms: 123_456,
            serial: 42,
        };
        let nonce = key.mint(minted, "phone");
        assert_eq!(nonce.len(), 2 * NONCE_LEN);
        assert_eq!(key.open(&nonce, "phone"), Some(minted));
        assert_eq!(key.open(&nonce.to_uppercase(), "phone"), Some(minted));
        assert_eq!(key.open(&nonce, "other"), None);
        assert_eq!(NonceKey::new([8; 32]).open(&nonce, "phone"), None);
        let mut tampered = nonce.clone().into_bytes();
        tampered[3] = if tampered[3] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            key.open(&String::from_utf8(tampered).unwrap(), "phone"),
            None
        );
        assert_eq!(key.open(&nonce[1..], "phone"), None);
        assert_eq!(key.open(&format!("{}\u{e9}", &nonce[..62]), "phone"), None);
        assert_eq!(key.open("", "phone"), None);
    }

    #[test]
    fn constant_time_eq_is_eq() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn replay_window() {
        let mut w = ReplayWindow::default();
        assert!(!w.accept(0));
        assert!(w.accept(1));
        assert!(!w.accept(1));
        assert!(w.accept(3));
        assert!(w.accept(2), "late but unseen");
        assert!(!w.accept(2));
        assert!(w.accept(70));
        assert!(!w.accept(6), "too far behind to know");
        assert!(w.accept(7));
        assert!(!w.accept(7));
        assert!(w.accept(u32::MAX));
        assert!(!w.accept(u32::MAX));
        assert!(w.accept(u32::MAX - 63));
        assert!(!w.accept(u32::MAX - 64));
    }
}
