#![allow(clippy::unwrap_used)]
//! Interoperability with the real `openssl enc` command, both ways.
//!
//! The `openssl` binary is required: CI installs it, so a missing binary fails
//! these tests instead of skipping them.

use std::path::Path;
use std::process::{Command, Output};

use handset_config::encryption::{
    decrypt, decrypt_with, encrypt, encrypt_with_salt, is_encrypted, DecryptError, KeyDerivation,
};

const PASSWORD: &str = "s3cret-provisioning";
/// Spaces and non-ASCII characters, passed to openssl with `-pass pass:...`.
const FANCY_PASSWORD: &str = "pass phrase mit Ümläuten ✓ 電話";

/// A small provisioning file with a non-ASCII value.
const CONFIG_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<gs_provision version=\"1\"><config version=\"1\">\
<P47>sip.example.com</P47><P3>Büro Zürich – 電話</P3>\
</config></gs_provision>\n";

/// Each derivation with the `openssl enc` options that select it.
fn derivations() -> Vec<(KeyDerivation, Vec<&'static str>)> {
    vec![
        (KeyDerivation::Md5, vec!["-md", "md5"]),
        (KeyDerivation::Sha256, vec!["-md", "sha256"]),
        (
            KeyDerivation::Pbkdf2 {
                iterations: KeyDerivation::PBKDF2_DEFAULT_ITERATIONS,
            },
            vec!["-pbkdf2"],
        ),
        (
            KeyDerivation::Pbkdf2 { iterations: 2000 },
            vec!["-pbkdf2", "-iter", "2000"],
        ),
    ]
}

/// Runs `openssl enc -aes-256-cbc` with the given extra arguments.
fn openssl_enc(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(["enc", "-aes-256-cbc"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the openssl binary (is it installed?): {e}"))
}

/// Runs `openssl enc` and asserts that it succeeded.
fn openssl_enc_ok(args: &[&str]) {
    let out = openssl_enc(args);
    assert!(
        out.status.success(),
        "openssl enc {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// openssl encrypts the file with `options` and `-pass pass:password`; returns the ciphertext.
fn openssl_encrypt(dir: &Path, plain: &[u8], password: &str, options: &[&str]) -> Vec<u8> {
    let input = dir.join("plain.xml");
    let output = dir.join("plain.xml.enc");
    std::fs::write(&input, plain).unwrap();
    let pass = format!("pass:{password}");
    let mut args = vec!["-salt"];
    args.extend_from_slice(options);
    args.extend([
        "-pass",
        &pass,
        "-in",
        path_str(&input),
        "-out",
        path_str(&output),
    ]);
    openssl_enc_ok(&args);
    std::fs::read(&output).unwrap()
}

/// openssl decrypts `data` with `options` and `-pass pass:password`.
fn openssl_decrypt(
    dir: &Path,
    data: &[u8],
    password: &str,
    options: &[&str],
) -> Result<Vec<u8>, String> {
    let input = dir.join("ours.enc");
    let output = dir.join("ours.dec");
    std::fs::write(&input, data).unwrap();
    let _ = std::fs::remove_file(&output);
    let pass = format!("pass:{password}");
    let mut args = vec!["-d"];
    args.extend_from_slice(options);
    args.extend([
        "-pass",
        &pass,
        "-in",
        path_str(&input),
        "-out",
        path_str(&output),
    ]);
    let out = openssl_enc(&args);
    if out.status.success() {
        Ok(std::fs::read(&output).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn openssl_encrypts_with_k_we_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cfg.xml");
    let output = dir.path().join("cfg.xml.enc");
    std::fs::write(&input, CONFIG_XML).unwrap();
    for (kdf, options) in derivations() {
        // Exactly the provisioning server's command line, with `-k`.
        let mut args = vec!["-salt"];
        args.extend_from_slice(&options);
        args.extend([
            "-k",
            PASSWORD,
            "-in",
            path_str(&input),
            "-out",
            path_str(&output),
        ]);
        openssl_enc_ok(&args);
        let data = std::fs::read(&output).unwrap();
        assert!(is_encrypted(&data));

        assert_eq!(
            decrypt_with(&data, PASSWORD, kdf).unwrap(),
            CONFIG_XML.as_bytes()
        );
        if kdf == (KeyDerivation::Pbkdf2 { iterations: 2000 }) {
            // Not among the derivations `decrypt` tries.
            assert_eq!(decrypt(&data, PASSWORD), Err(DecryptError::WrongPassword));
        } else {
            let opened = decrypt(&data, PASSWORD).unwrap();
            assert_eq!(opened.plain, CONFIG_XML.as_bytes(), "{options:?}");
            assert_eq!(opened.derivation, kdf, "{options:?}");
        }
    }
}

#[test]
fn openssl_default_is_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let data = openssl_encrypt(dir.path(), CONFIG_XML.as_bytes(), PASSWORD, &[]);
    let opened = decrypt(&data, PASSWORD).unwrap();
    assert_eq!(opened.plain, CONFIG_XML.as_bytes());
    assert_eq!(opened.derivation, KeyDerivation::OPENSSL_DEFAULT);
}

#[test]
fn we_encrypt_openssl_decrypts() {
    let dir = tempfile::tempdir().unwrap();
    for (kdf, options) in derivations() {
        let data = encrypt(CONFIG_XML.as_bytes(), PASSWORD, kdf);
        let plain = openssl_decrypt(dir.path(), &data, PASSWORD, &options)
            .unwrap_or_else(|e| panic!("openssl {options:?} rejected our file: {e}"));
        assert_eq!(plain, CONFIG_XML.as_bytes(), "{options:?}");
    }
}

#[test]
fn empty_and_block_sized_files_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let block_sized = "0123456789abcdef".repeat(4);
    for plain in ["", block_sized.as_str()] {
        for (kdf, options) in derivations() {
            let data = openssl_encrypt(dir.path(), plain.as_bytes(), PASSWORD, &options);
            assert_eq!(
                decrypt_with(&data, PASSWORD, kdf).unwrap(),
                plain.as_bytes()
            );

            let ours = encrypt(plain.as_bytes(), PASSWORD, kdf);
            assert_eq!(ours.len(), data.len(), "same length as openssl's output");
            let back = openssl_decrypt(dir.path(), &ours, PASSWORD, &options).unwrap();
            assert_eq!(back, plain.as_bytes());
        }
    }
}

#[test]
fn password_with_spaces_and_non_ascii_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    for (kdf, options) in derivations() {
        let data = openssl_encrypt(dir.path(), CONFIG_XML.as_bytes(), FANCY_PASSWORD, &options);
        assert_eq!(
            decrypt_with(&data, FANCY_PASSWORD, kdf).unwrap(),
            CONFIG_XML.as_bytes(),
            "{options:?}"
        );

        let ours = encrypt(CONFIG_XML.as_bytes(), FANCY_PASSWORD, kdf);
        let back = openssl_decrypt(dir.path(), &ours, FANCY_PASSWORD, &options)
            .unwrap_or_else(|e| panic!("openssl {options:?} rejected our file: {e}"));
        assert_eq!(back, CONFIG_XML.as_bytes());
    }
    // `-k PASS` and `-pass pass:PASS` are the same thing.
    let ours = encrypt(CONFIG_XML.as_bytes(), FANCY_PASSWORD, KeyDerivation::Md5);
    let input = dir.path().join("k.enc");
    let output = dir.path().join("k.dec");
    std::fs::write(&input, &ours).unwrap();
    openssl_enc_ok(&[
        "-d",
        "-md",
        "md5",
        "-k",
        FANCY_PASSWORD,
        "-in",
        path_str(&input),
        "-out",
        path_str(&output),
    ]);
    assert_eq!(std::fs::read(&output).unwrap(), CONFIG_XML.as_bytes());
}

#[test]
fn openssl_rejects_our_file_with_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    for (kdf, options) in derivations() {
        // A fixed salt: with a random one openssl's padding check would pass
        // by chance about once in 256 runs, making the test flaky.
        let ours = encrypt_with_salt(CONFIG_XML.as_bytes(), PASSWORD, kdf, *b"handset!");
        let result = openssl_decrypt(dir.path(), &ours, "not the password", &options);
        assert!(
            result.is_err(),
            "openssl {options:?} accepted a wrong password"
        );
    }
}

#[test]
fn we_reject_openssl_file_with_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    for (kdf, options) in derivations() {
        let data = openssl_encrypt(dir.path(), CONFIG_XML.as_bytes(), PASSWORD, &options);
        assert_eq!(
            decrypt(&data, "not the password"),
            Err(DecryptError::WrongPassword),
            "{options:?}"
        );
        assert_eq!(
            decrypt(&data, FANCY_PASSWORD),
            Err(DecryptError::WrongPassword),
            "{options:?}"
        );
        // With the derivation given, only padding is checked, as openssl does;
        // the text is never handed back.
        if let Ok(plain) = decrypt_with(&data, "not the password", kdf) {
            assert_ne!(plain, CONFIG_XML.as_bytes());
        }
    }
}
