//! Web login passwords, stored only as Argon2id hashes.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::distributions::{Alphanumeric, DistString};

/// Aliases of the settings that hold login passwords (admin, end user).
pub const HASHED_ALIASES: [&str; 2] = ["users.admin.password", "users.user.password"];

/// Longest password accepted, in characters.
pub const MAX_LEN: usize = 32;

/// Whether a stored value is already a hash (as read back from `config.txt` or a backup).
pub fn is_hash(value: &str) -> bool {
    value.starts_with("$argon2")
}

/// Hashes a password with a fresh random salt.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    match Argon2::default().hash_password(password.as_bytes(), &salt) {
        Ok(hash) => hash.to_string(),
        // Only fails for parameters out of Argon2's limits, which the defaults are not.
        Err(e) => unreachable!("argon2 with default parameters failed: {e}"),
    }
}

/// Checks a password against a stored hash; an empty or malformed hash matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A random password of `len` letters and digits, for first boot and factory reset.
pub fn generate(len: usize) -> String {
    Alphanumeric.sample_string(&mut OsRng, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let h = hash("s3cret");
        assert!(is_hash(&h));
        assert!(verify("s3cret", &h));
        assert!(!verify("s3cret!", &h));
        assert!(!verify("", ""));
        assert!(!verify("admin", "admin"));
        assert_ne!(hash("s3cret"), h, "salts differ");
    }

    #[test]
    fn generated_passwords_are_random_alphanumerics() {
        let a = generate(16);
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, generate(16));
    }
}
