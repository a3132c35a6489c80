//! Reads a bursar's chat message (English, Kiswahili or a mix) as one of the
//! actions the assistant runs itself, with its arguments; pure, no database.
//!
//! The parser reads words, not grammar: it finds the action by its keywords,
//! then each argument by its shape (an amount, a term, an admission number, a
//! class name, an M-Pesa code). Every word it reads is marked used, so one
//! word is never two arguments. What is left over and is not a word the
//! parser knows is taken as a person's name.
//!
//! It prefers saying too little to guessing: a message it cannot read
//! exactly is `Unknown` (the language model answers it) or `Incomplete` (the
//! user is asked for the missing piece), never an action on the wrong target.
//!
//! Admission numbers: one word of letters, digits and `/ - . _` (what
//! `student::admission_no` accepts) with a digit and either a letter
//! (`ADM-2025-001`, `A1234`) or a separator between digit groups
//! (`2025/014`); upper-cased. Plain numbers are amounts, never admission
//! numbers, and words that read as something else (`PP1`, `T2`, `10k`,
//! `INV-2026-00001`, `12/05/2026`) are not admission numbers either.
//!
//! Where things are: `words` splits the message and knows the vocabulary;
//! `classify` picks the action; `amount`, `term`, `references`, `classes`
//! and `names` read one kind of argument each; `invoices`, `payment`,
//! `notify` and `questions` put an action's arguments together; `replies`
//! reads a yes or no to a preview. `tests` holds the phrasing tables.

mod amount;
mod classes;
mod classify;
mod invoices;
mod names;
mod notify;
mod payment;
mod questions;
mod references;
mod replies;
mod term;
mod words;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::{money::Money, notification::Channel, payment::Method};

use self::classify::{Action, classify, is_question};
use self::invoices::generate_invoices;
use self::notify::notify_balances;
use self::payment::record_payment;
use self::questions::{balance, collections};
use self::replies::reply_to_preview;
use self::words::Words;

/// What a chat message asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Parsed {
    /// A known action with every required argument.
    Intent(Intent),
    /// A known action (named as `Intent::name` does) missing required
    /// arguments; the assistant asks for them.
    Incomplete {
        intent: &'static str,
        missing: Vec<&'static str>,
    },
    /// "yes", "ndio", "sawa": run the pending preview.
    Confirm,
    /// "no", "hapana", "acha": drop the pending preview.
    Cancel,
    /// Anything else; the language model answers it.
    Unknown,
}

/// An action the assistant runs itself. A term of `None` means the current
/// term and a year of `None` the current year, which the caller knows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum Intent {
    GenerateInvoices {
        target: Target,
        term: Option<i16>,
        year: Option<i32>,
        /// Optional fee items by name, as written ("lunch"); the caller
        /// matches them case-insensitively.
        include_optional: Vec<String>,
    },
    RecordPayment {
        student: StudentRef,
        amount: Money,
        method: Option<Method>,
        txn_ref: Option<String>,
        invoice_number: Option<String>,
    },
    NotifyBalances {
        channel: Option<Channel>,
        /// A class name as `Target::Class` holds it; `None` is every class.
        class: Option<String>,
    },
    StudentBalance {
        student: StudentRef,
    },
    ClassBalance {
        class: String,
    },
    Collections {
        term: Option<i16>,
        year: Option<i32>,
    },
}

const GENERATE_INVOICES: &str = "generate_invoices";
const RECORD_PAYMENT: &str = "record_payment";
const NOTIFY_BALANCES: &str = "notify_balances";
const STUDENT_BALANCE: &str = "student_balance";
const CLASS_BALANCE: &str = "class_balance";
const COLLECTIONS: &str = "collections";

impl Intent {
    /// The name used in JSON and in `Parsed::Incomplete`.
    pub fn name(&self) -> &'static str {
        match self {
            Intent::GenerateInvoices { .. } => GENERATE_INVOICES,
            Intent::RecordPayment { .. } => RECORD_PAYMENT,
            Intent::NotifyBalances { .. } => NOTIFY_BALANCES,
            Intent::StudentBalance { .. } => STUDENT_BALANCE,
            Intent::ClassBalance { .. } => CLASS_BALANCE,
            Intent::Collections { .. } => COLLECTIONS,
        }
    }

    /// A write is previewed first and runs only when the user confirms.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Intent::GenerateInvoices { .. }
                | Intent::RecordPayment { .. }
                | Intent::NotifyBalances { .. }
        )
    }
}

/// Who invoices are generated for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A class name as written, the grade level spelled the usual way
    /// ("Grade 4 East", "PP1 Blue"); the caller matches it case-insensitively.
    Class(String),
    Student(StudentRef),
}

/// A learner as the user named them; the caller looks them up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StudentRef {
    /// Upper-cased, as `student::admission_no` stores it.
    AdmissionNo(String),
    /// As written, e.g. "John Doe".
    Name(String),
}

/// Reads `text`; `today` resolves "this year" and "last year".
pub fn parse(text: &str, today: NaiveDate) -> Parsed {
    if let Some(reply) = reply_to_preview(text) {
        return reply;
    }
    let mut words = Words::new(text);
    match classify(&words, is_question(text, &words)) {
        Some(Action::Notify) => notify_balances(&mut words),
        Some(Action::Payment) => record_payment(&mut words),
        Some(Action::Invoices) => generate_invoices(&mut words, today),
        Some(Action::Collections) => collections(&mut words, today),
        Some(Action::Balance) => balance(&mut words),
        None => Parsed::Unknown,
    }
}

#[cfg(test)]
mod tests;
