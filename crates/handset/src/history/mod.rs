//! The call history on disk: the records the phone core's [`handset_phone::call_log`] policy
//! decides to keep, stored in SQLite at `<data-dir>/handset.db`, with the missed-call counter
//! behind the indicator and a CSV export.
//!
//! ```no_run
//! use handset::history::{database_path, CallHistory, HistoryQuery};
//! use handset_phone::call_log::Direction;
//!
//! let mut history = CallHistory::open(&database_path("/var/lib/handset".as_ref()))?;
//! let missed = history.list(&HistoryQuery::all().direction(Direction::Missed).page(20, 0))?;
//! history.mark_missed_seen()?;
//! history.export_csv(std::io::stdout())?;
//! # Ok::<(), handset::history::HistoryError>(())
//! ```

mod csv;
mod error;
mod schema;
mod store;

use std::path::{Path, PathBuf};

pub use error::HistoryError;
pub use store::{CallHistory, HistoryQuery, StoredCall, MAX_CALL_RECORDS};

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "handset.db";

/// Where the history of the phone whose data directory is `data_dir` lives.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DATABASE_FILE)
}

#[cfg(test)]
mod tests;
