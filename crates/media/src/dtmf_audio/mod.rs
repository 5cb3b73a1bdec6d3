//! DTMF carried in the audio itself: a generator of the keypad's tone pairs and a Goertzel
//! detector that reports each key press once, with its duration.
//!
//! Each key is one low-group ("row") and one high-group ("column") frequency:
//!
//! | | 1209 | 1336 | 1477 | 1633 |
//! |---|---|---|---|---|
//! | 697 | 1 | 2 | 3 | A |
//! | 770 | 4 | 5 | 6 | B |
//! | 852 | 7 | 8 | 9 | C |
//! | 941 | * | 0 | # | D |

mod detector;
mod generator;

pub use detector::{Digit, DtmfDetector, DtmfDetectorConfig};
pub use generator::{DtmfGenerator, DtmfGeneratorConfig};

use thiserror::Error;

/// The low-group frequencies, in Hz, by row.
pub const ROW_FREQUENCIES: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// The high-group frequencies, in Hz, by column.
pub const COLUMN_FREQUENCIES: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
const KEYPAD: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// A character that is not a DTMF key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{0:?} is not a DTMF key (0-9, *, #, A-D)")]
pub struct NotAKey(pub char);

/// One of the sixteen DTMF keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfKey {
    row: u8,
    column: u8,
}

impl DtmfKey {
    /// All sixteen keys, row by row.
    pub fn all() -> impl Iterator<Item = DtmfKey> {
        (0..4u8).flat_map(|row| (0..4u8).map(move |column| DtmfKey { row, column }))
    }

    /// The key for `0`-`9`, `*`, `#` or `A`-`D` (lower case accepted).
    pub fn from_char(c: char) -> Result<Self, NotAKey> {
        let upper = c.to_ascii_uppercase();
        Self::all().find(|k| k.to_char() == upper).ok_or(NotAKey(c))
    }

    /// The key's character.
    pub fn to_char(self) -> char {
        KEYPAD[usize::from(self.row)][usize::from(self.column)]
    }

    /// The RFC 4733 event code: 0-9 for digits, 10 for `*`, 11 for `#`, 12-15 for A-D.
    pub fn event_code(self) -> u8 {
        match self.to_char() {
            '*' => 10,
            '#' => 11,
            c @ 'A'..='D' => 12 + (c as u8 - b'A'),
            c => c as u8 - b'0',
        }
    }

    /// The key for an RFC 4733 event code 0-15.
    pub fn from_event_code(code: u8) -> Option<Self> {
        Self::all().find(|k| k.event_code() == code)
    }

    /// The low-group frequency in Hz.
    pub fn row_frequency(self) -> f32 {
        ROW_FREQUENCIES[usize::from(self.row)]
    }

    /// The high-group frequency in Hz.
    pub fn column_frequency(self) -> f32 {
        COLUMN_FREQUENCIES[usize::from(self.column)]
    }

    fn at(row: usize, column: usize) -> Self {
        Self {
            row: row as u8,
            column: column as u8,
        }
    }
}

impl std::fmt::Display for DtmfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_char())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_characters_codes_and_frequencies() {
        assert_eq!(DtmfKey::all().count(), 16);
        let five = DtmfKey::from_char('5').unwrap();
        assert_eq!(
            (five.row_frequency(), five.column_frequency()),
            (770.0, 1336.0)
        );
        assert_eq!(five.event_code(), 5);
        assert_eq!(DtmfKey::from_char('*').unwrap().event_code(), 10);
        assert_eq!(DtmfKey::from_char('#').unwrap().event_code(), 11);
        assert_eq!(DtmfKey::from_char('d').unwrap().event_code(), 15);
        assert_eq!(DtmfKey::from_char('x'), Err(NotAKey('x')));
        for key in DtmfKey::all() {
            assert_eq!(DtmfKey::from_event_code(key.event_code()), Some(key));
            assert_eq!(DtmfKey::from_char(key.to_char()), Ok(key));
        }
        assert_eq!(DtmfKey::from_event_code(16), None);
    }
}
