//! OpenSSL-compatible encryption of configuration files.
//!
//! The format is exactly what `openssl enc -aes-256-cbc -k PASSWORD` writes and
//! reads: the 8 bytes `Salted__`, an 8-byte random salt, then the AES-256-CBC
//! ciphertext of the file with PKCS#7 padding. The 32-byte key and the 16-byte
//! IV are derived from the password and the salt in one of three ways (see
//! [`KeyDerivation`]), chosen on the openssl command line with `-md md5`,
//! `-md sha256` (the default since OpenSSL 1.1) or `-pbkdf2 [-iter N]`. The
//! file does not record which one was used, so [`decrypt`] tries them in turn
//! and accepts the first whose output has valid padding and is plausible text.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use rand::RngCore;
use sha2::Digest;

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// The magic that starts every salted `openssl enc` file.
const MAGIC: &[u8; 8] = b"Salted__";
/// The AES block size in bytes.
const BLOCK_LEN: usize = 16;
/// The AES-256 key length in bytes.
const KEY_LEN: usize = 32;
/// Key and IV together, as the derivations produce them.
const KEY_IV_LEN: usize = KEY_LEN + BLOCK_LEN;
/// The UTF-8 byte order mark, tolerated at the start of decrypted text.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the key and IV are derived from the password, as `openssl enc` options name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDerivation {
    /// `EVP_BytesToKey` with MD5 and one iteration (`-md md5`, the default before OpenSSL 1.1).
    Md5,
    /// `EVP_BytesToKey` with SHA-256 and one iteration (`-md sha256`, the default since OpenSSL 1.1).
    Sha256,
    /// PBKDF2-HMAC-SHA256 (`-pbkdf2 -iter N`); an iteration count of 0 is treated as 1.
    Pbkdf2 {
        /// The iteration count (`-iter`, 10 000 when only `-pbkdf2` is given).
        iterations: u32,
    },
}

impl KeyDerivation {
    /// What `openssl enc` uses when given neither `-md` nor `-pbkdf2` (OpenSSL 1.1 and later).
    pub const OPENSSL_DEFAULT: Self = Self::Sha256;
    /// The iteration count `openssl enc -pbkdf2` uses when `-iter` is not given.
    pub const PBKDF2_DEFAULT_ITERATIONS: u32 = 10_000;

    /// Derives the AES key and the IV from the password and salt.
    fn key_iv(self, password: &[u8], salt: &[u8; 8]) -> ([u8; KEY_LEN], [u8; BLOCK_LEN]) {
        let material = match self {
            Self::Md5 => bytes_to_key::<md5::Md5>(password, salt),
            Self::Sha256 => bytes_to_key::<sha2::Sha256>(password, salt),
            Self::Pbkdf2 { iterations } => {
                let mut out = [0u8; KEY_IV_LEN];
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations.max(1), &mut out);
                out
            }
        };
        let mut key = [0u8; KEY_LEN];
        let mut iv = [0u8; BLOCK_LEN];
        key.copy_from_slice(&material[..KEY_LEN]);
        iv.copy_from_slice(&material[KEY_LEN..]);
        (key, iv)
    }
}

/// OpenSSL's `EVP_BytesToKey` with one iteration: `D_i = H(D_{i-1} || password || salt)`,
/// concatenated until there are enough bytes for key and IV.
fn bytes_to_key<D: Digest>(password: &[u8], salt: &[u8; 8]) -> [u8; KEY_IV_LEN] {
    let mut material = Vec::with_capacity(2 * KEY_IV_LEN);
    let mut previous = Vec::new();
    while material.len() < KEY_IV_LEN {
        let mut hasher = D::new();
        hasher.update(&previous);
        hasher.update(password);
        hasher.update(salt);
        previous = hasher.finalize().to_vec();
        material.extend_from_slice(&previous);
    }
    let mut out = [0u8; KEY_IV_LEN];
    out.copy_from_slice(&material[..KEY_IV_LEN]);
    out
}

/// Why decryption failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecryptError {
    /// The data does not start with the `Salted__` header of `openssl enc`.
    #[error("not an encrypted file: it does not start with Salted__")]
    NotEncrypted,
    /// The salt or ciphertext is missing, or the ciphertext is not a whole number of blocks.
    #[error("the encrypted file is truncated or damaged: its length is not a salt plus whole 16-byte blocks")]
    Truncated,
    /// No key derivation gives valid padding (and, for [`decrypt`], plausible text).
    #[error("wrong password: the file does not decrypt with it (or it was encrypted with another key derivation)")]
    WrongPassword,
}

/// The plaintext and the derivation that opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The decrypted file contents.
    pub plain: Vec<u8>,
    /// The key derivation that decrypted it, to use again when re-encrypting.
    pub derivation: KeyDerivation,
}

/// Whether the data starts with the `Salted__` header of an `openssl enc` file.
pub fn is_encrypted(data: &[u8]) -> bool {
    data.starts_with(MAGIC)
}

/// Encrypts like `openssl enc -aes-256-cbc`, with a fresh random salt from the OS.
pub fn encrypt(plain: &[u8], password: &str, kdf: KeyDerivation) -> Vec<u8> {
    let mut salt = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    encrypt_with_salt(plain, password, kdf, salt)
}

/// Encrypts like `openssl enc -aes-256-cbc` with the given salt (for reproducible output).
pub fn encrypt_with_salt(
    plain: &[u8],
    password: &str,
    kdf: KeyDerivation,
    salt: [u8; 8],
) -> Vec<u8> {
    let (key, iv) = kdf.key_iv(password.as_bytes(), &salt);
    let cipher = Aes256CbcEnc::new(&key.into(), &iv.into());
    let ciphertext = cipher.encrypt_padded_vec_mut::<Pkcs7>(plain);
    let mut out = Vec::with_capacity(MAGIC.len() + salt.len() + ciphertext.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&salt);
    out.extend_from_slice(&ciphertext);
    out
}

/// Decrypts an `openssl enc -aes-256-cbc` file, trying SHA-256, MD5, then PBKDF2 with 10 000 iterations.
///
/// A derivation is accepted only if the padding is valid and the plaintext is
/// UTF-8 text (optionally starting with a byte order mark) without NUL bytes,
/// so a wrong derivation is practically never taken for the right one.
pub fn decrypt(data: &[u8], password: &str) -> Result<Decrypted, DecryptError> {
    let (salt, ciphertext) = split(data)?;
    let candidates = [
        KeyDerivation::Sha256,
        KeyDerivation::Md5,
        KeyDerivation::Pbkdf2 {
            iterations: KeyDerivation::PBKDF2_DEFAULT_ITERATIONS,
        },
    ];
    candidates
        .into_iter()
        .find_map(|derivation| {
            decrypt_raw(ciphertext, password, derivation, salt)
                .filter(|plain| is_plausible_text(plain))
                .map(|plain| Decrypted { plain, derivation })
        })
        .ok_or(DecryptError::WrongPassword)
}

/// Decrypts an `openssl enc -aes-256-cbc` file with the given derivation.
///
/// Only the padding is checked, as `openssl enc -d` does, so the plaintext may
/// be any bytes; a wrong password slips through about once in 256 tries.
pub fn decrypt_with(
    data: &[u8],
    password: &str,
    kdf: KeyDerivation,
) -> Result<Vec<u8>, DecryptError> {
    let (salt, ciphertext) = split(data)?;
    decrypt_raw(ciphertext, password, kdf, salt).ok_or(DecryptError::WrongPassword)
}

/// Splits the file into salt and ciphertext, checking the header and length.
fn split(data: &[u8]) -> Result<(&[u8; 8], &[u8]), DecryptError> {
    let rest = data
        .strip_prefix(MAGIC.as_slice())
        .ok_or(DecryptError::NotEncrypted)?;
    let (salt, ciphertext) = rest
        .split_first_chunk::<8>()
        .ok_or(DecryptError::Truncated)?;
    if ciphertext.is_empty() || ciphertext.len() % BLOCK_LEN != 0 {
        return Err(DecryptError::Truncated);
    }
    Ok((salt, ciphertext))
}

/// Decrypts whole blocks and removes the padding; `None` if the padding is invalid.
fn decrypt_raw(
    ciphertext: &[u8],
    password: &str,
    kdf: KeyDerivation,
    salt: &[u8; 8],
) -> Option<Vec<u8>> {
    let (key, iv) = kdf.key_iv(password.as_bytes(), salt);
    let cipher = Aes256CbcDec::new(&key.into(), &iv.into());
    cipher.decrypt_padded_vec_mut::<Pkcs7>(ciphertext).ok()
}

/// Whether decrypted bytes look like a text file: UTF-8, optional BOM, no NUL.
fn is_plausible_text(plain: &[u8]) -> bool {
    let text = plain.strip_prefix(UTF8_BOM).unwrap_or(plain);
    !text.contains(&0) && std::str::from_utf8(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const PBKDF2_DEFAULT: KeyDerivation = KeyDerivation::Pbkdf2 {
        iterations: KeyDerivation::PBKDF2_DEFAULT_ITERATIONS,
    };
    const ALL: [KeyDerivation; 4] = [
        KeyDerivation::Md5,
        KeyDerivation::Sha256,
        PBKDF2_DEFAULT,
        KeyDerivation::Pbkdf2 { iterations: 1000 },
    ];

    fn hex(s: &str) -> Vec<u8> {
        assert!(s.len().is_multiple_of(2));
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn salt_of(data: &[u8]) -> [u8; 8] {
        data[8..16].try_into().unwrap()
    }

    // Known-answer vectors from OpenSSL 3.0.19. The plaintext file `kat.txt` was
    // made with `printf '<P47>sip.example.com</P47>\n' > kat.txt`; each vector is
    // `openssl enc -aes-256-cbc <OPTIONS> -k 'correct horse' -in kat.txt | xxd -p`
    // (the salt is random and is the 8 bytes after `Salted__`).
    const KAT_PLAIN: &[u8] = b"<P47>sip.example.com</P47>\n";
    const KAT_PASSWORD: &str = "correct horse";
    const KAT: [(KeyDerivation, &str); 4] = [
        // openssl enc -aes-256-cbc -md md5 -k 'correct horse' -in kat.txt | xxd -p
        (
            KeyDerivation::Md5,
            "53616c7465645f5f67ac95be0f029c049af35175e3885962fc17d45b2c77923b\
             9e95a4d1b0a3047725adf342fc733efc",
        ),
        // openssl enc -aes-256-cbc -md sha256 -k 'correct horse' -in kat.txt | xxd -p
        (
            KeyDerivation::Sha256,
            "53616c7465645f5f36e663644cda9af102e5f7f8c361ed6cdfe28dc264cab97e\
             97d39abed05ac4121f7a63dab8f45273",
        ),
        // openssl enc -aes-256-cbc -pbkdf2 -k 'correct horse' -in kat.txt | xxd -p
        (
            PBKDF2_DEFAULT,
            "53616c7465645f5fff32f1849ff6e46c5cfa485b23d1c1a4055ee842c5d7171e\
             755d760eea1fbe0ff773265f60997000",
        ),
        // openssl enc -aes-256-cbc -pbkdf2 -iter 1000 -k 'correct horse' -in kat.txt | xxd -p
        (
            KeyDerivation::Pbkdf2 { iterations: 1000 },
            "53616c7465645f5f08563f631bb9464a0281c7c068bebe0a8bc1b1c7ff253044\
             51dad1eca4f66d2718a0c4ed423ddfa9",
        ),
    ];

    #[test]
    fn known_answers_decrypt() {
        for (kdf, vector) in KAT {
            let data = hex(vector);
            assert!(is_encrypted(&data));
            assert_eq!(decrypt_with(&data, KAT_PASSWORD, kdf).unwrap(), KAT_PLAIN);
            if kdf != (KeyDerivation::Pbkdf2 { iterations: 1000 }) {
                let opened = decrypt(&data, KAT_PASSWORD).unwrap();
                assert_eq!(opened.plain, KAT_PLAIN);
                assert_eq!(opened.derivation, kdf);
            }
        }
    }

    #[test]
    fn known_answers_encrypt() {
        for (kdf, vector) in KAT {
            let data = hex(vector);
            let ours = encrypt_with_salt(KAT_PLAIN, KAT_PASSWORD, kdf, salt_of(&data));
            assert_eq!(ours, data, "{kdf:?}");
        }
    }

    #[test]
    fn round_trip_each_derivation() {
        let plain = "<gs_provision version=\"1\"><P3>Café Zürich</P3></gs_provision>\n";
        for kdf in ALL {
            let data = encrypt(plain.as_bytes(), "pässwörd with spaces", kdf);
            assert!(is_encrypted(&data));
            assert_eq!((data.len() - 16) % 16, 0);
            assert_eq!(
                decrypt_with(&data, "pässwörd with spaces", kdf).unwrap(),
                plain.as_bytes()
            );
            if kdf != (KeyDerivation::Pbkdf2 { iterations: 1000 }) {
                let opened = decrypt(&data, "pässwörd with spaces").unwrap();
                assert_eq!(opened.plain, plain.as_bytes());
                assert_eq!(opened.derivation, kdf);
            }
        }
    }

    #[test]
    fn random_salt_differs() {
        let a = encrypt(b"x", "pw", KeyDerivation::Sha256);
        let b = encrypt(b"x", "pw", KeyDerivation::Sha256);
        assert_ne!(salt_of(&a), salt_of(&b));
    }

    #[test]
    fn empty_plaintext() {
        for kdf in ALL {
            let data = encrypt(b"", "pw", kdf);
            assert_eq!(data.len(), 32, "one block of padding");
            assert_eq!(decrypt_with(&data, "pw", kdf).unwrap(), b"");
        }
        let data = encrypt(b"", "pw", KeyDerivation::Md5);
        let opened = decrypt(&data, "pw").unwrap();
        assert!(opened.plain.is_empty());
        assert_eq!(opened.derivation, KeyDerivation::Md5);
    }

    #[test]
    fn exact_multiple_of_block_size() {
        let plain = b"0123456789abcdef0123456789ABCDEF";
        assert_eq!(plain.len(), 32);
        for kdf in ALL {
            let data = encrypt(plain, "pw", kdf);
            assert_eq!(data.len(), 16 + 48, "a full block of padding is added");
            assert_eq!(decrypt_with(&data, "pw", kdf).unwrap(), plain);
        }
    }

    #[test]
    fn bom_is_accepted_nul_is_not() {
        let with_bom = b"\xEF\xBB\xBF<config/>";
        let data = encrypt(with_bom, "pw", KeyDerivation::Sha256);
        assert_eq!(decrypt(&data, "pw").unwrap().plain, with_bom);

        // Binary plaintext opens with an explicit derivation but not by guessing.
        let binary = b"abc\0def";
        let data = encrypt(binary, "pw", KeyDerivation::Sha256);
        assert_eq!(decrypt(&data, "pw"), Err(DecryptError::WrongPassword));
        assert_eq!(
            decrypt_with(&data, "pw", KeyDerivation::Sha256).unwrap(),
            binary
        );
        let latin1 = b"caf\xE9";
        let data = encrypt(latin1, "pw", KeyDerivation::Md5);
        assert_eq!(decrypt(&data, "pw"), Err(DecryptError::WrongPassword));
    }

    #[test]
    fn wrong_password() {
        for kdf in ALL {
            let data = encrypt_with_salt(b"<config>secret</config>", "right", kdf, [3; 8]);
            assert_eq!(decrypt(&data, "wrong"), Err(DecryptError::WrongPassword));
        }
        for (_, vector) in KAT {
            assert_eq!(
                decrypt(&hex(vector), "correct horse!"),
                Err(DecryptError::WrongPassword)
            );
        }
    }

    #[test]
    fn wrong_derivation_is_not_accepted() {
        // Padding alone passes by chance about once in 256; with the text check
        // `decrypt` must name the derivation actually used, every time.
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for i in 0..300 {
            let len = rng.gen_range(0..40);
            let plain: String = (0..len)
                .map(|_| char::from(rng.gen_range(b' '..=b'~')))
                .collect();
            let kdf = if i % 2 == 0 {
                KeyDerivation::Md5
            } else {
                KeyDerivation::Sha256
            };
            let data = encrypt_with_salt(plain.as_bytes(), "pw", kdf, rng.gen());
            let opened = decrypt(&data, "pw").unwrap();
            assert_eq!(opened.derivation, kdf);
            assert_eq!(opened.plain, plain.as_bytes());
        }
    }

    #[test]
    fn not_encrypted_and_truncated() {
        assert!(!is_encrypted(b""));
        assert!(!is_encrypted(b"<?xml version=\"1.0\"?>"));
        assert!(!is_encrypted(b"Salted_"));
        assert_eq!(decrypt(b"", "pw"), Err(DecryptError::NotEncrypted));
        assert_eq!(
            decrypt(b"<gs_provision/>", "pw"),
            Err(DecryptError::NotEncrypted)
        );
        assert_eq!(decrypt(b"Salted__", "pw"), Err(DecryptError::Truncated));
        assert_eq!(
            decrypt(b"Salted__12345678", "pw"),
            Err(DecryptError::Truncated)
        );
        let data = encrypt(b"hello", "pw", KeyDerivation::Md5);
        assert_eq!(
            decrypt(&data[..data.len() - 1], "pw"),
            Err(DecryptError::Truncated)
        );
        assert_eq!(
            decrypt_with(&data[..20], "pw", KeyDerivation::Md5),
            Err(DecryptError::Truncated)
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            DecryptError::NotEncrypted.to_string(),
            "not an encrypted file: it does not start with Salted__"
        );
        assert!(DecryptError::Truncated.to_string().contains("truncated"));
        assert!(DecryptError::WrongPassword
            .to_string()
            .starts_with("wrong password"));
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(42);
        let cheap = [KeyDerivation::Md5, KeyDerivation::Sha256];
        for _ in 0..2000 {
            let len = rng.gen_range(0..100);
            let mut data: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            if rng.gen_bool(0.7) {
                let n = data.len().min(8);
                data[..n].copy_from_slice(&MAGIC[..n]);
            }
            let _ = is_encrypted(&data);
            for kdf in cheap {
                let _ = decrypt_with(&data, "pw", kdf);
            }
        }
        // Full `decrypt` (with the slow PBKDF2 attempt) on fewer inputs.
        for _ in 0..20 {
            let len = rng.gen_range(0..80);
            let mut data: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            if data.len() >= 8 {
                data[..8].copy_from_slice(MAGIC);
            }
            assert!(decrypt(&data, "pw").is_err());
        }
    }

    #[test]
    fn truncations_never_panic() {
        let plain = "<gs_provision><config><P47>sip.example.com</P47></config></gs_provision>";
        // A fixed salt keeps the test deterministic.
        let data = encrypt_with_salt(plain.as_bytes(), "pw", KeyDerivation::Sha256, [9; 8]);
        for end in 0..data.len() {
            for start in [0, 1, 8, 16] {
                let slice = data.get(start..end).unwrap_or(&[]);
                for kdf in [KeyDerivation::Md5, KeyDerivation::Sha256] {
                    let _ = decrypt_with(slice, "pw", kdf);
                }
            }
            let result = decrypt_with(&data[..end], "pw", KeyDerivation::Sha256);
            if end < 8 {
                assert_eq!(result, Err(DecryptError::NotEncrypted));
            } else if end < 32 || end % 16 != 0 {
                assert_eq!(result, Err(DecryptError::Truncated));
            }
        }
        // Whole-block truncations reach the decryption proper; `decrypt` must refuse them.
        for end in (32..data.len()).step_by(16) {
            assert!(decrypt(&data[..end], "pw").is_err());
        }
        assert_eq!(decrypt(&data, "pw").unwrap().plain, plain.as_bytes());
    }

    #[test]
    fn zero_iterations_is_one() {
        let data = encrypt(b"x", "pw", KeyDerivation::Pbkdf2 { iterations: 0 });
        assert_eq!(
            decrypt_with(&data, "pw", KeyDerivation::Pbkdf2 { iterations: 1 }).unwrap(),
            b"x"
        );
    }

    #[test]
    fn key_and_iv_match_openssl() {
        // `openssl enc -aes-256-cbc <OPTIONS> -k pw -S 0001020304050607 -P` prints key and IV.
        let salt = [0, 1, 2, 3, 4, 5, 6, 7];
        let cases = [
            // -md md5
            (
                KeyDerivation::Md5,
                "a55f79aa00e8dd0e7d3ce26ed40d7cd3a029a787189b34d30d90860969005fcb\
                 18e261fa9442219c97c1588bf682f624",
            ),
            // -md sha256
            (
                KeyDerivation::Sha256,
                "93c631f5a900c2d14647667d84f0cf3e64cb94a8ea4ae0b33d47f950e24fb58d\
                 2000e9f64c9107cffbf8d18ab6e1bdd1",
            ),
            // -pbkdf2
            (
                PBKDF2_DEFAULT,
                "cee6efbfb7690ede6877365c777b27ef08544f871a25771f45b1d409684367d2\
                 c2473a1721de058563d8896e95cdde74",
            ),
        ];
        for (kdf, expected) in cases {
            let (key, iv) = kdf.key_iv(b"pw", &salt);
            assert_eq!([key.as_slice(), &iv].concat(), hex(expected), "{kdf:?}");
        }
    }
}
