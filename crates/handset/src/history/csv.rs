//! The CSV export: RFC 4180 quoting, CRLF line ends, one call per line.

use std::borrow::Cow;
use std::io::{self, Write};

use super::store::StoredCall;

/// The export's first line.
const HEADER: [&str; 12] = [
    "id",
    "account",
    "direction",
    "remote_number",
    "remote_name",
    "local_identity",
    "started_at",
    "started_utc",
    "answered_after",
    "duration",
    "end_reason",
    "handoff",
];

/// Writes the header and one line per call, in the order given.
pub(super) fn write_calls<W: Write>(writer: W, calls: &[StoredCall]) -> io::Result<()> {
    let mut out = io::BufWriter::new(writer);
    write_line(&mut out, &HEADER.map(String::from))?;
    for call in calls {
        let record = &call.record;
        write_line(
            &mut out,
            &[
                call.id.to_string(),
                record.account.to_string(),
                record.direction.to_string(),
                record.remote_number.clone(),
                record.remote_name.clone().unwrap_or_default(),
                record.local_identity.clone(),
                record.started_at.to_string(),
                utc_timestamp(record.started_at).unwrap_or_default(),
                record
                    .answered_after
                    .map(|secs| secs.to_string())
                    .unwrap_or_default(),
                record.duration.to_string(),
                record.end_reason.clone(),
                record.handoff.to_string(),
            ],
        )?;
    }
    out.flush()
}

fn write_line<W: Write>(out: &mut W, fields: &[String]) -> io::Result<()> {
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        out.write_all(quote(&defuse_formula(field)).as_bytes())?;
    }
    out.write_all(b"\r\n")
}

/// Quotes a field when it holds a separator, quote or line break, doubling inner quotes.
pub(super) fn quote(field: &str) -> Cow<'_, str> {
    if !field.contains([',', '"', '\r', '\n']) {
        return Cow::Borrowed(field);
    }
    Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
}

/// Display names and numbers come from the caller; a spreadsheet would run one starting with
/// `=`, `+`, `-` or `@` as a formula. Such a field gets a leading apostrophe, unless it is a
/// plain international number such as `+4930123`.
pub(super) fn defuse_formula(field: &str) -> Cow<'_, str> {
    let starts_formula = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let dial_string = field
        .strip_prefix('+')
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()));
    if starts_formula && !dial_string {
        Cow::Owned(format!("'{field}"))
    } else {
        Cow::Borrowed(field)
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, or `None` past the year 9999.
pub(super) fn utc_timestamp(unix_seconds: u64) -> Option<String> {
    const LAST_SECOND_OF_9999: u64 = 253_402_300_799;
    if unix_seconds > LAST_SECOND_OF_9999 {
        return None;
    }
    let days = (unix_seconds / 86_400) as i64;
    let second_of_day = unix_seconds % 86_400;
    let (year, month, day) = civil_date(days);
    Some(format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    ))
}

/// The proleptic Gregorian date `days` after 1970-01-01, counted in 400-year eras of
/// 146 097 days whose years start on 1 March, so the leap day falls at the end.
fn civil_date(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
