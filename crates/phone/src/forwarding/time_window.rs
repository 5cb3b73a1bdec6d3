//! Wall-clock times of day and the office-hours window of time-based forwarding.

use std::fmt;
use std::str::FromStr;

use super::error::ForwardError;

const MINUTES_PER_DAY: u16 = 24 * 60;

/// A wall-clock time of day to the minute, as the caller's local clock reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    minutes_since_midnight: u16,
}

impl TimeOfDay {
    /// Midnight, the start of the day.
    pub const MIDNIGHT: Self = Self {
        minutes_since_midnight: 0,
    };

    /// A time from hour (0 to 23) and minute (0 to 59).
    pub fn new(hour: u8, minute: u8) -> Result<Self, ForwardError> {
        if hour > 23 || minute > 59 {
            return Err(ForwardError::InvalidTimeOfDay {
                text: format!("{hour}:{minute:02}"),
                reason: "hour must be 0 to 23 and minute 0 to 59",
            });
        }
        Ok(Self {
            minutes_since_midnight: u16::from(hour) * 60 + u16::from(minute),
        })
    }

    /// The hour, 0 to 23.
    pub fn hour(self) -> u8 {
        // Below 24 by construction, so the cast cannot truncate.
        (self.minutes_since_midnight / 60) as u8
    }

    /// The minute within the hour, 0 to 59.
    pub fn minute(self) -> u8 {
        (self.minutes_since_midnight % 60) as u8
    }
}

impl FromStr for TimeOfDay {
    type Err = ForwardError;

    /// Reads `HH:MM` in 24-hour form, the way the web UI shows the time fields.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| ForwardError::InvalidTimeOfDay {
            text: text.to_owned(),
            reason,
        };
        let (hour, minute) = text
            .trim()
            .split_once(':')
            .ok_or_else(|| invalid("expected HH:MM"))?;
        let all_digits = |part: &str| {
            !part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit())
        };
        if !all_digits(hour) || !all_digits(minute) {
            return Err(invalid("expected HH:MM"));
        }
        let hour: u8 = hour.parse().map_err(|_| invalid("expected HH:MM"))?;
        let minute: u8 = minute.parse().map_err(|_| invalid("expected HH:MM"))?;
        Self::new(hour, minute).map_err(|_| invalid("hour must be 0 to 23 and minute 0 to 59"))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

/// The office hours of time-based forwarding: from `start` up to, not including, `end`.
/// A start later than the end means the window runs across midnight (a night shift).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeHours {
    start: TimeOfDay,
    end: TimeOfDay,
}

impl OfficeHours {
    /// The window from `start` to `end`; equal ends are refused as they leave no way to tell
    /// whether the whole day or none of it was meant.
    pub fn new(start: TimeOfDay, end: TimeOfDay) -> Result<Self, ForwardError> {
        if start == end {
            return Err(ForwardError::EmptyOfficeHours);
        }
        Ok(Self { start, end })
    }

    /// When office hours begin.
    pub fn start(&self) -> TimeOfDay {
        self.start
    }

    /// When office hours end (the first minute out of hours).
    pub fn end(&self) -> TimeOfDay {
        self.end
    }

    /// Whether `time` falls within office hours.
    pub fn contains(&self, time: TimeOfDay) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            // Across midnight: in hours late in the day or early the next.
            time >= self.start || time < self.end
        }
    }

    /// How many minutes of the day are in office hours.
    pub fn length_minutes(&self) -> u16 {
        let start = self.start.minutes_since_midnight;
        let end = self.end.minutes_since_midnight;
        (end + MINUTES_PER_DAY - start) % MINUTES_PER_DAY
    }
}
