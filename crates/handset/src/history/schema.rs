//! The call history tables and their migrations. `handset.db` is shared with other stores
//! (contacts, …), so each keeps its own row in `schema_versions`.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::error::HistoryError;

/// This store's name in `schema_versions`.
const COMPONENT: &str = "call_history";

/// Migration `i` takes the schema from version `i` to `i + 1`; never edit a released one,
/// append a new one.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account INTEGER NOT NULL,
        direction TEXT NOT NULL,
        remote_number TEXT NOT NULL,
        remote_name TEXT,
        local_identity TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        answered_after INTEGER,
        duration INTEGER NOT NULL,
        end_reason TEXT NOT NULL,
        handoff TEXT NOT NULL,
        unseen_missed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX calls_by_start ON calls (started_at, id);
    CREATE INDEX calls_unseen ON calls (unseen_missed) WHERE unseen_missed = 1;
"];

/// The schema version this build writes.
pub(super) fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the call history schema up to date. Runs in one immediate transaction so two
/// processes opening the file at once migrate it once.
pub(super) fn migrate(connection: &mut Connection, path: &Path) -> Result<(), HistoryError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let has_versions: bool = transaction.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions')",
        [],
        |row| row.get(0),
    )?;
    if !has_versions {
        let tables: i64 = transaction.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            [],
            |row| row.get(0),
        )?;
        if tables > 0 {
            return Err(HistoryError::Foreign {
                path: path.to_owned(),
            });
        }
        transaction.execute_batch(
            "CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
        )?;
    }
    let found: i64 = transaction
        .query_row(
            "SELECT version FROM schema_versions WHERE component = ?1",
            [COMPONENT],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0);
    if found < 0 {
        return Err(HistoryError::Foreign {
            path: path.to_owned(),
        });
    }
    if found > current_version() {
        return Err(HistoryError::TooNew {
            path: path.to_owned(),
            found,
            supported: current_version(),
        });
    }
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        transaction.execute_batch(migration)?;
        transaction.execute(
            "INSERT INTO schema_versions (component, version) VALUES (?1, ?2)
             ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            (COMPONENT, from as i64 + 1),
        )?;
    }
    transaction.commit()?;
    Ok(())
}
