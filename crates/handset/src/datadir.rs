//! The data directory: where one phone keeps its identity, configuration and data.
//!
//! ```text
//! identity.json   MAC, model, serial (kept across factory resets)
//! config.txt      changed settings as P-value text
//! config.lock     held while the configuration is read-modified-written
//! handset.db      contacts, call log, … (later)
//! certs/          device certificate and key
//! recordings/     call recordings
//! run/            endpoints.json and control.token while the daemon runs
//! ```

use std::fs::{self, File};
use std::io;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use handset_config::password;
use handset_config::persist;
use handset_config::{Commit, ConfigStore, ModelProfile, Origin, Schema};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Where a phone lives on disk.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// Who the phone is: fixed at first start, kept by factory reset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Identity {
    /// MAC-style device id: 12 lower-case hex digits.
    pub mac: String,
    /// Model profile id.
    pub model: String,
    /// Serial number.
    pub serial: String,
}

impl Identity {
    /// The model profile; unknown ids (from a newer version) fall back to the default.
    pub fn profile(&self) -> &'static ModelProfile {
        ModelProfile::find(&self.model).unwrap_or_else(ModelProfile::default_profile)
    }

    /// The MAC written with colons.
    pub fn mac_colons(&self) -> String {
        self.mac
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// Passwords created at first start or by a factory reset, shown once.
#[derive(Debug, Clone)]
pub struct NewPasswords {
    /// Administrator password.
    pub admin: String,
    /// End-user password.
    pub user: String,
}

/// An exclusive hold on the configuration files.
#[derive(Debug)]
pub struct ConfigLock {
    _file: File,
}

impl DataDir {
    /// A data directory at `root` (not created yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `config.txt`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.txt")
    }

    /// `identity.json`.
    pub fn identity_path(&self) -> PathBuf {
        self.root.join("identity.json")
    }

    /// `run/`, present while the daemon runs.
    pub fn run_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    /// `run/endpoints.json`.
    pub fn endpoints_path(&self) -> PathBuf {
        self.run_dir().join("endpoints.json")
    }

    /// `run/control.token`.
    pub fn token_path(&self) -> PathBuf {
        self.run_dir().join("control.token")
    }

    /// `certs/`.
    pub fn certs_dir(&self) -> PathBuf {
        self.root.join("certs")
    }

    /// Whether the phone has been set up here.
    pub fn exists(&self) -> bool {
        self.identity_path().is_file()
    }

    /// Reads the identity; fails if the directory was never set up.
    pub fn identity(&self) -> Result<Identity> {
        let path = self.identity_path();
        let text = fs::read_to_string(&path).with_context(|| {
            format!(
                "{}: no phone here (start one with `handset run --data-dir {}`)",
                path.display(),
                self.root.display()
            )
        })?;
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not a valid identity", path.display()))
    }

    /// Takes the configuration lock, waiting for another holder.
    pub fn lock_config(&self) -> Result<ConfigLock> {
        let path = self.root.join("config.lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("{}: cannot open", path.display()))?;
        file.lock()
            .with_context(|| format!("{}: cannot lock", path.display()))?;
        Ok(ConfigLock { _file: file })
    }

    /// Loads the configuration for this phone's model.
    pub fn load_config(&self, identity: &Identity) -> Result<ConfigStore> {
        Ok(persist::load(
            &self.config_path(),
            Schema::builtin(),
            identity.profile().accounts,
        )?)
    }

    /// Saves the configuration atomically.
    pub fn save_config(&self, store: &ConfigStore) -> Result<()> {
        let path = self.config_path();
        persist::save(&path, store).with_context(|| format!("{}: cannot save", path.display()))
    }

    /// Creates the directory, identity, passwords and certificate where missing. Returns the
    /// identity and, on first start, the new passwords to show once.
    pub fn initialize(
        &self,
        mac: Option<&str>,
        model: Option<&str>,
    ) -> Result<(Identity, Option<NewPasswords>)> {
        fs::create_dir_all(&self.root)
            .with_context(|| format!("{}: cannot create", self.root.display()))?;
        let _lock = self.lock_config()?;
        let profile = match model {
            Some(id) => Some(ModelProfile::find(id).with_context(|| {
                format!(
                    "unknown model {id:?}; known: {}",
                    handset_config::model::PROFILES
                        .iter()
                        .map(|p| p.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?),
            None => None,
        };
        let mac = mac.map(parse_mac).transpose()?;
        let identity = if self.exists() {
            let mut identity = self.identity()?;
            if let Some(mac) = mac {
                if mac != identity.mac {
                    bail!(
                        "{} belongs to device {}; use another --data-dir for {}",
                        self.root.display(),
                        identity.mac,
                        mac
                    );
                }
            }
            if let Some(profile) = profile {
                if profile.id != identity.model {
                    identity.model = profile.id.to_owned();
                    self.write_identity(&identity)?;
                }
            }
            identity
        } else {
            let identity = Identity {
                mac: mac.unwrap_or_else(random_mac),
                model: profile
                    .unwrap_or_else(ModelProfile::default_profile)
                    .id
                    .to_owned(),
                serial: random_serial(),
            };
            self.write_identity(&identity)?;
            identity
        };
        fs::create_dir_all(self.root.join("recordings"))?;
        self.remove_stale_temporaries()?;
        self.ensure_certificate(&identity)?;
        let mut store = self.load_config(&identity)?;
        let passwords = if store.get_by_name(password::HASHED_ALIASES[0])?.is_empty() {
            let new = set_new_passwords(&mut store)?;
            self.save_config(&store)?;
            Some(new)
        } else {
            None
        };
        Ok((identity, passwords))
    }

    /// Factory reset: every setting back to default, contacts, call log and recordings wiped,
    /// new login passwords; the identity and device certificate stay.
    pub fn factory_reset(&self) -> Result<NewPasswords> {
        let identity = self.identity()?;
        let _lock = self.lock_config()?;
        let mut store = ConfigStore::new(Schema::builtin(), identity.profile().accounts);
        let passwords = set_new_passwords(&mut store)?;
        for name in ["handset.db", "handset.db-wal", "handset.db-shm"] {
            remove_if_present(&self.root.join(name))?;
        }
        let recordings = self.root.join("recordings");
        if recordings.exists() {
            fs::remove_dir_all(&recordings)
                .with_context(|| format!("{}: cannot remove", recordings.display()))?;
        }
        fs::create_dir_all(&recordings)?;
        self.save_config(&store)?;
        Ok(passwords)
    }

    /// Removes temporary files of atomic writes that a crash interrupted (`.NAME.tmpPID`).
    fn remove_stale_temporaries(&self) -> Result<()> {
        for entry in fs::read_dir(&self.root)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.contains(".tmp") && entry.file_type()?.is_file() {
                remove_if_present(&entry.path())?;
            }
        }
        Ok(())
    }

    fn write_identity(&self, identity: &Identity) -> Result<()> {
        let text = serde_json::to_string_pretty(identity)? + "\n";
        persist::write_atomic(&self.identity_path(), text.as_bytes())
            .with_context(|| format!("{}: cannot write", self.identity_path().display()))
    }

    /// The device certificate and key (PEM), when both can be read.
    pub fn device_certificate_pem(&self) -> Option<(String, String)> {
        let dir = self.certs_dir();
        let cert = fs::read_to_string(dir.join("device.crt")).ok()?;
        let key = fs::read_to_string(dir.join("device.key")).ok()?;
        Some((cert, key))
    }

    fn ensure_certificate(&self, identity: &Identity) -> Result<()> {
        let dir = self.certs_dir();
        let cert_path = dir.join("device.crt");
        let key_path = dir.join("device.key");
        if cert_path.is_file() && key_path.is_file() {
            return Ok(());
        }
        fs::create_dir_all(&dir)?;
        let names = vec![
            format!("handset-{}", identity.mac),
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ];
        let cert = rcgen::generate_simple_self_signed(names)
            .context("cannot create the device certificate")?;
        persist::write_atomic(&key_path, cert.key_pair.serialize_pem().as_bytes())
            .with_context(|| format!("{}: cannot write", key_path.display()))?;
        persist::write_atomic(&cert_path, cert.cert.pem().as_bytes())
            .with_context(|| format!("{}: cannot write", cert_path.display()))
    }
}

fn set_new_passwords(store: &mut ConfigStore) -> Result<NewPasswords> {
    let new = NewPasswords {
        admin: password::generate(16),
        user: password::generate(12),
    };
    store
        .set_many(
            [
                (password::HASHED_ALIASES[0], new.admin.as_str()),
                (password::HASHED_ALIASES[1], new.user.as_str()),
            ],
            Origin::User,
            Commit::SaveAndApply,
        )
        .context("cannot set the login passwords")?;
    Ok(new)
}

/// Accepts `00:0B:82:12:34:56`, `00-0b-82-12-34-56` or `000b82123456`.
pub fn parse_mac(text: &str) -> Result<String> {
    let hex: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!("{text:?} is not a MAC address (12 hex digits, e.g. 00:0b:82:12:34:56)");
    }
    Ok(hex.to_ascii_lowercase())
}

/// A random locally administered unicast MAC, so it never collides with real hardware.
fn random_mac() -> String {
    let mut bytes: [u8; 6] = rand::thread_rng().gen();
    bytes[0] = (bytes[0] & 0xfc) | 0x02;
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_serial() -> String {
    let n: u64 = rand::thread_rng().gen_range(0..1_000_000_000_000);
    format!("HS{n:012}")
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("{}: cannot remove", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_parse_in_common_spellings() {
        assert_eq!(parse_mac("00:0B:82:12:34:56").unwrap(), "000b82123456");
        assert_eq!(parse_mac("00-0b-82-12-34-56").unwrap(), "000b82123456");
        assert!(parse_mac("00:0b:82").is_err());
        assert!(parse_mac("zz0b82123456").is_err());
        let random = random_mac();
        assert_eq!(parse_mac(&random).unwrap(), random);
    }

    #[test]
    fn first_start_creates_identity_passwords_and_certificate_once() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path().join("phone"));
        let (id, pw) = data
            .initialize(Some("00:0b:82:00:00:01"), Some("grp2614"))
            .unwrap();
        assert_eq!(id.mac, "000b82000001");
        let pw = pw.expect("first start makes passwords");
        let store = data.load_config(&id).unwrap();
        assert_eq!(store.accounts(), 4);
        assert!(store.verify_password("users.admin.password", &pw.admin));
        assert!(store.verify_password("users.user.password", &pw.user));
        assert!(data.certs_dir().join("device.crt").is_file());
        let stale = data.root().join(".config.txt.tmp4242");
        fs::write(&stale, b"half a file").unwrap();
        let (again, none) = data.initialize(None, None).unwrap();
        assert_eq!(again, id);
        assert!(none.is_none());
        assert!(
            !stale.exists(),
            "a crash's temporary file is cleaned up at start"
        );
        assert!(data.initialize(Some("00:0b:82:00:00:02"), None).is_err());
    }

    #[test]
    fn factory_reset_keeps_identity_and_replaces_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        let (id, pw) = data.initialize(None, None).unwrap();
        let pw = pw.unwrap();
        let mut store = data.load_config(&id).unwrap();
        store
            .set_many([("P47", "pbx.example")], Origin::User, Commit::SaveAndApply)
            .unwrap();
        data.save_config(&store).unwrap();
        fs::write(dir.path().join("recordings/call.wav"), b"RIFF").unwrap();
        let new = data.factory_reset().unwrap();
        let store = data.load_config(&id).unwrap();
        assert_eq!(store.get_by_name("P47").unwrap(), "");
        assert!(!store.verify_password("users.admin.password", &pw.admin));
        assert!(store.verify_password("users.admin.password", &new.admin));
        assert!(!dir.path().join("recordings/call.wav").exists());
        assert_eq!(data.identity().unwrap(), id);
    }
}
