//! Date (RFC 3261 §20.17): an RFC 1123 date, always in GMT.

use std::fmt;

use crate::message::ParseError;
use crate::syntax::trim_lws;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A Date value: `Sat, 13 Nov 2010 23:29:00 GMT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SipDate {
    /// Year.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// Second, 0 to 60 (leap second).
    pub second: u8,
}

impl SipDate {
    /// Parses `wkday "," SP 2DIGIT SP month SP 4DIGIT SP time SP "GMT"`; any other zone is
    /// an error.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let bad = |d| ParseError::value(d, 0);
        let parts: Vec<&str> = trim_lws(text).split(' ').collect();
        let [wkday, day, month, year, time, zone] = parts[..] else {
            return Err(bad("date is not `wkday, DD Mon YYYY HH:MM:SS GMT`"));
        };
        let weekday_ok = wkday
            .strip_suffix(',')
            .is_some_and(|w| WEEKDAYS.contains(&w));
        if !weekday_ok {
            return Err(bad("invalid weekday"));
        }
        if zone != "GMT" {
            return Err(bad("time zone is not GMT"));
        }
        let number = |s: &str, len: usize, max: u16| {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u16>().ok())
                .flatten()
                .filter(|n| *n <= max)
        };
        let month = MONTHS
            .iter()
            .position(|m| *m == month)
            .ok_or(bad("invalid month"))? as u8
            + 1;
        let day = number(day, 2, 31)
            .filter(|d| *d >= 1)
            .ok_or(bad("invalid day"))? as u8;
        let year = number(year, 4, 9999).ok_or(bad("invalid year"))?;
        let hms: Vec<&str> = time.split(':').collect();
        let [h, m, s] = hms[..] else {
            return Err(bad("invalid time"));
        };
        let hour = number(h, 2, 23).ok_or(bad("invalid hour"))? as u8;
        let minute = number(m, 2, 59).ok_or(bad("invalid minute"))? as u8;
        let second = number(s, 2, 60).ok_or(bad("invalid second"))? as u8;
        Ok(Self {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// Seconds since 1970-01-01T00:00:00 GMT.
    pub fn unix_seconds(&self) -> i64 {
        // Days from civil (proleptic Gregorian), after H. Hinnant's well-known algorithm.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    fn weekday(&self) -> &'static str {
        // 1970-01-01 was a Thursday (index 3).
        let days = self.unix_seconds().div_euclid(86_400);
        WEEKDAYS[((days + 3).rem_euclid(7)) as usize]
    }
}

impl fmt::Display for SipDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = MONTHS[usize::from(self.month.clamp(1, 12) - 1)];
        write!(
            f,
            "{}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
            self.weekday(),
            self.day,
            self.year,
            self.hour,
            self.minute,
            self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = SipDate::parse("Sat, 15 Oct 2005 04:44:56 GMT").unwrap();
        assert_eq!(d.unix_seconds(), 1_129_351_496);
        assert_eq!(d.to_string(), "Sat, 15 Oct 2005 04:44:56 GMT");
        assert!(SipDate::parse("Fri, 01 Jan 2010 16:00:00 EST").is_err());
        assert!(SipDate::parse("Fri, 1 Jan 2010 16:00:00 GMT").is_err());
        assert!(SipDate::parse("").is_err());
    }
}
