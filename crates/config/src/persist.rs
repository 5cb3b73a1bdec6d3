//! `config.txt` in the data directory: the changed values as P-value text, written atomically.
//!
//! The file is ordinary P-value text (aliases for settings without a P-value), so it is also what
//! "download device configuration" returns. Which values a person set is kept in `# user-set:`
//! comment lines, which any other reader takes as comments.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::format::{parse_text, write_text, FormatError};
use crate::schema::Schema;
use crate::store::{Commit, ConfigStore, ImportError, ImportOptions, Origin};

const USER_SET_PREFIX: &str = "# user-set:";
const HEADER: &str = "handset configuration: values that differ from the defaults.\n\
                      Written by the phone; edit with `handset config set` or import a file.";

/// Why `config.txt` could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// Reading failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: io::Error,
    },
    /// The file's content is refused.
    #[error("{path}: {source}")]
    Content {
        /// The file.
        path: String,
        /// What is wrong.
        source: ImportError,
    },
}

/// Renders the store as `config.txt`.
pub fn to_config_txt(store: &ConfigStore) -> String {
    let schema = store.schema();
    let mut out = write_text(HEADER, []);
    let user_set: Vec<String> = store.user_set_keys().map(|k| schema.key_name(k)).collect();
    for chunk in user_set.chunks(16) {
        out.push_str(USER_SET_PREFIX);
        for key in chunk {
            out.push(' ');
            out.push_str(key);
        }
        out.push('\n');
    }
    out + &write_text("", store.changed().map(|(k, v)| (schema.key_name(k), v)))
}

/// Reads `config.txt` text into a store for a phone with `accounts` accounts.
pub fn from_config_txt(
    schema: &'static Schema,
    accounts: u8,
    text: &str,
) -> Result<ConfigStore, ImportError> {
    let mut store = ConfigStore::new(schema, accounts);
    let file = parse_text(text);
    store.import(
        &file,
        &ImportOptions::default(),
        Origin::Provisioning,
        Commit::Save,
    )?;
    let user_set: Vec<_> = text
        .lines()
        .filter_map(|l| l.strip_prefix(USER_SET_PREFIX))
        .flat_map(str::split_whitespace)
        .filter_map(|k| store.resolve(k).ok())
        .collect();
    store.mark_user_set(user_set);
    store.apply();
    Ok(store)
}

/// Loads `path`, or returns defaults when it does not exist yet.
pub fn load(path: &Path, schema: &'static Schema, accounts: u8) -> Result<ConfigStore, LoadError> {
    let display = path.display().to_string();
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(ConfigStore::new(schema, accounts))
        }
        Err(source) => {
            return Err(LoadError::Io {
                path: display,
                source,
            })
        }
    };
    let text = crate::format::decode(&bytes).map_err(|e: FormatError| LoadError::Content {
        path: display.clone(),
        source: e.into(),
    })?;
    from_config_txt(schema, accounts, text).map_err(|source| LoadError::Content {
        path: display,
        source,
    })
}

/// Saves the store to `path` atomically.
pub fn save(path: &Path, store: &ConfigStore) -> io::Result<()> {
    write_atomic(path, to_config_txt(store).as_bytes())
}

/// Replaces `path` with `bytes` so that a crash at any moment leaves the old or the new file:
/// write a temporary file beside it, flush it to disk, rename it over, flush the directory.
/// The file is readable by its owner only from the moment it exists: these files hold secrets.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Origin;

    #[test]
    fn config_txt_round_trips_values_secrets_and_user_marks() {
        let schema = Schema::builtin();
        let mut store = ConfigStore::new(schema, 16);
        store
            .set_many(
                [
                    ("P47", "pbx.example # not a comment"),
                    ("P34", "sip-secret"),
                    ("P2", "AdminPw1"),
                    ("account.9.sip.userid", "909"),
                ],
                Origin::User,
                Commit::SaveAndApply,
            )
            .unwrap();
        let text = to_config_txt(&store);
        assert!(text.contains("# user-set: "), "{text}");
        let loaded = from_config_txt(schema, 16, &text).unwrap();
        assert_eq!(
            loaded.changed().collect::<Vec<_>>(),
            store.changed().collect::<Vec<_>>()
        );
        assert_eq!(
            loaded.user_set_keys().collect::<Vec<_>>(),
            store.user_set_keys().collect::<Vec<_>>()
        );
        assert!(loaded.verify_password("users.admin.password", "AdminPw1"));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "owner only");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_missing_file_is_defaults_and_a_corrupt_one_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.txt");
        let store = load(&path, Schema::builtin(), 2).unwrap();
        assert_eq!(store.changed().count(), 0);
        fs::write(&path, "P47 = ok\nP271 = maybe\n").unwrap();
        let err = load(&path, Schema::builtin(), 2).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
