//! Changes to the configuration, the same whether the CLI applies them to the files directly or
//! the running daemon applies them for it.

use anyhow::{Context, Result};
use handset_config::encryption;
use handset_config::report::{IgnoredReason, MASK};
use handset_config::{
    format, Commit, ConfigStore, ImportError, ImportOptions, ImportReport, Origin,
};
use serde::{Deserialize, Serialize};

/// Alias of the password that opens encrypted configuration files.
pub const FILE_PASSWORD_ALIAS: &str = "provisioning.config.filePassword";

/// One change request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edit {
    /// Set values by P-value or alias.
    Set {
        /// `(key, value)` pairs.
        values: Vec<(String, String)>,
        /// Announce to the phone's parts now ("save and apply") or only store ("save").
        apply: bool,
    },
    /// Import a configuration file of any format (base64, it may be encrypted).
    Import {
        /// The file's bytes, base64.
        data_base64: String,
        /// Password for an encrypted file; else the phone's XML config file password is tried.
        password: Option<String>,
        /// Whether the file comes from a person (kept under user protection) or provisioning.
        from_user: bool,
    },
    /// Reset every setting to its default.
    ResetAll,
}

/// What an edit did, for people and scripts.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Outcome {
    /// The file's format, for imports.
    pub format: Option<String>,
    /// `name: old -> new` for each change (secrets masked).
    pub changed: Vec<String>,
    /// Values given that were already current.
    pub unchanged: usize,
    /// `line N: KEY: reason` for keys passed over.
    pub ignored: Vec<String>,
    /// Unknown keys (also listed in `ignored`).
    pub unknown: Vec<String>,
    /// `line N: text` for non-setting lines.
    pub skipped: Vec<String>,
    /// `line N: KEY (label): reason`; non-empty means nothing was applied.
    pub invalid: Vec<String>,
    /// Whether some change needs a restart.
    pub restart_required: bool,
    /// A whole-file refusal (wrong MAC, authentication, unreadable file).
    pub error: Option<String>,
}

impl Outcome {
    /// Whether the edit was applied.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.invalid.is_empty()
    }

    fn from_report(report: &ImportReport) -> Self {
        Self {
            format: Some(report.format.to_string()),
            changed: report.changes.iter().map(ToString::to_string).collect(),
            unchanged: report.unchanged,
            ignored: report
                .ignored
                .iter()
                .map(|i| format!("line {}: {}: {}", i.line, i.key, i.reason))
                .collect(),
            unknown: report
                .ignored
                .iter()
                .filter(|i| i.reason == IgnoredReason::UnknownSetting)
                .map(|i| i.key.clone())
                .collect(),
            skipped: report
                .skipped
                .iter()
                .map(|s| format!("line {}: {}", s.line, s.what))
                .collect(),
            invalid: report.invalid.iter().map(ToString::to_string).collect(),
            restart_required: report.restart_required(),
            error: None,
        }
    }

    fn from_error(error: ImportError) -> Self {
        match error {
            ImportError::Invalid(report) => Self::from_report(&report),
            other => Self {
                error: Some(other.to_string()),
                ..Self::default()
            },
        }
    }

    /// Human-readable lines.
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        if let Some(error) = &self.error {
            out.push_str(&format!("refused: {error}\n"));
            return out;
        }
        for line in &self.invalid {
            out.push_str(&format!("invalid: {line}\n"));
        }
        if !self.invalid.is_empty() {
            out.push_str("nothing was applied\n");
            return out;
        }
        if verbose {
            for line in &self.changed {
                out.push_str(&format!("changed: {line}\n"));
            }
        }
        for line in &self.ignored {
            out.push_str(&format!("ignored: {line}\n"));
        }
        for line in &self.skipped {
            out.push_str(&format!("skipped: {line}\n"));
        }
        out.push_str(&format!(
            "{}{} changed, {} unchanged, {} ignored ({} unknown)\n",
            self.format
                .as_deref()
                .map(|f| format!("{f}: "))
                .unwrap_or_default(),
            self.changed.len(),
            self.unchanged,
            self.ignored.len(),
            self.unknown.len()
        ));
        if self.restart_required {
            out.push_str("restart the phone for some changes to take effect\n");
        }
        out
    }
}

/// Decrypts a file when it is encrypted, with the given password or the phone's own.
pub fn open_file(store: &ConfigStore, bytes: Vec<u8>, password: Option<&str>) -> Result<Vec<u8>> {
    if !encryption::is_encrypted(&bytes) {
        return Ok(bytes);
    }
    let own = store.get_by_name(FILE_PASSWORD_ALIAS).unwrap_or("");
    let password = match password {
        Some(p) => p,
        None if !own.is_empty() => own,
        None => anyhow::bail!(
            "the file is encrypted: give --password or set the XML config file password (P1359)"
        ),
    };
    Ok(encryption::decrypt(&bytes, password)
        .context("cannot decrypt the file")?
        .plain)
}

/// Checks a file without applying it.
pub fn check(store: &ConfigStore, bytes: Vec<u8>, password: Option<&str>, mac: &str) -> Outcome {
    let plan = || -> Result<std::result::Result<ImportReport, ImportError>> {
        let plain = open_file(store, bytes, password)?;
        let file = format::parse(&plain)?;
        Ok(store.check(&file, &options(mac), Origin::Provisioning))
    };
    match plan() {
        Ok(Ok(report)) => Outcome::from_report(&report),
        Ok(Err(e)) => Outcome::from_error(e),
        Err(e) => Outcome {
            error: Some(format!("{e:#}")),
            ..Outcome::default()
        },
    }
}

/// Applies an edit to the store. The caller saves the store when the outcome is ok.
pub fn apply(store: &mut ConfigStore, edit: Edit, mac: &str) -> Outcome {
    let result = match edit {
        Edit::Set { values, apply } => store.set_many(
            values.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            Origin::User,
            if apply {
                Commit::SaveAndApply
            } else {
                Commit::Save
            },
        ),
        Edit::Import {
            data_base64,
            password,
            from_user,
        } => {
            let file = decode_base64(&data_base64)
                .and_then(|bytes| open_file(store, bytes, password.as_deref()))
                .and_then(|plain| Ok(format::parse(&plain)?));
            match file {
                Ok(file) => store.import(
                    &file,
                    &options(mac),
                    if from_user {
                        Origin::User
                    } else {
                        Origin::Provisioning
                    },
                    Commit::SaveAndApply,
                ),
                Err(e) => {
                    return Outcome {
                        error: Some(format!("{e:#}")),
                        ..Outcome::default()
                    }
                }
            }
        }
        Edit::ResetAll => {
            let set = store.reset_all(Commit::SaveAndApply);
            return Outcome {
                changed: set.changes.iter().map(ToString::to_string).collect(),
                restart_required: set.restart_required(),
                ..Outcome::default()
            };
        }
    };
    match result {
        Ok(report) => Outcome::from_report(&report),
        Err(e) => Outcome::from_error(e),
    }
}

fn options(mac: &str) -> ImportOptions {
    ImportOptions {
        device_mac: Some(mac.to_owned()),
    }
}

/// Encodes file bytes for an [`Edit::Import`].
pub fn encode_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn decode_base64(text: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .context("the file data is not valid base64")
}

/// Shows a value, masking secrets.
pub fn display_value(store: &ConfigStore, key: handset_config::SettingKey) -> String {
    let def = store.schema().def(key.id);
    let value = store.get(key);
    if def.is_secret() && !value.is_empty() {
        MASK.to_owned()
    } else {
        value.to_owned()
    }
}
