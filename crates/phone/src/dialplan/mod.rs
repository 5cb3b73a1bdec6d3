//! The dial plan: which numbers the user may dial, when the phone dials them without waiting
//! for more keys, and how a number is rewritten before it goes out.
//!
//! The setting's text is a list of rules, optionally inside `{ }`, separated by `|` or
//! whitespace. A rule is a sequence of elements:
//!
//! | element | matches |
//! |---|---|
//! | `0`-`9`, `*`, `#`, letters | that key (letters ignore case) |
//! | `x` | one digit 0-9 |
//! | `X` | one digit or letter |
//! | `[147]`, `[3-5]`, `[1-35*]` | one key out of the set; ranges run within digits or letters |
//! | `.` | one or more keys of any kind |
//! | `e+` | one or more of element `e`; a `+` with nothing before it is the plus sign itself |
//! | `e?` | zero or one of element `e` |
//! | `<a=b>` | the keys `a` (may be empty), which go out as `b` (may be empty) |
//!
//! A `^` before a rule makes it an exclusion; a `T` at a rule's end makes the phone wait before
//! dialing a number that rule completes (anywhere else `T` is the letter). Whitespace inside
//! `[ ]` and `< >` is ignored, so `<2=011 >` is `<2=011>`.
//!
//! [`DialPlan::check`] tells, for the keys entered so far, whether to dial (and what), keep
//! collecting, or refuse. When several rules have an opinion:
//!
//! 1. a complete match of any exclusion blocks the number, whatever the other rules say;
//! 2. a complete match of a rule that can match nothing longer and has no `T` flag dials at
//!    once; among several, the first in the plan gives the number;
//! 3. otherwise a complete match of any rule dials after a wait (the no-key timeout, or the
//!    `T` delay), with the number of the first such rule in the plan;
//! 4. otherwise, if an allowing rule could still match with more keys, the phone keeps
//!    collecting;
//! 5. otherwise the keys can never be dialed.
//!
//! ```
//! use handset_phone::dialplan::{DialPlan, Verdict};
//!
//! let plan = DialPlan::parse("{ ^1900x+ <=1617>[2-9]xxxxxx [3469]11 }")?;
//! assert_eq!(plan.check("555"), Verdict::Partial);
//! assert_eq!(
//!     plan.check("5551234"),
//!     Verdict::Complete { number: "16175551234".into(), wait: false }
//! );
//! assert_eq!(plan.check("19005"), Verdict::Blocked);
//! assert_eq!(plan.check("0"), Verdict::NoMatch);
//! # Ok::<(), handset_phone::dialplan::DialPlanError>(())
//! ```

mod check;
mod error;
mod parse;

pub use error::{DialPlanError, ErrorKind};

/// A parsed dial plan: the rules of the "Dial Plan" setting, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialPlan {
    rules: Vec<Rule>,
}

/// What the keys entered so far amount to under a [`DialPlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A rule matches all the keys: dial `number`, which has the rule's edits applied.
    Complete {
        /// The number to dial.
        number: String,
        /// Wait for more keys (the no-key timeout, or the `T` delay) before dialing.
        wait: bool,
    },
    /// No rule matches yet, but one could with more keys: keep collecting.
    Partial,
    /// An exclusion rule matches: refuse the number.
    Blocked,
    /// No allowing rule can match these keys, whatever follows: refuse them.
    NoMatch,
}

impl DialPlan {
    /// The vendor's default outgoing plan.
    pub const DEFAULT: &'static str = "{ x+ +x+ *x+ *xx*x+ x+*x+*x+*x+ x+*x+*x+*x+#x+ }";

    /// Parses the setting's text, with or without the surrounding `{ }`.
    pub fn parse(text: &str) -> Result<Self, DialPlanError> {
        parse::rules(text).map(|rules| Self { rules })
    }

    /// The verdict on the keys dialed so far.
    pub fn check(&self, dialed: &str) -> Verdict {
        check::verdict(&self.rules, dialed)
    }

    /// How many rules the plan has (never zero).
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }
}

impl Default for DialPlan {
    fn default() -> Self {
        Self::parse(Self::DEFAULT).expect("the default plan is valid")
    }
}

/// One rule of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// Started with `^`: a match blocks the number.
    exclude: bool,
    /// Ended with `T`: a match waits before dialing.
    wait: bool,
    /// The elements, in order.
    items: Vec<Item>,
}

/// One element of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Keys out of `class`, as many as `repeat` allows; they go out unchanged.
    Keys { class: Class, repeat: Repeat },
    /// The literal keys `from`, which go out as `to`.
    Edit { from: Vec<char>, to: String },
}

/// Which keys one position accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Class {
    /// Exactly this key (letters in either case).
    Key(char),
    /// `x`: 0-9.
    Digit,
    /// `X`: 0-9, a-z, A-Z.
    Alnum,
    /// `.`: any key.
    Any,
    /// `[...]`: one of these keys.
    Set(Vec<char>),
}

/// How many times an element repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// Exactly once.
    Once,
    /// `?`: zero or one time.
    Optional,
    /// `+` (and `.`): one or more times.
    OneOrMore,
}

/// Whether `key` is a key the phone can dial: 0-9, `*`, `#`, `+` and letters.
fn is_key(key: char) -> bool {
    key.is_ascii_alphanumeric() || matches!(key, '*' | '#' | '+')
}

/// Whether two keys are the same, letters compared without case.
fn same_key(a: char, b: char) -> bool {
    a.eq_ignore_ascii_case(&b)
}

impl Class {
    /// Whether this class accepts `key`.
    fn accepts(&self, key: char) -> bool {
        match self {
            Self::Key(k) => same_key(*k, key),
            Self::Digit => key.is_ascii_digit(),
            Self::Alnum => key.is_ascii_alphanumeric(),
            Self::Any => is_key(key),
            Self::Set(keys) => keys.iter().any(|k| same_key(*k, key)),
        }
    }
}

#[cfg(test)]
mod tests;
