//! Terms, years and dates: "term 2 2026", "this term", "muhula wa pili".

use chrono::Datelike;
use chrono::NaiveDate;

use super::words::Words;

/// What the message says about the term.
#[derive(Debug, PartialEq)]
pub(super) enum TermSaid {
    /// Nothing, "this term", "term hii": the caller's current term.
    Current,
    Number(i16),
    /// "last term", "term 4": the parser cannot tell which term is meant,
    /// so the user is asked rather than given the current one.
    Unclear,
}

const TERM_WORDS: &[&str] = &["term", "muhula", "mhula"];
const TERM_CONNECTORS: &[&str] = &["ya", "wa", "la", "no", "number", "namba"];
const CURRENT: &[&str] = &["this", "current", "hii", "huu", "hiki", "sasa"];
const RELATIVE: &[&str] = &[
    "last",
    "previous",
    "past",
    "next",
    "uliopita",
    "iliyopita",
    "ujao",
    "ijayo",
];

/// "1", "one", "I", "first", "1st", "kwanza" and so on.
fn term_number(lower: &str) -> Option<i16> {
    match lower {
        "1" | "one" | "i" | "first" | "1st" | "kwanza" => Some(1),
        "2" | "two" | "ii" | "second" | "2nd" | "pili" => Some(2),
        "3" | "three" | "iii" | "third" | "3rd" | "tatu" => Some(3),
        _ => None,
    }
}

/// "t2", "term2".
pub(super) fn glued_term(lower: &str) -> Option<i16> {
    let digits = lower
        .strip_prefix("term")
        .or_else(|| lower.strip_prefix('t'))?;
    (digits.len() == 1).then(|| term_number(digits)).flatten()
}

/// Reads and uses the first term words; "term 2/2026" also gives the year.
pub(super) fn take_term(w: &mut Words) -> (TermSaid, Option<i32>) {
    for i in 0..w.len() {
        if !w.free(i) {
            continue;
        }
        if let Some(term) = glued_term(w.lower(i)) {
            w.take(i);
            return (TermSaid::Number(term), None);
        }
        if TERM_WORDS.contains(&w.lower(i)) {
            w.take(i);
            return term_around(w, i);
        }
    }
    (TermSaid::Current, None)
}

/// The term the words around "term" (at `i`) name: "term 2", "term hii",
/// "muhula wa pili", "second term", "last term".
fn term_around(w: &mut Words, i: usize) -> (TermSaid, Option<i32>) {
    let next = w.skip(i + 1, TERM_CONNECTORS);
    let after = w.lower(next).to_string();
    let before = match i.checked_sub(1) {
        Some(j) if w.free(j) => w.lower(j).to_string(),
        _ => String::new(),
    };
    if let Some(term) = term_number(&after) {
        w.take_range(i + 1..next + 1);
        return (TermSaid::Number(term), None);
    }
    if let Some((term, year)) = term_and_year(&after) {
        w.take_range(i + 1..next + 1);
        return (TermSaid::Number(term), Some(year));
    }
    if CURRENT.contains(&after.as_str()) {
        w.take_range(i + 1..next + 1);
        return (TermSaid::Current, None);
    }
    // "term 4" is no term; "term 2026" is left to the year.
    let other_number = after.len() <= 2 && after.parse::<u8>().is_ok();
    if RELATIVE.contains(&after.as_str()) || other_number {
        return (TermSaid::Unclear, None);
    }
    if let Some(term) = term_number(&before) {
        w.take(i - 1);
        return (TermSaid::Number(term), None);
    }
    if RELATIVE.contains(&before.as_str()) {
        return (TermSaid::Unclear, None);
    }
    if CURRENT.contains(&before.as_str()) {
        w.take(i - 1);
    }
    (TermSaid::Current, None)
}

/// "2/2026" after the word term.
fn term_and_year(lower: &str) -> Option<(i16, i32)> {
    let (term, year) = lower.split_once(['/', '-'])?;
    Some((term_number(term)?, year_number(year)?))
}

fn year_number(lower: &str) -> Option<i32> {
    let year: i32 = lower.parse().ok()?;
    (lower.len() == 4 && (2000..=2100).contains(&year)).then_some(year)
}

/// Something the user said that cannot be read as one value: "term 4",
/// "1999", "email and in-app".
pub(super) struct Unreadable;

/// The term and year of an invoice run or a collections question.
pub(super) struct When {
    pub(super) term: Option<i16>,
    pub(super) year: Option<i32>,
    /// "term", "year": said, but not as one the parser can name.
    pub(super) missing: Vec<&'static str>,
}

pub(super) fn take_when(w: &mut Words, today: NaiveDate) -> When {
    let mut missing = Vec::new();
    let (term_said, term_year) = take_term(w);
    let term = match term_said {
        TermSaid::Current => None,
        TermSaid::Number(term) => Some(term),
        TermSaid::Unclear => {
            missing.push("term");
            None
        }
    };
    let year = match term_year {
        Some(year) => Some(year),
        None => take_year(w, today).unwrap_or_else(|Unreadable| {
            missing.push("year");
            None
        }),
    };
    When {
        term,
        year,
        missing,
    }
}

/// "2026", "this year", "mwaka jana" (last year). A four-digit number
/// outside 2000-2100 is a year the school cannot have, so it is unreadable
/// rather than ignored (which would answer for the current year).
fn take_year(w: &mut Words, today: NaiveDate) -> Result<Option<i32>, Unreadable> {
    for i in 0..w.len() {
        if !w.free(i) {
            continue;
        }
        if let Some(year) = year_number(w.lower(i)) {
            w.take(i);
            return Ok(Some(year));
        }
        if w.lower(i).len() == 4 && w.lower(i).parse::<u16>().is_ok() {
            return Err(Unreadable);
        }
        let offset = match (w.lower(i), w.lower(i + 1)) {
            ("this" | "current", "year") | ("mwaka", "huu" | "hii") => Some(0),
            ("last" | "previous", "year") | ("mwaka", "jana" | "uliopita") => Some(-1),
            ("next", "year") | ("mwaka", "ujao") => Some(1),
            _ => None,
        };
        if let Some(offset) = offset {
            w.take_range(i..i + 2);
            return Ok(Some(today.year() + offset));
        }
    }
    Ok(None)
}
