//! "invoice Grade 4 East for term 2 with lunch": the `generate_invoices` family.

use chrono::NaiveDate;

use super::classes::level_at;
use super::names::{Subject, subject};
use super::term::take_when;
use super::words::{Words, is_word_of_letters};
use super::{GENERATE_INVOICES, Intent, Parsed, StudentRef, Target};

/// "pamoja na" is Kiswahili "together with".
const OPTIONAL_MARKERS: &[&str] = &["with", "including", "include", "incl", "plus", "pamoja"];
const ITEM_SEPARATORS: &[&str] = &["and", "&", "na"];
/// Words that end the list of optional items.
const ITEM_END: &[&str] = &[
    "for",
    "kwa",
    "term",
    "muhula",
    "year",
    "mwaka",
    "this",
    "in",
    "to",
    "of",
    "please",
    "tafadhali",
    "za",
    "ya",
    "wa",
    "la",
    "class",
    "darasa",
    "grade",
    "form",
    "pp",
    "only",
];
const ITEM_FILLER: &[&str] = &["optional", "the", "na"];
/// "lunch fee" is the fee item "lunch".
const ITEM_TRAILER: &[&str] = &["fee", "fees", "charge", "charges"];

pub(super) fn generate_invoices(w: &mut Words, today: NaiveDate) -> Parsed {
    let when = take_when(w, today);
    let include_optional = take_optional_items(w);
    let target = match subject(w) {
        Subject::Student(student) => Some(Target::Student(student)),
        Subject::Name(name) => Some(Target::Student(StudentRef::Name(w.joined(name)))),
        Subject::Class(class) => Some(Target::Class(class)),
        Subject::Nothing => None,
        Subject::Ambiguous => return Parsed::Unknown,
    };
    let mut missing = Vec::new();
    if target.is_none() {
        missing.push("target");
    }
    missing.extend(when.missing);
    match target {
        Some(target) if missing.is_empty() => Parsed::Intent(Intent::GenerateInvoices {
            target,
            term: when.term,
            year: when.year,
            include_optional,
        }),
        _ => Parsed::Incomplete {
            intent: GENERATE_INVOICES,
            missing,
        },
    }
}

/// "with lunch and transport", "including lunch, bus": items as written.
fn take_optional_items(w: &mut Words) -> Vec<String> {
    let mut items = Vec::new();
    let Some(marker) = (0..w.len()).find(|&i| w.free_in(i, OPTIONAL_MARKERS)) else {
        return items;
    };
    w.take(marker);
    let mut item: Vec<String> = Vec::new();
    let mut i = w.skip(marker + 1, ITEM_FILLER);
    while w.free(i) {
        let lower = w.lower(i);
        if ITEM_SEPARATORS.contains(&lower) {
            finish_item(&mut items, &mut item);
        } else if ITEM_END.contains(&lower)
            || level_at(w, i).is_some()
            || !is_word_of_letters(w.raw(i))
        {
            break;
        } else if !ITEM_FILLER.contains(&lower) {
            item.push(w.raw(i).to_string());
        }
        let ends = w.ends_phrase(i);
        w.take(i);
        if ends {
            finish_item(&mut items, &mut item);
        }
        i += 1;
    }
    finish_item(&mut items, &mut item);
    items
}

fn finish_item(items: &mut Vec<String>, item: &mut Vec<String>) {
    while item
        .last()
        .is_some_and(|last| ITEM_TRAILER.contains(&last.to_lowercase().as_str()))
    {
        item.pop();
    }
    if !item.is_empty() {
        items.push(item.join(" "));
    }
    item.clear();
}
