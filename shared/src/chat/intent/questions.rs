//! Questions answered from the ledger: balances and collections.

use std::ops::Range;

use chrono::NaiveDate;

use super::classify::{BALANCE, INVOICE};
use super::names::{Subject, subject};
use super::term::{When, take_when};
use super::words::Words;
use super::{CLASS_BALANCE, COLLECTIONS, Intent, Parsed, STUDENT_BALANCE, StudentRef};

/// Collections are the school's total: a class, learner or method in the
/// question asks for a breakdown this intent does not give.
pub(super) fn collections(w: &mut Words, today: NaiveDate) -> Parsed {
    let When {
        term,
        year,
        missing,
    } = take_when(w, today);
    if !missing.is_empty() {
        return Parsed::Incomplete {
            intent: COLLECTIONS,
            missing,
        };
    }
    match subject(w) {
        Subject::Nothing => Parsed::Intent(Intent::Collections { term, year }),
        _ => Parsed::Unknown,
    }
}

/// "how much do parents owe in total?": a balance of the whole school,
/// which is not an intent.
const SCHOOL_WIDE: &[&str] = &[
    "total", "all", "everyone", "parents", "families", "school", "jumla", "wote", "wazazi",
];
/// Words right before the learner a balance question is about.
const BALANCE_OF: &[&str] = &[
    "for", "of", "la", "ya", "wa", "by", "kwa", "does", "did", "has",
];

/// A learner's or a class's balance. An invoice's balance is not an intent.
pub(super) fn balance(w: &mut Words) -> Parsed {
    if w.mentions(INVOICE) {
        return Parsed::Unknown;
    }
    let asks_class = w.mentions(&["class", "darasa"]);
    let school_wide = w.mentions(SCHOOL_WIDE);
    match subject(w) {
        Subject::Student(student) => Parsed::Intent(Intent::StudentBalance { student }),
        Subject::Name(name) if names_the_debtor(w, &name) => {
            Parsed::Intent(Intent::StudentBalance {
                student: StudentRef::Name(w.joined(name)),
            })
        }
        Subject::Class(class) => Parsed::Intent(Intent::ClassBalance { class }),
        Subject::Name(_) | Subject::Ambiguous => Parsed::Unknown,
        Subject::Nothing if school_wide => Parsed::Unknown,
        Subject::Nothing if asks_class => Parsed::Incomplete {
            intent: CLASS_BALANCE,
            missing: vec!["class"],
        },
        Subject::Nothing => Parsed::Incomplete {
            intent: STUDENT_BALANCE,
            missing: vec!["student"],
        },
    }
}

/// Whether a name sits where a balance question puts the learner ("balance
/// for Akinyi", "Akinyi's balance", "how much does Brian owe"), so a stray
/// word ("what is the fee balance policy?") is not taken for a learner.
fn names_the_debtor(w: &Words, name: &Range<usize>) -> bool {
    let possessive = w.list[name.end - 1].possessive;
    let owes_next = BALANCE.contains(&w.lower(name.end));
    possessive || owes_next || w.follows(name.start, BALANCE_OF)
}
