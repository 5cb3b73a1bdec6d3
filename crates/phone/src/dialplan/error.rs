//! Why a dial plan setting cannot be used, and where in the text the problem is.

use std::fmt;

/// A dial plan that cannot be parsed: where, in which rule, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialPlanError {
    /// The offending character's index in the setting text, counted in characters from 0.
    pub at: usize,
    /// The rule it belongs to, counted from 1; `None` for problems of the plan as a whole.
    pub rule: Option<usize>,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl DialPlanError {
    pub(super) fn new(at: usize, rule: Option<usize>, kind: ErrorKind) -> Self {
        Self { at, rule, kind }
    }
}

impl fmt::Display for DialPlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rule {
            Some(rule) => write!(
                f,
                "dial plan rule {rule}, column {}: {}",
                self.at + 1,
                self.kind
            ),
            None => write!(f, "dial plan column {}: {}", self.at + 1, self.kind),
        }
    }
}

impl std::error::Error for DialPlanError {}

/// The ways a dial plan's text can be wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The setting holds no rule at all.
    #[error("the plan has no rules")]
    NoRules,
    /// Two `|` separators (or one at either end) with nothing between them.
    #[error("empty rule")]
    EmptyRule,
    /// An opening `{`, `[` or `<` without its closing partner.
    #[error("'{0}' is never closed")]
    Unclosed(char),
    /// A closing `}`, `]` or `>` without an opening partner.
    #[error("'{0}' closes nothing")]
    Unopened(char),
    /// A character that has no meaning at this place.
    #[error("{0:?} is not allowed here")]
    IllegalChar(char),
    /// A `[]` set with no key in it.
    #[error("the set '[]' holds no keys")]
    EmptySet,
    /// A range in a set whose ends are out of order or of different kinds (digit and letter).
    #[error("the range {from}-{to} is not ascending within one kind of key")]
    BadRange {
        /// The first end of the range.
        from: char,
        /// The last end of the range.
        to: char,
    },
    /// A `?` at the start of a rule or after an edit, with no element to make optional.
    #[error("'{0}' has nothing to repeat")]
    NothingToRepeat(char),
    /// A `+` or `?` after an element that already repeats (`x++`, `.?`).
    #[error("'{0}' follows an element that already repeats")]
    RepeatedQuantifier(char),
    /// A `^` that does not start its rule.
    #[error("'^' may only start a rule")]
    MisplacedExclude,
    /// An edit `<...>` without exactly one `=`.
    #[error("an edit '<...>' needs exactly one '='")]
    EditWithoutEquals,
    /// A rule that accepts an empty number (only edits, optional elements or a flag).
    #[error("the rule accepts an empty number")]
    MatchesEmpty,
}
