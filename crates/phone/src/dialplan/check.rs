//! Matching the keys dialed so far against the rules.
//!
//! Each rule runs as a small automaton over the keys: a thread is a position in the rule plus
//! the number it has produced so far. Threads are kept in priority order (staying in a
//! repetition before leaving it, taking an optional element before skipping it) and a
//! position reached twice keeps its first thread, so the work per key is bounded by the
//! rule's length and the result is deterministic.

use std::collections::HashSet;

use super::{is_key, same_key, Item, Repeat, Rule, Verdict};

/// The verdict of `rules` on `dialed`.
pub(super) fn verdict(rules: &[Rule], dialed: &str) -> Verdict {
    let keys: Vec<char> = dialed.chars().collect();
    if !keys.iter().all(|key| is_key(*key)) {
        return Verdict::NoMatch;
    }
    let mut at_once: Option<String> = None;
    let mut after_wait: Option<String> = None;
    let mut more = false;
    for rule in rules {
        let outcome = run(rule, &keys);
        if rule.exclude {
            if outcome.complete.is_some() {
                return Verdict::Blocked;
            }
            continue;
        }
        match outcome.complete {
            Some(number) if !outcome.more && !rule.wait => {
                at_once.get_or_insert(number);
            }
            Some(number) => {
                after_wait.get_or_insert(number);
            }
            None => {}
        }
        more |= outcome.more;
    }
    if let Some(number) = at_once {
        Verdict::Complete {
            number,
            wait: false,
        }
    } else if let Some(number) = after_wait {
        Verdict::Complete { number, wait: true }
    } else if more {
        Verdict::Partial
    } else {
        Verdict::NoMatch
    }
}

/// What one rule makes of the keys.
struct Outcome {
    /// The rule matches all the keys, giving this number.
    complete: Option<String>,
    /// The rule could match the keys followed by more keys.
    more: bool,
}

/// A position in a rule and the number produced on the way there.
#[derive(Clone)]
struct Thread {
    /// The element it is at (`items.len()` when the rule is done).
    item: usize,
    /// For a repetition, whether it has matched once; for an edit, how many of its keys.
    progress: usize,
    /// The number so far.
    number: String,
}

/// Runs `rule` over `keys`.
fn run(rule: &Rule, keys: &[char]) -> Outcome {
    let mut threads = Vec::new();
    let mut seen = HashSet::new();
    let start = Thread {
        item: 0,
        progress: 0,
        number: String::new(),
    };
    add(rule, &mut threads, &mut seen, start);
    for &key in keys {
        let mut next = Vec::new();
        let mut seen = HashSet::new();
        for thread in threads {
            if let Some(stepped) = step(rule, thread, key) {
                add(rule, &mut next, &mut seen, stepped);
            }
        }
        if next.is_empty() {
            return Outcome {
                complete: None,
                more: false,
            };
        }
        threads = next;
    }
    let done = rule.items.len();
    let more = threads.iter().any(|thread| thread.item < done);
    let complete = threads.into_iter().find(|thread| thread.item == done);
    Outcome {
        complete: complete.map(|thread| thread.number),
        more,
    }
}

/// `thread` after it takes `key`, if its element accepts it.
fn step(rule: &Rule, mut thread: Thread, key: char) -> Option<Thread> {
    match rule.items.get(thread.item)? {
        Item::Keys { class, repeat } if class.accepts(key) => {
            thread.number.push(key);
            if *repeat == Repeat::OneOrMore {
                thread.progress = 1;
            } else {
                thread.item += 1;
                thread.progress = 0;
            }
            Some(thread)
        }
        Item::Edit { from, .. } if from.get(thread.progress).is_some_and(|k| same_key(*k, key)) => {
            thread.progress += 1;
            Some(thread)
        }
        _ => None,
    }
}

/// Adds `thread` to `threads`, with the positions it reaches without taking a key.
fn add(rule: &Rule, threads: &mut Vec<Thread>, seen: &mut HashSet<(usize, usize)>, thread: Thread) {
    let mut pending = Some(thread);
    while let Some(mut thread) = pending.take() {
        let item = rule.items.get(thread.item);
        if let Some(Item::Edit { from, to }) = item {
            if thread.progress == from.len() {
                // The edit's keys are all there: its replacement goes out and the rule moves on.
                thread.number.push_str(to);
                thread.item += 1;
                thread.progress = 0;
                pending = Some(thread);
                continue;
            }
        }
        if !seen.insert((thread.item, thread.progress)) {
            continue;
        }
        let can_leave = match item {
            Some(Item::Keys {
                repeat: Repeat::Optional,
                ..
            }) => thread.progress == 0,
            Some(Item::Keys {
                repeat: Repeat::OneOrMore,
                ..
            }) => thread.progress == 1,
            _ => false,
        };
        if can_leave {
            let left = Thread {
                item: thread.item + 1,
                progress: 0,
                number: thread.number.clone(),
            };
            pending = Some(left);
        }
        threads.push(thread);
    }
}
