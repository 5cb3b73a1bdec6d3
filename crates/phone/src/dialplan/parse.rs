//! From the setting's text to rules: first the plan is cut into rules (braces, separators and
//! bracket balance), then each rule is read element by element.

use super::error::{DialPlanError, ErrorKind};
use super::{is_key, Class, Item, Repeat, Rule};

/// A character of the setting with its index, so that errors can point at it.
type Located = (usize, char);

/// The rules of the setting `text`.
pub(super) fn rules(text: &str) -> Result<Vec<Rule>, DialPlanError> {
    let chars: Vec<Located> = text.chars().enumerate().collect();
    let body = unbrace(&chars)?;
    let segments = split(body)?;
    segments
        .iter()
        .enumerate()
        .map(|(index, segment)| rule(segment, index + 1))
        .collect()
}

/// The text between the optional `{` and `}`, surrounding whitespace dropped.
fn unbrace(chars: &[Located]) -> Result<&[Located], DialPlanError> {
    let start = chars.iter().position(|(_, c)| !c.is_whitespace());
    let end = chars.iter().rposition(|(_, c)| !c.is_whitespace());
    let (Some(start), Some(end)) = (start, end) else {
        return Err(DialPlanError::new(0, None, ErrorKind::NoRules));
    };
    let trimmed = &chars[start..=end];
    match trimmed {
        [(_, '{'), inner @ .., (_, '}')] => Ok(inner),
        [(at, '{'), ..] => Err(DialPlanError::new(*at, None, ErrorKind::Unclosed('{'))),
        _ => Ok(trimmed),
    }
}

/// Cuts the plan into rules at `|` and whitespace outside brackets; whitespace inside `[ ]`
/// and `< >` is dropped.
fn split(body: &[Located]) -> Result<Vec<Vec<Located>>, DialPlanError> {
    let mut segments: Vec<Vec<Located>> = Vec::new();
    let mut current: Vec<Located> = Vec::new();
    // The `(index, char)` of an open `[` or `<`.
    let mut open: Option<Located> = None;
    // The index of a `|` that still waits for its rule.
    let mut bar: Option<usize> = None;
    for &(at, c) in body {
        let rule = Some(segments.len() + 1);
        if let Some((_, opener)) = open {
            let closer = if opener == '[' { ']' } else { '>' };
            if c.is_whitespace() {
                continue;
            }
            if c == closer {
                open = None;
            } else if matches!(c, '[' | ']' | '<' | '>' | '{' | '}' | '|') {
                return Err(DialPlanError::new(at, rule, ErrorKind::IllegalChar(c)));
            }
            current.push((at, c));
            continue;
        }
        match c {
            c if c.is_whitespace() => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
            }
            '|' => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                } else if bar.is_some() || segments.is_empty() {
                    return Err(DialPlanError::new(at, rule, ErrorKind::EmptyRule));
                }
                bar = Some(at);
            }
            ']' | '>' | '}' => return Err(DialPlanError::new(at, rule, ErrorKind::Unopened(c))),
            '{' => return Err(DialPlanError::new(at, rule, ErrorKind::IllegalChar(c))),
            _ => {
                if matches!(c, '[' | '<') {
                    open = Some((at, c));
                }
                bar = None;
                current.push((at, c));
            }
        }
    }
    let rule = Some(segments.len() + 1);
    if let Some((at, opener)) = open {
        return Err(DialPlanError::new(at, rule, ErrorKind::Unclosed(opener)));
    }
    if !current.is_empty() {
        segments.push(current);
    }
    if let Some(at) = bar {
        return Err(DialPlanError::new(at, rule, ErrorKind::EmptyRule));
    }
    if segments.is_empty() {
        let at = body.first().map_or(0, |(at, _)| *at);
        return Err(DialPlanError::new(at, None, ErrorKind::NoRules));
    }
    Ok(segments)
}

/// Reads one rule, number `number` in the plan, from its characters.
fn rule(segment: &[Located], number: usize) -> Result<Rule, DialPlanError> {
    let fail = |at: usize, kind: ErrorKind| DialPlanError::new(at, Some(number), kind);
    let start = segment.first().map_or(0, |(at, _)| *at);
    let mut rest = segment;
    let mut exclude = false;
    if let [(_, '^'), tail @ ..] = rest {
        exclude = true;
        rest = tail;
    }
    let mut wait = false;
    if let [head @ .., (_, 'T')] = rest {
        wait = true;
        rest = head;
    }
    let mut items: Vec<Item> = Vec::new();
    let mut chars = rest.iter().copied();
    while let Some((at, c)) = chars.next() {
        let class = match c {
            '^' => return Err(fail(at, ErrorKind::MisplacedExclude)),
            'x' => Class::Digit,
            'X' => Class::Alnum,
            '.' => {
                items.push(Item::Keys {
                    class: Class::Any,
                    repeat: Repeat::OneOrMore,
                });
                continue;
            }
            '+' | '?' => {
                match items.last_mut() {
                    Some(Item::Keys {
                        repeat: repeat @ Repeat::Once,
                        ..
                    }) => {
                        *repeat = if c == '+' {
                            Repeat::OneOrMore
                        } else {
                            Repeat::Optional
                        };
                    }
                    Some(Item::Keys { .. }) => {
                        return Err(fail(at, ErrorKind::RepeatedQuantifier(c)))
                    }
                    // A `+` with nothing to repeat is the plus sign of an international number.
                    _ if c == '+' => items.push(Item::Keys {
                        class: Class::Key('+'),
                        repeat: Repeat::Once,
                    }),
                    _ => return Err(fail(at, ErrorKind::NothingToRepeat(c))),
                }
                continue;
            }
            '[' => Class::Set(set(&mut chars, at, number)?),
            '<' => {
                items.push(edit(&mut chars, at, number)?);
                continue;
            }
            c if is_key(c) => Class::Key(c),
            c => return Err(fail(at, ErrorKind::IllegalChar(c))),
        };
        items.push(Item::Keys {
            class,
            repeat: Repeat::Once,
        });
    }
    let consumes = items.iter().any(|item| match item {
        Item::Keys { repeat, .. } => *repeat != Repeat::Optional,
        Item::Edit { from, .. } => !from.is_empty(),
    });
    if !consumes {
        return Err(fail(start, ErrorKind::MatchesEmpty));
    }
    Ok(Rule {
        exclude,
        wait,
        items,
    })
}

/// The keys of a `[...]` set whose `[` is at `open`; `chars` continues after the `[`.
fn set(
    chars: &mut impl Iterator<Item = Located>,
    open: usize,
    rule: usize,
) -> Result<Vec<char>, DialPlanError> {
    let fail = |at: usize, kind: ErrorKind| DialPlanError::new(at, Some(rule), kind);
    let mut inner = Vec::new();
    loop {
        match chars.next() {
            Some((_, ']')) => break,
            Some(located) => inner.push(located),
            None => return Err(fail(open, ErrorKind::Unclosed('['))),
        }
    }
    let mut keys = Vec::new();
    let mut rest = inner.as_slice();
    loop {
        match rest {
            [] => break,
            [(_, from), (dash, '-'), tail @ ..] => {
                let Some(((_, to), tail)) = tail.split_first() else {
                    return Err(fail(*dash, ErrorKind::IllegalChar('-')));
                };
                let same_kind = (from.is_ascii_digit() && to.is_ascii_digit())
                    || (from.is_ascii_lowercase() && to.is_ascii_lowercase())
                    || (from.is_ascii_uppercase() && to.is_ascii_uppercase());
                if !same_kind || from > to {
                    let kind = ErrorKind::BadRange {
                        from: *from,
                        to: *to,
                    };
                    return Err(fail(*dash, kind));
                }
                keys.extend(*from..=*to);
                rest = tail;
            }
            [(at, c), tail @ ..] => {
                if !is_key(*c) || matches!(c, 'x' | 'X') {
                    return Err(fail(*at, ErrorKind::IllegalChar(*c)));
                }
                keys.push(*c);
                rest = tail;
            }
        }
    }
    if keys.is_empty() {
        return Err(fail(open, ErrorKind::EmptySet));
    }
    Ok(keys)
}

/// The edit `<from=to>` whose `<` is at `open`; `chars` continues after the `<`.
fn edit(
    chars: &mut impl Iterator<Item = Located>,
    open: usize,
    rule: usize,
) -> Result<Item, DialPlanError> {
    let fail = |at: usize, kind: ErrorKind| DialPlanError::new(at, Some(rule), kind);
    let mut from = Vec::new();
    let mut to = String::new();
    let mut equals = 0;
    loop {
        match chars.next() {
            Some((_, '>')) => break,
            Some((_, '=')) => equals += 1,
            Some((at, c)) if !is_key(c) || matches!(c, 'x' | 'X') => {
                return Err(fail(at, ErrorKind::IllegalChar(c)))
            }
            Some((_, c)) if equals == 0 => from.push(c),
            Some((_, c)) => to.push(c),
            None => return Err(fail(open, ErrorKind::Unclosed('<'))),
        }
    }
    if equals != 1 {
        return Err(fail(open, ErrorKind::EditWithoutEquals));
    }
    Ok(Item::Edit { from, to })
}
