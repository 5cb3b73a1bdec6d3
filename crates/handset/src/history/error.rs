//! Why the call history could not be opened, read or exported.

use std::path::PathBuf;

use thiserror::Error;

/// A call history failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// The file is damaged or is not an SQLite database at all.
    #[error("{path}: not a readable database (damaged, or another kind of file)")]
    Unreadable {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        #[source]
        source: rusqlite::Error,
    },
    /// An SQLite database written by something else: it has tables but no schema versions.
    #[error("{path}: a database of another program (tables but no schema_versions table)")]
    Foreign {
        /// The database file.
        path: PathBuf,
    },
    /// A newer release created this schema; opening it could lose data.
    #[error("{path}: call history schema version {found} is newer than the supported {supported}")]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The version recorded in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The file system refused write-ahead logging, which concurrent readers rely on.
    #[error("{path}: journal mode stays {mode:?}, write-ahead logging unavailable")]
    NoWriteAheadLog {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite kept.
        mode: String,
    },
    /// A stored row holds a value this build cannot read.
    #[error("call history row {id}: {reason}")]
    BadRow {
        /// The row id.
        id: i64,
        /// What is wrong with it.
        reason: String,
    },
    /// Any other database failure (disk full, locked for too long, …).
    #[error("call history database: {0}")]
    Database(#[from] rusqlite::Error),
    /// The CSV export could not be written.
    #[error("writing the call history export: {0}")]
    Export(#[from] std::io::Error),
}
