//! The typed store of current values.
//!
//! Values are kept in P-value text form and only where they differ from the default. Edits come
//! in as a whole (a file, a form): every value is checked first and the batch applies whole or
//! not at all. "Save" stores a batch and holds its notification; "save and apply" stores it and
//! tells subscribers at once, together with anything saved before.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::sync::Arc;

use crate::format::{Entry, Format, FormatError, ParsedFile};
use crate::password;
use crate::report::{Change, ChangeSet, Ignored, IgnoredReason, ImportReport, Invalid, MASK};
use crate::schema::{Effect, Lookup, Schema, SettingDef, SettingKey, MAX_ACCOUNTS};
use crate::value::normalize;

/// Who makes a change; decides what user protection keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A person: web UI, keypad, `handset config set`.
    User,
    /// A provisioning server, Plug-and-Play, TR-069, or an uploaded config file.
    Provisioning,
}

/// Whether saved changes are applied (announced to subscribers) now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Store the values; subscribers hear of them at the next apply.
    Save,
    /// Store the values and announce everything pending.
    SaveAndApply,
}

/// Checks a file must pass before its values are looked at.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The device's MAC (12 lower-case hex digits); an XML `<mac>` must match it.
    pub device_mac: Option<String>,
}

/// Why a file or an edit was refused as a whole. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be read.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The file names another device.
    #[error("the file is for device {file}, this is {device}")]
    MacMismatch {
        /// The `<mac>` in the file.
        file: String,
        /// This device's MAC.
        device: String,
    },
    /// "Authenticate config file" is on and the file's P1 is missing or wrong.
    #[error("the file must carry the admin password in P1 (authenticate config file is on)")]
    NotAuthenticated,
    /// Some values are invalid.
    #[error("{} invalid value(s); nothing was applied; first: {}", .0.invalid.len(), .0.invalid.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Box<ImportReport>),
}

/// Why a single key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// No setting has this P-value or alias.
    #[error("{0}: no such setting")]
    Unknown(String),
    /// The account number is out of range for this model.
    #[error("{key}: account {account} does not exist (this model has {accounts})")]
    NoSuchAccount {
        /// The key as given.
        key: String,
        /// The account addressed.
        account: u8,
        /// Accounts on this model.
        accounts: u8,
    },
}

/// Which values an export contains.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions {
    /// Only values that differ from the default.
    pub changed_only: bool,
    /// Include passwords and other secrets (hashed login passwords stay hashed).
    pub with_secrets: bool,
}

/// The result of an export.
#[derive(Debug, Clone)]
pub struct Export {
    /// The file's text.
    pub text: String,
    /// How many values were written.
    pub written: usize,
    /// Secrets left out.
    pub secrets_left_out: usize,
    /// Values the format cannot carry (no P-value in v1, no alias in v2).
    pub not_representable: usize,
}

/// The P-value that carries the admin password inside a file when "authenticate config file"
/// is on. It is never stored.
const AUTH_PVALUE: &str = "P1";
/// "Authenticate config file".
const AUTHENTICATE_FILE: &str = "provisioning.config.authenticateFile";
/// "User protection".
const USER_PROTECTION: &str = "provisioning.userProtect.enable";

/// The phone's current configuration.
#[derive(Debug)]
pub struct ConfigStore {
    schema: &'static Schema,
    accounts: u8,
    values: BTreeMap<SettingKey, String>,
    user_set: BTreeSet<SettingKey>,
    pending: Vec<Change>,
    subscribers: Vec<mpsc::Sender<Arc<ChangeSet>>>,
}

impl ConfigStore {
    /// A store holding only defaults, for a phone with `accounts` SIP accounts.
    pub fn new(schema: &'static Schema, accounts: u8) -> Self {
        Self {
            schema,
            accounts: accounts.clamp(1, MAX_ACCOUNTS),
            values: BTreeMap::new(),
            user_set: BTreeSet::new(),
            pending: Vec::new(),
            subscribers: Vec::new(),
        }
    }

    /// The schema the store validates against.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// Number of SIP accounts.
    pub fn accounts(&self) -> u8 {
        self.accounts
    }

    /// Resolves a key as users write it (`P47`, `47`, alias) for this model.
    pub fn resolve(&self, key: &str) -> Result<SettingKey, KeyError> {
        match self.schema.lookup(key) {
            Lookup::Found(k) if k.account <= self.accounts => Ok(k),
            Lookup::Found(k) => Err(KeyError::NoSuchAccount {
                key: key.to_owned(),
                account: k.account,
                accounts: self.accounts,
            }),
            Lookup::BadAccount(account) => Err(KeyError::NoSuchAccount {
                key: key.to_owned(),
                account,
                accounts: self.accounts,
            }),
            Lookup::Unknown => Err(KeyError::Unknown(key.to_owned())),
        }
    }

    /// The current value of a setting, in P-value text form.
    pub fn get(&self, key: SettingKey) -> &str {
        self.values
            .get(&key)
            .map(String::as_str)
            .unwrap_or_else(|| self.default_of(key))
    }

    /// The default of a setting.
    pub fn default_of(&self, key: SettingKey) -> &str {
        &self.schema.def(key.id).default
    }

    /// Whether the value differs from the default.
    pub fn is_changed(&self, key: SettingKey) -> bool {
        self.values.contains_key(&key)
    }

    /// Whether a person set this value (kept from provisioning when user protection is on).
    pub fn is_user_set(&self, key: SettingKey) -> bool {
        self.user_set.contains(&key)
    }

    /// Gets a setting by the name users write.
    pub fn get_by_name(&self, key: &str) -> Result<&str, KeyError> {
        Ok(self.get(self.resolve(key)?))
    }

    /// Checks a login password against the stored hash (`users.admin.password` or
    /// `users.user.password`). Never true before a password has been set.
    pub fn verify_password(&self, alias: &str, candidate: &str) -> bool {
        match self.resolve(alias) {
            Ok(key) => password::verify(candidate, self.get(key)),
            Err(_) => false,
        }
    }

    /// Receives every applied change set from now on.
    pub fn subscribe(&mut self) -> mpsc::Receiver<Arc<ChangeSet>> {
        let (tx, rx) = mpsc::channel();
        self.subscribers.push(tx);
        rx
    }

    /// Changes saved but not applied yet.
    pub fn pending(&self) -> &[Change] {
        &self.pending
    }

    /// Announces every pending change to subscribers; returns what was announced.
    pub fn apply(&mut self) -> Option<Arc<ChangeSet>> {
        if self.pending.is_empty() {
            return None;
        }
        let set = Arc::new(ChangeSet {
            changes: std::mem::take(&mut self.pending),
        });
        self.subscribers
            .retain(|s| s.send(Arc::clone(&set)).is_ok());
        Some(set)
    }

    /// Checks a parsed file against the schema and this store without changing anything.
    pub fn check(
        &self,
        file: &ParsedFile,
        options: &ImportOptions,
        origin: Origin,
    ) -> Result<ImportReport, ImportError> {
        if let (Some(in_file), Some(device)) = (file.mac.as_deref(), &options.device_mac) {
            if !in_file.is_empty() && in_file != device.as_str() {
                return Err(ImportError::MacMismatch {
                    file: in_file.to_owned(),
                    device: device.clone(),
                });
            }
        }
        let (auth, entries): (Vec<&Entry>, Vec<&Entry>) = file
            .entries
            .iter()
            .partition(|e| e.key.eq_ignore_ascii_case(AUTH_PVALUE));
        if self.flag(AUTHENTICATE_FILE) {
            let admin = self.resolve(password::HASHED_ALIASES[0]).ok();
            let ok = match (auth.last(), admin) {
                (Some(p1), Some(admin)) => password::verify(&p1.value, self.get(admin)),
                _ => false,
            };
            if !ok {
                return Err(ImportError::NotAuthenticated);
            }
        }
        let mut plan = Plan::new(self, file.format, origin);
        for entry in entries {
            plan.add(entry);
        }
        let mut report = plan.finish();
        report.skipped = file.skipped.clone();
        Ok(report)
    }

    /// Checks and applies a parsed file: all of it, or nothing when any value is invalid.
    pub fn import(
        &mut self,
        file: &ParsedFile,
        options: &ImportOptions,
        origin: Origin,
        commit: Commit,
    ) -> Result<ImportReport, ImportError> {
        let report = self.check(file, options, origin)?;
        if !report.is_valid() {
            return Err(ImportError::Invalid(Box::new(report)));
        }
        self.commit(report.changes.clone(), origin, commit);
        Ok(report)
    }

    /// Sets several settings at once, as a web form or `handset config set` does.
    pub fn set_many<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        origin: Origin,
        commit: Commit,
    ) -> Result<ImportReport, ImportError> {
        let file = ParsedFile {
            format: Format::Text,
            mac: None,
            entries: pairs
                .into_iter()
                .map(|(key, value)| Entry {
                    key: key.to_owned(),
                    value: value.to_owned(),
                    line: 0,
                })
                .collect(),
            skipped: Vec::new(),
        };
        let report = self.check(&file, &ImportOptions::default(), origin)?;
        if let Some(ignored) = report
            .ignored
            .iter()
            .find(|i| i.reason != IgnoredReason::UserProtected)
        {
            // A person naming a setting that does not exist is an error, not a warning.
            let mut report = report.clone();
            report.invalid.push(Invalid {
                key: ignored.key.clone(),
                label: String::new(),
                line: 0,
                value: String::new(),
                reason: ignored.reason.to_string(),
            });
            return Err(ImportError::Invalid(Box::new(report)));
        }
        if !report.is_valid() {
            return Err(ImportError::Invalid(Box::new(report)));
        }
        self.commit(report.changes.clone(), origin, commit);
        Ok(report)
    }

    /// Puts settings back to their defaults (a page's "Reset").
    pub fn reset(&mut self, keys: &[SettingKey], commit: Commit) -> ChangeSet {
        let changes: Vec<Change> = keys
            .iter()
            .filter(|k| self.values.contains_key(k))
            .map(|&key| self.change(key, self.default_of(key).to_owned()))
            .collect();
        for key in keys {
            self.user_set.remove(key);
        }
        self.commit(changes.clone(), Origin::User, commit);
        ChangeSet { changes }
    }

    /// Every value back to its default (the configuration part of a factory reset).
    pub fn reset_all(&mut self, commit: Commit) -> ChangeSet {
        let keys: Vec<SettingKey> = self.values.keys().copied().collect();
        self.reset(&keys, commit)
    }

    /// Values that differ from the default, in key order.
    pub fn changed(&self) -> impl Iterator<Item = (SettingKey, &str)> {
        self.values.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// Keys set by a person.
    pub fn user_set_keys(&self) -> impl Iterator<Item = SettingKey> + '_ {
        self.user_set.iter().copied()
    }

    /// Marks keys as set by a person (when loading saved state).
    pub fn mark_user_set(&mut self, keys: impl IntoIterator<Item = SettingKey>) {
        self.user_set.extend(keys);
    }

    /// Writes the configuration in a file format.
    pub fn export(&self, format: Format, mac: Option<&str>, options: ExportOptions) -> Export {
        let mut secrets_left_out = 0;
        let mut not_representable = 0;
        let mut pairs: Vec<(String, &str)> = Vec::new();
        for key in self.schema.keys(self.accounts) {
            if options.changed_only && !self.is_changed(key) {
                continue;
            }
            let def = self.schema.def(key.id);
            if def.is_secret() && !options.with_secrets {
                secrets_left_out += 1;
                continue;
            }
            let value = self.get(key);
            let name = match format {
                Format::Text => Some(self.schema.key_name(key)),
                Format::XmlV1 => def.pvalue_for(key.account).map(|p| format!("P{p}")),
                Format::XmlV2 => def.alias_for(key.account),
            };
            let Some(name) = name else {
                not_representable += 1;
                continue;
            };
            let value = match format {
                Format::XmlV2 => crate::value::word_of(def, value),
                _ => value,
            };
            pairs.push((name, value));
        }
        let written = pairs.len();
        let text = match format {
            Format::Text => {
                crate::format::write_text("handset configuration (P-value text)", pairs)
            }
            Format::XmlV1 => crate::format::write_xml_v1(mac, pairs),
            Format::XmlV2 => crate::format::write_xml_v2(pairs),
        };
        Export {
            text,
            written,
            secrets_left_out,
            not_representable,
        }
    }

    fn flag(&self, alias: &str) -> bool {
        self.resolve(alias)
            .map(|k| self.get(k) == "1")
            .unwrap_or(false)
    }

    fn change(&self, key: SettingKey, new: String) -> Change {
        let def = self.schema.def(key.id);
        Change {
            key,
            name: self.schema.key_name(key),
            old: self.get(key).to_owned(),
            new,
            secret: def.is_secret(),
            needs_restart: def.effect == Effect::Restart,
        }
    }

    fn commit(&mut self, changes: Vec<Change>, origin: Origin, commit: Commit) {
        for change in &changes {
            if change.new == self.default_of(change.key) {
                self.values.remove(&change.key);
            } else {
                self.values.insert(change.key, change.new.clone());
            }
            match origin {
                Origin::User => self.user_set.insert(change.key),
                Origin::Provisioning => self.user_set.remove(&change.key),
            };
        }
        self.pending.extend(changes);
        if commit == Commit::SaveAndApply {
            self.apply();
        }
    }
}

/// Builds an import report entry by entry; later entries for the same key win.
struct Plan<'a> {
    store: &'a ConfigStore,
    origin: Origin,
    protect: bool,
    format: Format,
    staged: BTreeMap<SettingKey, (String, usize)>,
    ignored: Vec<Ignored>,
    invalid: Vec<Invalid>,
}

impl<'a> Plan<'a> {
    fn new(store: &'a ConfigStore, format: Format, origin: Origin) -> Self {
        Self {
            store,
            origin,
            protect: store.flag(USER_PROTECTION),
            format,
            staged: BTreeMap::new(),
            ignored: Vec::new(),
            invalid: Vec::new(),
        }
    }

    fn add(&mut self, entry: &Entry) {
        let key = match self.store.resolve(&entry.key) {
            Ok(key) => key,
            Err(e) => {
                let reason = match e {
                    KeyError::Unknown(_) => IgnoredReason::UnknownSetting,
                    KeyError::NoSuchAccount {
                        account, accounts, ..
                    } => IgnoredReason::NoSuchAccount { account, accounts },
                };
                self.ignored.push(Ignored {
                    key: entry.key.clone(),
                    line: entry.line,
                    reason,
                });
                return;
            }
        };
        let def = self.store.schema.def(key.id);
        if self.protect && self.origin == Origin::Provisioning && self.store.is_user_set(key) {
            self.ignored.push(Ignored {
                key: entry.key.clone(),
                line: entry.line,
                reason: IgnoredReason::UserProtected,
            });
            return;
        }
        match self.value_for(key, def, &entry.value) {
            Ok(value) => {
                self.staged.insert(key, (value, entry.line));
            }
            Err(reason) => self.invalid.push(Invalid {
                key: entry.key.clone(),
                label: def.label.clone(),
                line: entry.line,
                value: if def.is_secret() {
                    MASK.to_owned()
                } else {
                    entry.value.clone()
                },
                reason,
            }),
        }
    }

    fn value_for(&self, key: SettingKey, def: &SettingDef, raw: &str) -> Result<String, String> {
        let hashed = def
            .alias
            .as_deref()
            .is_some_and(|a| password::HASHED_ALIASES.contains(&a));
        if !hashed {
            return normalize(def, raw).map_err(|e| e.to_string());
        }
        let current = self.store.get(key);
        if raw.is_empty() || password::is_hash(raw) {
            // Empty keeps the current password; a hash comes from a backup of this phone.
            return Ok(if raw.is_empty() { current } else { raw }.to_owned());
        }
        if raw.chars().count() > password::MAX_LEN || raw.chars().any(char::is_control) {
            return Err(format!(
                "a password has at most {} characters and no control characters",
                password::MAX_LEN
            ));
        }
        if password::verify(raw, current) {
            return Ok(current.to_owned());
        }
        Ok(password::hash(raw))
    }

    fn finish(self) -> ImportReport {
        let mut changes = Vec::new();
        let mut unchanged = 0;
        for (key, (value, _line)) in self.staged {
            if self.store.get(key) == value {
                unchanged += 1;
            } else {
                changes.push(self.store.change(key, value));
            }
        }
        ImportReport {
            format: self.format,
            changes,
            unchanged,
            ignored: self.ignored,
            skipped: Vec::new(),
            invalid: self.invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse;

    fn store() -> ConfigStore {
        ConfigStore::new(Schema::builtin(), 6)
    }

    fn import(
        store: &mut ConfigStore,
        text: &str,
        origin: Origin,
    ) -> Result<ImportReport, ImportError> {
        let file = parse(text.as_bytes()).unwrap();
        store.import(
            &file,
            &ImportOptions::default(),
            origin,
            Commit::SaveAndApply,
        )
    }

    #[test]
    fn a_file_with_one_invalid_value_changes_nothing() {
        let mut s = store();
        let err = import(
            &mut s,
            "P47 = sip.example.com\nP271 = 7\n",
            Origin::Provisioning,
        )
        .unwrap_err();
        let ImportError::Invalid(report) = err else {
            panic!("{err:?}")
        };
        assert_eq!(report.invalid[0].line, 2);
        assert_eq!(s.get_by_name("P47").unwrap(), "");
    }

    #[test]
    fn unknown_keys_and_foreign_accounts_are_reported_not_fatal() {
        let mut s = ConfigStore::new(Schema::builtin(), 2);
        let r = import(
            &mut s,
            "P99999 = 1\nP47 = a.example\nP502 = b.example\naccount.9.sip.userid = 9\n",
            Origin::Provisioning,
        )
        .unwrap();
        assert_eq!(r.changes.len(), 1);
        let reasons: Vec<_> = r
            .ignored
            .iter()
            .map(|i| (i.line, i.reason.clone()))
            .collect();
        assert_eq!(reasons[0], (1, IgnoredReason::UnknownSetting));
        assert!(matches!(
            reasons[1],
            (
                3,
                IgnoredReason::NoSuchAccount {
                    account: 3,
                    accounts: 2
                }
            )
        ));
        assert!(matches!(
            reasons[2],
            (4, IgnoredReason::NoSuchAccount { account: 9, .. })
        ));
    }

    #[test]
    fn save_holds_notifications_until_apply() {
        let mut s = store();
        let rx = s.subscribe();
        s.set_many([("P47", "x.example")], Origin::User, Commit::Save)
            .unwrap();
        assert!(rx.try_recv().is_err());
        assert_eq!(s.get_by_name("P47").unwrap(), "x.example");
        s.set_many([("P35", "1000")], Origin::User, Commit::SaveAndApply)
            .unwrap();
        let set = rx.try_recv().unwrap();
        let names: Vec<&str> = set.changes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["P47", "P35"]);
        assert!(s.apply().is_none());
    }

    #[test]
    fn user_protection_keeps_what_the_user_set() {
        let mut s = store();
        s.set_many(
            [("P47", "mine.example")],
            Origin::User,
            Commit::SaveAndApply,
        )
        .unwrap();
        import(&mut s, "P47 = theirs.example\n", Origin::Provisioning).unwrap();
        assert_eq!(s.get_by_name("P47").unwrap(), "theirs.example");

        s.set_many(
            [("P47", "mine.example"), ("P9996", "1")],
            Origin::User,
            Commit::SaveAndApply,
        )
        .unwrap();
        let r = import(
            &mut s,
            "P47 = theirs.example\nP35 = 2000\n",
            Origin::Provisioning,
        )
        .unwrap();
        assert_eq!(s.get_by_name("P47").unwrap(), "mine.example");
        assert_eq!(s.get_by_name("P35").unwrap(), "2000");
        assert_eq!(r.ignored[0].reason, IgnoredReason::UserProtected);
    }

    #[test]
    fn login_passwords_are_stored_hashed_and_have_no_default() {
        let mut s = store();
        assert!(!s.verify_password("users.admin.password", "admin"));
        assert!(!s.verify_password("users.admin.password", ""));
        s.set_many([("P2", "Secret123")], Origin::User, Commit::SaveAndApply)
            .unwrap();
        let stored = s.get_by_name("P2").unwrap();
        assert!(password::is_hash(stored));
        assert!(s.verify_password("users.admin.password", "Secret123"));
        let again = s
            .set_many([("P2", "Secret123")], Origin::User, Commit::SaveAndApply)
            .unwrap();
        assert!(again.changes.is_empty(), "same password is no change");
        let too_long = "x".repeat(33);
        assert!(s
            .set_many([("P2", too_long.as_str())], Origin::User, Commit::Save)
            .is_err());
    }

    #[test]
    fn authenticate_config_file_requires_the_admin_password_in_p1() {
        let mut s = store();
        s.set_many(
            [("P2", "Adm1nPass"), ("P240", "1")],
            Origin::User,
            Commit::SaveAndApply,
        )
        .unwrap();
        assert_eq!(
            import(&mut s, "P47 = a.example\n", Origin::Provisioning).unwrap_err(),
            ImportError::NotAuthenticated
        );
        assert_eq!(
            import(
                &mut s,
                "P1 = wrong\nP47 = a.example\n",
                Origin::Provisioning
            )
            .unwrap_err(),
            ImportError::NotAuthenticated
        );
        let r = import(
            &mut s,
            "P1 = Adm1nPass\nP47 = a.example\n",
            Origin::Provisioning,
        )
        .unwrap();
        assert_eq!(r.changes.len(), 1);
        assert!(r.ignored.is_empty(), "P1 is not reported as unknown");
    }

    #[test]
    fn a_file_for_another_mac_is_refused() {
        let mut s = store();
        let file = parse(b"<gs_provision><mac>000b82aaaaaa</mac><config version=\"1\"><P47>x</P47></config></gs_provision>").unwrap();
        let options = ImportOptions {
            device_mac: Some("000b82123456".into()),
        };
        let err = s
            .import(&file, &options, Origin::Provisioning, Commit::SaveAndApply)
            .unwrap_err();
        assert!(matches!(err, ImportError::MacMismatch { .. }));
        assert_eq!(s.get_by_name("P47").unwrap(), "");
    }

    #[test]
    fn export_leaves_out_secrets_unless_asked() {
        let mut s = store();
        s.set_many(
            [("P34", "sippass"), ("P47", "pbx.example")],
            Origin::User,
            Commit::SaveAndApply,
        )
        .unwrap();
        let plain = s.export(
            Format::Text,
            None,
            ExportOptions {
                changed_only: true,
                with_secrets: false,
            },
        );
        assert!(!plain.text.contains("sippass"));
        assert_eq!(plain.secrets_left_out, 1);
        let full = s.export(
            Format::Text,
            None,
            ExportOptions {
                changed_only: true,
                with_secrets: true,
            },
        );
        assert!(full.text.contains("P34 = sippass"));
    }

    #[test]
    fn v2_export_uses_words_and_reimports_equal() {
        let mut s = ConfigStore::new(Schema::builtin(), 16);
        s.set_many(
            [
                ("account.1.network.dnsMode", "SRV"),
                ("account.8.sip.userid", "808"),
                ("P91", "1"),
            ],
            Origin::User,
            Commit::SaveAndApply,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let exported = s.export(
            Format::XmlV2,
            None,
            ExportOptions {
                changed_only: true,
                with_secrets: true,
            },
        );
        assert!(exported.text.contains(">SRV</item>"), "{}", exported.text);
        let mut again = ConfigStore::new(Schema::builtin(), 16);
        import(&mut again, &exported.text, Origin::Provisioning).unwrap();
        let a: Vec<_> = s.changed().collect();
        let b: Vec<_> = again.changed().collect();
        assert_eq!(a, b);
    }
}
