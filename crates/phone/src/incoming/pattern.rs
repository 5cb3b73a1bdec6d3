//! Caller-number patterns, as the ring rules, blacklist and auto-answer list write them:
//! `8321123`, `xx+` (two digits or more), `[345]xx`, `[6-9]xx`, `1900.` (1900 then anything).

use std::fmt;

use super::error::IncomingError;

/// Longest pattern accepted; settings fields are short and this bounds the matching work.
const MAX_PATTERN_LEN: usize = 128;

/// One position of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atom {
    /// This exact character (a digit, `*`, `#` or a leading `+`).
    Literal(char),
    /// `x`: any digit.
    AnyDigit,
    /// `[…]`: the digits whose bits are set.
    Digits(u16),
    /// `.`: one character or more, whatever they are.
    Rest,
}

impl Atom {
    fn accepts(self, c: char) -> bool {
        match self {
            Atom::Literal(l) => l == c,
            Atom::AnyDigit => c.is_ascii_digit(),
            Atom::Digits(mask) => c.to_digit(10).is_some_and(|d| mask & (1 << d) != 0),
            Atom::Rest => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Element {
    atom: Atom,
    /// Followed by `+`: one or more of the atom.
    repeated: bool,
}

/// A caller number or number pattern, matched against the whole number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerPattern {
    text: String,
    elements: Vec<Element>,
}

impl CallerPattern {
    /// Whether the text uses only pattern characters, so it is a number rule rather than
    /// Alert-Info text.
    pub fn looks_like_pattern(text: &str) -> bool {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || "xX+.[]-*#".contains(c))
    }

    /// Reads a number or pattern.
    pub fn parse(text: &str) -> Result<Self, IncomingError> {
        let bad = |reason| IncomingError::BadPattern {
            pattern: text.to_owned(),
            reason,
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(bad("empty"));
        }
        if text.len() > MAX_PATTERN_LEN {
            return Err(bad("longer than 128 characters"));
        }
        let mut elements: Vec<Element> = Vec::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            let atom = match c {
                '0'..='9' | '*' | '#' => Atom::Literal(c),
                'x' | 'X' => Atom::AnyDigit,
                '.' => Atom::Rest,
                // Written numbers group digits with dashes; they carry no meaning.
                '-' => continue,
                '[' => Atom::Digits(digit_set(&mut chars).map_err(bad)?),
                '+' => match elements.last_mut() {
                    // A leading + is the international prefix, not a repeat.
                    None => Atom::Literal('+'),
                    Some(last) if last.repeated => return Err(bad("'+' twice in a row")),
                    Some(last) => {
                        last.repeated = true;
                        continue;
                    }
                },
                _ => return Err(bad("only digits, x, +, ., *, # and [...] are allowed")),
            };
            elements.push(Element {
                atom,
                repeated: false,
            });
        }
        Ok(Self {
            text: text.to_owned(),
            elements,
        })
    }

    /// Whether the whole number matches.
    pub fn matches(&self, number: &str) -> bool {
        let chars: Vec<char> = number.chars().collect();
        // Failed (element, position) states, so repeats cannot make matching exponential.
        let mut failed = vec![false; (self.elements.len() + 1) * (chars.len() + 1)];
        self.match_from(0, 0, &chars, &mut failed)
    }

    fn match_from(&self, at: usize, pos: usize, chars: &[char], failed: &mut [bool]) -> bool {
        let state = at * (chars.len() + 1) + pos;
        if failed[state] {
            return false;
        }
        let Some(element) = self.elements.get(at) else {
            return pos == chars.len();
        };
        let greedy = element.repeated || element.atom == Atom::Rest;
        let mut end = pos;
        let mut found = false;
        while end < chars.len() && element.atom.accepts(chars[end]) {
            end += 1;
            if self.match_from(at + 1, end, chars, failed) {
                found = true;
                break;
            }
            if !greedy {
                break;
            }
        }
        if !found {
            failed[state] = true;
        }
        found
    }
}

impl fmt::Display for CallerPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Reads the inside of `[…]` (digits and `a-b` ranges) up to and including `]`.
fn digit_set(chars: &mut std::str::Chars<'_>) -> Result<u16, &'static str> {
    let mut mask = 0u16;
    let mut previous: Option<u32> = None;
    let mut range_open = false;
    for c in chars.by_ref() {
        match c {
            ']' if range_open => return Err("range without an end in [...]"),
            ']' if mask == 0 => return Err("empty [...]"),
            ']' => return Ok(mask),
            '-' if previous.is_some() && !range_open => range_open = true,
            _ => {
                let digit = c
                    .to_digit(10)
                    .ok_or("only digits and ranges inside [...]")?;
                if range_open {
                    let start = previous.take().ok_or("range without a start in [...]")?;
                    if start > digit {
                        return Err("range runs backwards in [...]");
                    }
                    for d in start..=digit {
                        mask |= 1 << d;
                    }
                    range_open = false;
                } else {
                    mask |= 1 << digit;
                    previous = Some(digit);
                }
            }
        }
    }
    Err("missing ]")
}
