//! What an import or a set of edits did: changes, unknown keys, invalid values.

use std::fmt;

use crate::format::{Format, Skipped};
use crate::schema::SettingKey;

/// Text shown instead of a secret.
pub const MASK: &str = "********";

/// One setting whose value changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The setting.
    pub key: SettingKey,
    /// Its canonical name (`P47` or alias).
    pub name: String,
    /// Value before, in P-value text form.
    pub old: String,
    /// Value after, in P-value text form.
    pub new: String,
    /// Whether the value is a secret (masked when displayed).
    pub secret: bool,
    /// Whether the phone must restart for it to take effect.
    pub needs_restart: bool,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secret {
            write!(f, "{}: {MASK} -> {MASK}", self.name)
        } else {
            write!(f, "{}: {:?} -> {:?}", self.name, self.old, self.new)
        }
    }
}

/// Changes applied together, as subscribers receive them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// The changed settings.
    pub changes: Vec<Change>,
}

impl ChangeSet {
    /// Whether any change needs a restart to take effect.
    pub fn restart_required(&self) -> bool {
        self.changes.iter().any(|c| c.needs_restart)
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Why a key in a file was not applied without being an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoredReason {
    /// The schema has no such setting.
    UnknownSetting,
    /// The account number does not exist on this model.
    NoSuchAccount {
        /// The account addressed.
        account: u8,
        /// How many accounts the model has.
        accounts: u8,
    },
    /// The user set this value and user protection is on.
    UserProtected,
}

impl fmt::Display for IgnoredReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownSetting => f.write_str("unknown setting"),
            Self::NoSuchAccount { account, accounts } => {
                write!(
                    f,
                    "account {account} does not exist (this model has {accounts})"
                )
            }
            Self::UserProtected => f.write_str("kept: set by the user and user protection is on"),
        }
    }
}

/// A key that was passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    /// The key as written.
    pub key: String,
    /// 1-based line.
    pub line: usize,
    /// Why.
    pub reason: IgnoredReason,
}

/// A value that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The key as written.
    pub key: String,
    /// The setting's label, when known.
    pub label: String,
    /// 1-based line.
    pub line: usize,
    /// The value as written (masked for secrets).
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Edits that come from a form or the command line have no line.
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        f.write_str(&self.key)?;
        if !self.label.is_empty() {
            write!(f, " ({})", self.label)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The outcome of checking or importing a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The file's format.
    pub format: Format,
    /// Settings whose value changes (or would).
    pub changes: Vec<Change>,
    /// Settings present with the value they already had.
    pub unchanged: usize,
    /// Keys passed over.
    pub ignored: Vec<Ignored>,
    /// Lines or elements that were not settings.
    pub skipped: Vec<Skipped>,
    /// Values refused; any of these means nothing was applied.
    pub invalid: Vec<Invalid>,
}

impl ImportReport {
    /// Whether the file can be applied.
    pub fn is_valid(&self) -> bool {
        self.invalid.is_empty()
    }

    /// Whether applying it needs a restart.
    pub fn restart_required(&self) -> bool {
        self.changes.iter().any(|c| c.needs_restart)
    }

    /// Keys passed over because the schema does not know them.
    pub fn unknown_keys(&self) -> impl Iterator<Item = &Ignored> {
        self.ignored
            .iter()
            .filter(|i| i.reason == IgnoredReason::UnknownSetting)
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} changed, {} unchanged, {} ignored, {} skipped lines, {} invalid",
            self.format,
            self.changes.len(),
            self.unchanged,
            self.ignored.len(),
            self.skipped.len(),
            self.invalid.len()
        )?;
        for invalid in &self.invalid {
            writeln!(f, "invalid: {invalid}")?;
        }
        for change in &self.changes {
            writeln!(f, "changed: {change}")?;
        }
        for ignored in &self.ignored {
            writeln!(
                f,
                "ignored: line {}: {}: {}",
                ignored.line, ignored.key, ignored.reason
            )?;
        }
        for skipped in &self.skipped {
            writeln!(f, "skipped: line {}: {}", skipped.line, skipped.what)?;
        }
        if self.restart_required() {
            writeln!(f, "a restart is needed for some changes to take effect")?;
        }
        Ok(())
    }
}
