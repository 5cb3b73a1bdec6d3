//! The call history table: add, list, count and clear records; cap the number kept.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use handset_phone::call_log::{CallRecord, Direction, Handoff, LogEntry};
use rusqlite::{Connection, ErrorCode, Row};

use super::csv;
use super::error::HistoryError;
use super::schema;

/// The most records kept over all accounts; adding one more drops the oldest. The WP820 keeps
/// up to 100 call log records.
pub const MAX_CALL_RECORDS: usize = 100;

/// How long a write waits for another connection's write to finish before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The columns every query reads, in [`read_row`]'s order.
const COLUMNS: &str = "id, account, direction, remote_number, remote_name, local_identity, \
                       started_at, answered_after, duration, end_reason, handoff, unseen_missed";

/// A record as stored, with its row id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCall {
    /// The row id, for [`CallHistory::delete`].
    pub id: i64,
    /// The call.
    pub record: CallRecord,
    /// A missed call still waiting to be seen.
    pub unseen_missed: bool,
}

/// Which records [`CallHistory::list`] returns, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HistoryQuery {
    /// Only this list (placed, received or missed); all when `None`.
    pub direction: Option<Direction>,
    /// Only this account; all when `None`.
    pub account: Option<u8>,
    /// At most this many records; all when `None`.
    pub limit: Option<usize>,
    /// Skip this many records first.
    pub offset: usize,
}

impl HistoryQuery {
    /// Every record.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only calls in this direction.
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = Some(direction);
        self
    }

    /// Only calls on this account.
    pub fn account(mut self, account: u8) -> Self {
        self.account = Some(account);
        self
    }

    /// One page: `limit` records after skipping `offset`.
    pub fn page(mut self, limit: usize, offset: usize) -> Self {
        self.limit = Some(limit);
        self.offset = offset;
        self
    }
}

/// The call history in `<data-dir>/handset.db`. Several connections may have the file open at
/// once (write-ahead logging); each write is its own transaction.
#[derive(Debug)]
pub struct CallHistory {
    connection: Connection,
    path: PathBuf,
}

impl CallHistory {
    /// Opens or creates the history at `path`, bringing its schema up to date. A damaged file,
    /// another program's database or a newer schema is an error; nothing is overwritten.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let mut connection = Connection::open(path).map_err(|e| unreadable(e, path))?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(|e| unreadable(e, path))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(HistoryError::NoWriteAheadLog {
                path: path.to_owned(),
                mode,
            });
        }
        // With WAL, NORMAL loses at most the last commits on power loss, never consistency.
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        schema::migrate(&mut connection, path).map_err(|e| match e {
            HistoryError::Database(e) => unreadable(e, path),
            other => other,
        })?;
        Ok(Self {
            connection,
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores an ended call and returns its row id; drops the oldest records beyond
    /// [`MAX_CALL_RECORDS`].
    pub fn add(&mut self, entry: &LogEntry) -> Result<i64, HistoryError> {
        let record = &entry.record;
        let transaction = self.connection.transaction()?;
        transaction.execute(
            "INSERT INTO calls (account, direction, remote_number, remote_name, local_identity,
                 started_at, answered_after, duration, end_reason, handoff, unseen_missed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            (
                record.account,
                record.direction.as_str(),
                &record.remote_number,
                &record.remote_name,
                &record.local_identity,
                saturating_i64(record.started_at),
                record.answered_after.map(saturating_i64),
                saturating_i64(record.duration),
                &record.end_reason,
                record.handoff.as_str(),
                entry.prompts_missed && record.direction == Direction::Missed,
            ),
        )?;
        let id = transaction.last_insert_rowid();
        transaction.execute(
            "DELETE FROM calls WHERE id IN (
                 SELECT id FROM calls ORDER BY started_at DESC, id DESC LIMIT -1 OFFSET ?1)",
            [MAX_CALL_RECORDS as i64],
        )?;
        transaction.commit()?;
        Ok(id)
    }

    /// The records matching `query`, newest first.
    pub fn list(&self, query: &HistoryQuery) -> Result<Vec<StoredCall>, HistoryError> {
        let limit = query.limit.map_or(-1, saturating_i64_from_usize);
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM calls
             WHERE (?1 IS NULL OR direction = ?1) AND (?2 IS NULL OR account = ?2)
             ORDER BY started_at DESC, id DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let rows = statement.query_map(
            (
                query.direction.map(Direction::as_str),
                query.account,
                limit,
                saturating_i64_from_usize(query.offset),
            ),
            read_row,
        )?;
        rows.map(|row| row.map_err(HistoryError::from).and_then(|call| call))
            .collect()
    }

    /// How many missed calls are waiting to be seen: the missed-call indicator is lit while
    /// this is not zero.
    pub fn missed_unseen(&self) -> Result<u64, HistoryError> {
        let count: i64 = self.connection.query_row(
            "SELECT COUNT(*) FROM calls WHERE unseen_missed = 1",
            [],
            |row| row.get(0),
        )?;
        Ok(count.max(0) as u64)
    }

    /// Marks every missed call as seen (the user opened the missed list); returns how many
    /// were unseen.
    pub fn mark_missed_seen(&mut self) -> Result<usize, HistoryError> {
        Ok(self.connection.execute(
            "UPDATE calls SET unseen_missed = 0 WHERE unseen_missed = 1",
            [],
        )?)
    }

    /// Deletes one record; returns whether it existed.
    pub fn delete(&mut self, id: i64) -> Result<bool, HistoryError> {
        Ok(self
            .connection
            .execute("DELETE FROM calls WHERE id = ?1", [id])?
            > 0)
    }

    /// Deletes every record, or those of one direction; returns how many went.
    pub fn clear(&mut self, direction: Option<Direction>) -> Result<usize, HistoryError> {
        Ok(self.connection.execute(
            "DELETE FROM calls WHERE ?1 IS NULL OR direction = ?1",
            [direction.map(Direction::as_str)],
        )?)
    }

    /// Writes every record as CSV, oldest first, after a header line; returns the number of
    /// records written.
    pub fn export_csv<W: Write>(&self, writer: W) -> Result<usize, HistoryError> {
        let mut calls = self.list(&HistoryQuery::all())?;
        calls.reverse();
        csv::write_calls(writer, &calls)?;
        Ok(calls.len())
    }
}

/// Maps a failure while opening: damage and foreign files get their own error.
fn unreadable(error: rusqlite::Error, path: &Path) -> HistoryError {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => HistoryError::Unreadable {
            path: path.to_owned(),
            source: error,
        },
        _ => HistoryError::Database(error),
    }
}

/// Reads one row in [`COLUMNS`] order; values this build cannot read become
/// [`HistoryError::BadRow`].
fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<StoredCall, HistoryError>> {
    let id: i64 = row.get(0)?;
    let bad = |reason: String| HistoryError::BadRow { id, reason };
    let account: i64 = row.get(1)?;
    let direction: String = row.get(2)?;
    let handoff: String = row.get(10)?;
    let started_at: i64 = row.get(6)?;
    let answered_after: Option<i64> = row.get(7)?;
    let duration: i64 = row.get(8)?;
    let call = (|| {
        let record = CallRecord {
            account: u8::try_from(account).map_err(|_| bad(format!("account {account}")))?,
            direction: direction.parse().map_err(|e| bad(format!("{e}")))?,
            remote_number: row.get(3)?,
            remote_name: row.get(4)?,
            local_identity: row.get(5)?,
            started_at: non_negative(started_at).ok_or_else(|| bad("negative start".into()))?,
            answered_after: match answered_after {
                Some(secs) => {
                    Some(non_negative(secs).ok_or_else(|| bad("negative answer".into()))?)
                }
                None => None,
            },
            duration: non_negative(duration).ok_or_else(|| bad("negative duration".into()))?,
            end_reason: row.get(9)?,
            handoff: handoff
                .parse::<Handoff>()
                .map_err(|e| bad(format!("{e}")))?,
        };
        Ok(StoredCall {
            id,
            record,
            unseen_missed: row.get(11)?,
        })
    })();
    Ok(call)
}

fn non_negative(value: i64) -> Option<u64> {
    u64::try_from(value).ok()
}

/// SQLite integers are signed; times and durations past `i64::MAX` seconds only come from
/// nonsense input and are stored as the largest value.
fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn saturating_i64_from_usize(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
