use std::path::PathBuf;
use std::thread;

use handset_phone::call_log::{CallRecord, Direction, Handoff, LogEntry};
use tempfile::TempDir;

use super::csv::{defuse_formula, quote, utc_timestamp};
use super::*;

fn temp_db() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = database_path(dir.path());
    (dir, path)
}

fn record(direction: Direction, account: u8, started_at: u64) -> CallRecord {
    CallRecord {
        account,
        direction,
        remote_number: "2001".to_owned(),
        remote_name: Some("Bob".to_owned()),
        local_identity: "sip:1001@pbx.example.com".to_owned(),
        started_at,
        answered_after: (direction != Direction::Missed).then_some(3),
        duration: if direction == Direction::Missed {
            0
        } else {
            42
        },
        end_reason: "hung up here".to_owned(),
        handoff: Handoff::None,
    }
}

fn entry(direction: Direction, account: u8, started_at: u64) -> LogEntry {
    LogEntry {
        record: record(direction, account, started_at),
        prompts_missed: direction == Direction::Missed,
    }
}

fn directions(calls: &[StoredCall]) -> Vec<Direction> {
    calls.iter().map(|call| call.record.direction).collect()
}

#[test]
fn record_round_trips() {
    let (_dir, path) = temp_db();
    let mut history = CallHistory::open(&path).unwrap();
    let mut stored = record(Direction::Received, 3, 1_700_000_000);
    stored.remote_name = None;
    stored.handoff = Handoff::Transferred;
    stored.end_reason = "transferred".to_owned();
    let id = history
        .add(&LogEntry {
            record: stored.clone(),
            prompts_missed: false,
        })
        .unwrap();
    let calls = history.list(&HistoryQuery::all()).unwrap();
    assert_eq!(
        calls,
        vec![StoredCall {
            id,
            record: stored,
            unseen_missed: false
        }]
    );
}

#[test]
fn list_filters_and_pages_newest_first() {
    let (_dir, path) = temp_db();
    let mut history = CallHistory::open(&path).unwrap();
    history.add(&entry(Direction::Placed, 1, 100)).unwrap();
    history.add(&entry(Direction::Missed, 1, 300)).unwrap();
    history.add(&entry(Direction::Received, 2, 200)).unwrap();
    history.add(&entry(Direction::Missed, 2, 400)).unwrap();

    let all = history.list(&HistoryQuery::all()).unwrap();
    let starts: Vec<u64> = all.iter().map(|call| call.record.started_at).collect();
    assert_eq!(starts, [400, 300, 200, 100]);

    let missed = history
        .list(&HistoryQuery::all().direction(Direction::Missed))
        .unwrap();
    assert_eq!(directions(&missed), [Direction::Missed, Direction::Missed]);

    let account_two = history.list(&HistoryQuery::all().account(2)).unwrap();
    assert_eq!(
        directions(&account_two),
        [Direction::Missed, Direction::Received]
    );

    let both = HistoryQuery::all().account(1).direction(Direction::Placed);
    assert_eq!(history.list(&both).unwrap().len(), 1);

    let second_page = history.list(&HistoryQuery::all().page(2, 1)).unwrap();
    let starts: Vec<u64> = second_page.iter().map(|c| c.record.started_at).collect();
    assert_eq!(starts, [300, 200]);
    assert!(history
        .list(&HistoryQuery::all().page(10, 10))
        .unwrap()
        .is_empty());
}

#[test]
fn oldest_records_beyond_the_cap_are_dropped() {
    let (_dir, path) = temp_db();
    let mut history = CallHistory::open(&path).unwrap();
    let extra = 5;
    for started_at in 0..(MAX_CALL_RECORDS + extra) as u64 {
        history
            .add(&entry(Direction::Placed, 1, 1_000 + started_at))
            .unwrap();
    }
    let calls = history.list(&HistoryQuery::all()).unwrap();
    assert_eq!(calls.len(), MAX_CALL_RECORDS);
    let oldest = calls.last().unwrap().record.started_at;
    assert_eq!(oldest, 1_000 + extra as u64);
}

#[test]
fn unseen_missed_counter_follows_prompts() {
    let (_dir, path) = temp_db();
    let mut history = CallHistory::open(&path).unwrap();
    history.add(&entry(Direction::Missed, 1, 10)).unwrap();
    let quiet_missed = LogEntry {
        prompts_missed: false,
        ..entry(Direction::Missed, 1, 11)
    };
    history.add(&quiet_missed).unwrap();
    let second = history.add(&entry(Direction::Missed, 2, 12)).unwrap();
    // A prompt flag on a non-missed call is meaningless and does not count.
    let odd = LogEntry {
        prompts_missed: true,
        ..entry(Direction::Received, 1, 13)
    };
    history.add(&odd).unwrap();
    assert_eq!(history.missed_unseen().unwrap(), 2);

    assert!(history.delete(second).unwrap());
    assert!(!history.delete(second).unwrap());
    assert_eq!(history.missed_unseen().unwrap(), 1);

    history.add(&entry(Direction::Missed, 2, 14)).unwrap();
    assert_eq!(history.mark_missed_seen().unwrap(), 2);
    assert_eq!(history.missed_unseen().unwrap(), 0);
    let missed = history
        .list(&HistoryQuery::all().direction(Direction::Missed))
        .unwrap();
    assert!(missed.iter().all(|call| !call.unseen_missed));
}

#[test]
fn clear_by_direction_or_all() {
    let (_dir, path) = temp_db();
    let mut history = CallHistory::open(&path).unwrap();
    for (direction, start) in [
        (Direction::Placed, 1),
        (Direction::Missed, 2),
        (Direction::Missed, 3),
    ] {
        history.add(&entry(direction, 1, start)).unwrap();
    }
    assert_eq!(history.clear(Some(Direction::Missed)).unwrap(), 2);
    assert_eq!(history.missed_unseen().unwrap(), 0);
    assert_eq!(
        directions(&history.list(&HistoryQuery::all()).unwrap()),
        [Direction::Placed]
    );
    assert_eq!(history.clear(None).unwrap(), 1);
    assert!(history.list(&HistoryQuery::all()).unwrap().is_empty());
}

#[test]
fn reopening_keeps_records_and_unseen_count() {
    let (_dir, path) = temp_db();
    {
        let mut history = CallHistory::open(&path).unwrap();
        history.add(&entry(Direction::Missed, 1, 50)).unwrap();
        history.add(&entry(Direction::Placed, 1, 60)).unwrap();
    }
    let history = CallHistory::open(&path).unwrap();
    assert_eq!(history.list(&HistoryQuery::all()).unwrap().len(), 2);
    assert_eq!(history.missed_unseen().unwrap(), 1);
}

#[test]
fn garbage_file_is_a_typed_error() {
    let (_dir, path) = temp_db();
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 13) as u8).collect();
    for content in [&b"not a database, just text\n"[..], &garbage] {
        std::fs::write(&path, content).unwrap();
        let error = CallHistory::open(&path).unwrap_err();
        assert!(
            matches!(error, HistoryError::Unreadable { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("handset.db"), "{error}");
        // The file is left as it was for whoever wants to look at it.
        assert_eq!(std::fs::read(&path).unwrap(), content);
    }
}

#[test]
fn another_programs_database_is_refused() {
    let (_dir, path) = temp_db();
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    drop(other);
    let error = CallHistory::open(&path).unwrap_err();
    assert!(matches!(error, HistoryError::Foreign { .. }), "{error:?}");
}

#[test]
fn newer_schema_is_refused() {
    let (_dir, path) = temp_db();
    drop(CallHistory::open(&path).unwrap());
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute(
            "UPDATE schema_versions SET version = 99 WHERE component = 'call_history'",
            [],
        )
        .unwrap();
    drop(other);
    let error = CallHistory::open(&path).unwrap_err();
    assert!(
        matches!(error, HistoryError::TooNew { found: 99, .. }),
        "{error:?}"
    );
}

#[test]
fn unreadable_row_is_a_typed_error() {
    let (_dir, path) = temp_db();
    let mut history = CallHistory::open(&path).unwrap();
    let id = history.add(&entry(Direction::Placed, 1, 5)).unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute(
            "UPDATE calls SET direction = 'sideways' WHERE id = ?1",
            [id],
        )
        .unwrap();
    let error = history.list(&HistoryQuery::all()).unwrap_err();
    assert!(
        matches!(error, HistoryError::BadRow { id: row, .. } if row == id),
        "{error:?}"
    );
}

#[test]
fn file_uses_write_ahead_logging() {
    let (_dir, path) = temp_db();
    drop(CallHistory::open(&path).unwrap());
    let other = rusqlite::Connection::open(&path).unwrap();
    let mode: String = other
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn two_connections_share_the_file() {
    let (_dir, path) = temp_db();
    let mut first = CallHistory::open(&path).unwrap();
    let mut second = CallHistory::open(&path).unwrap();
    first.add(&entry(Direction::Missed, 1, 1)).unwrap();
    second.add(&entry(Direction::Placed, 2, 2)).unwrap();
    assert_eq!(first.list(&HistoryQuery::all()).unwrap().len(), 2);
    assert_eq!(second.missed_unseen().unwrap(), 1);
    second.mark_missed_seen().unwrap();
    assert_eq!(first.missed_unseen().unwrap(), 0);
}

#[test]
fn writers_on_two_threads_both_land() {
    let (_dir, path) = temp_db();
    let per_thread = 20;
    let writers: Vec<_> = (1..=2u8)
        .map(|account| {
            let path = path.clone();
            thread::spawn(move || {
                let mut history = CallHistory::open(&path).unwrap();
                for start in 0..per_thread {
                    history
                        .add(&entry(Direction::Received, account, start))
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let history = CallHistory::open(&path).unwrap();
    for account in 1..=2 {
        let calls = history.list(&HistoryQuery::all().account(account)).unwrap();
        assert_eq!(calls.len(), per_thread as usize);
    }
}

#[test]
fn csv_export_quotes_awkward_names() {
    let (_dir, path) = temp_db();
    let mut history = CallHistory::open(&path).unwrap();
    let names = [
        Some("Smith, John"),
        Some("Bob \"The Builder\""),
        Some("two\nlines"),
        Some("=HYPERLINK(\"http://x\")"),
        None,
    ];
    for (index, name) in names.into_iter().enumerate() {
        let mut call = entry(Direction::Received, 1, 1_700_000_000 + index as u64);
        call.record.remote_name = name.map(str::to_owned);
        history.add(&call).unwrap();
    }
    let mut out = Vec::new();
    assert_eq!(history.export_csv(&mut out).unwrap(), names.len());
    let text = String::from_utf8(out).unwrap();
    let expected_header = "id,account,direction,remote_number,remote_name,local_identity,\
                           started_at,started_utc,answered_after,duration,end_reason,handoff\r\n";
    assert!(text.starts_with(expected_header), "{text}");
    let body = &text[expected_header.len()..];
    assert!(body.starts_with(
        "1,1,received,2001,\"Smith, John\",sip:1001@pbx.example.com,1700000000,\
         2023-11-14 22:13:20,3,42,hung up here,none\r\n"
    ));
    assert!(body.contains(",\"Bob \"\"The Builder\"\"\","), "{body}");
    assert!(body.contains(",\"two\nlines\","), "{body}");
    assert!(
        body.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","),
        "{body}"
    );
    assert!(body.contains(",2001,,sip:"), "{body}");
    assert!(body.ends_with("\r\n"));
}

#[test]
fn quoting_rules() {
    assert_eq!(quote("plain"), "plain");
    assert_eq!(quote("a,b"), "\"a,b\"");
    assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(quote("cr\rhere"), "\"cr\rhere\"");
    assert_eq!(quote(""), "");
}

#[test]
fn formulas_are_defused_but_numbers_kept() {
    assert_eq!(defuse_formula("+4930123456"), "+4930123456");
    assert_eq!(defuse_formula("=1+1"), "'=1+1");
    assert_eq!(defuse_formula("+1+cmd"), "'+1+cmd");
    assert_eq!(defuse_formula("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(defuse_formula("-"), "'-");
    assert_eq!(defuse_formula("Alice"), "Alice");
}

#[test]
fn utc_timestamps() {
    assert_eq!(utc_timestamp(0).unwrap(), "1970-01-01 00:00:00");
    assert_eq!(utc_timestamp(951_782_400).unwrap(), "2000-02-29 00:00:00");
    assert_eq!(utc_timestamp(1_700_000_000).unwrap(), "2023-11-14 22:13:20");
    assert_eq!(
        utc_timestamp(253_402_300_799).unwrap(),
        "9999-12-31 23:59:59"
    );
    assert_eq!(utc_timestamp(u64::MAX), None);
}
