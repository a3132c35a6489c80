//! Class names: a grade level and its stream ("Grade 4 East", "PP1 Blue").

use std::ops::RangeInclusive;

use super::names::name_run_end;
use super::words::{Words, is_name_word};

/// Grade levels: the word, how the class name spells it, its numbers.
const LEVELS: &[(&str, &str, RangeInclusive<u8>)] = &[
    ("grade", "Grade ", 1..=12),
    ("form", "Form ", 1..=6),
    ("pp", "PP", 1..=2),
];

/// "pp1", "grade4": a level written as one word.
pub(super) fn glued_level(lower: &str) -> Option<String> {
    LEVELS.iter().find_map(|(word, label, numbers)| {
        let number: u8 = lower.strip_prefix(word)?.parse().ok()?;
        numbers
            .contains(&number)
            .then(|| format!("{label}{number}"))
    })
}

/// The level starting at word `i` and the index after it.
pub(super) fn level_at(w: &Words, i: usize) -> Option<(String, usize)> {
    if !w.free(i) {
        return None;
    }
    if let Some(level) = glued_level(w.lower(i)) {
        return Some((level, i + 1));
    }
    let (_, label, numbers) = LEVELS.iter().find(|(word, ..)| *word == w.lower(i))?;
    let number: u8 = w.lower(i + 1).parse().ok()?;
    (w.free(i + 1) && numbers.contains(&number)).then(|| (format!("{label}{number}"), i + 2))
}

/// A stream word: one the parser does not know ("East", "STEM"), or a
/// single capital letter ("Grade 10 STEM A"), which is otherwise "a".
fn is_stream_word(w: &Words, i: usize) -> bool {
    let raw = w.raw(i);
    let capital_letter = raw.len() == 1 && raw.chars().all(|c| c.is_ascii_uppercase());
    w.free(i) && (capital_letter || is_name_word(w, i))
}

/// "east" is written "East"; "STEM" stays as it is.
fn stream_case(raw: &str) -> String {
    if raw.chars().any(char::is_uppercase) {
        return raw.to_string();
    }
    let mut chars = raw.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Up to three stream words after a level ("Arts & Sports" counts "&").
fn stream_after(w: &Words, start: usize) -> (Vec<String>, usize) {
    let mut stream = Vec::new();
    let mut j = start;
    while stream.len() < 3 && j > 0 && !w.ends_phrase(j - 1) {
        let ampersand = w.raw(j) == "&" && w.free(j) && is_stream_word(w, j + 1);
        if !ampersand && !is_stream_word(w, j) {
            break;
        }
        stream.push(if ampersand {
            "&".to_string()
        } else {
            stream_case(w.raw(j))
        });
        j += 1;
    }
    (stream, j)
}

/// Class names: a grade level with its stream ("Grade 4 East"), or the
/// words after "class" when the school's class names have no level
/// ("class Blue Whales").
pub(super) fn take_classes(w: &mut Words) -> Vec<String> {
    let mut classes = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let Some((level, next)) = level_at(w, i) else {
            i += 1;
            continue;
        };
        let (stream, end) = stream_after(w, next);
        w.take_range(i..end);
        classes.push(
            std::iter::once(level)
                .chain(stream)
                .collect::<Vec<_>>()
                .join(" "),
        );
        i = end;
    }
    for i in 0..w.len() {
        if w.free_in(i, &["class", "darasa"]) {
            let start = w.skip(i + 1, &["la", "the"]);
            let end = name_run_end(w, start);
            if end > start {
                classes.push(w.joined(start..end));
                w.take_range(i..end);
            }
        }
    }
    classes
}
