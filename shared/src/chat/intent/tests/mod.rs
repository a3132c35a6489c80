//! The phrasing tables: each row a message as a bursar writes it and what
//! it must parse to. `actions` holds the writes (invoices, payments,
//! reminders); `questions` the questions, missing pieces, replies and the
//! JSON the arguments become. The row builders and `check` are here.

use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 4).expect("a date")
}

fn adm(no: &str) -> StudentRef {
    StudentRef::AdmissionNo(no.to_string())
}

fn name(name: &str) -> StudentRef {
    StudentRef::Name(name.to_string())
}

fn class(name: &str) -> Target {
    Target::Class(name.to_string())
}

fn invoices(target: Target, term: Option<i16>, year: Option<i32>, items: &[&str]) -> Parsed {
    Parsed::Intent(Intent::GenerateInvoices {
        target,
        term,
        year,
        include_optional: items.iter().map(|item| item.to_string()).collect(),
    })
}

fn payment(
    student: StudentRef,
    amount: &str,
    method: Option<Method>,
    txn_ref: Option<&str>,
    invoice_number: Option<&str>,
) -> Parsed {
    Parsed::Intent(Intent::RecordPayment {
        student,
        amount: Money::parse(amount).expect("an amount"),
        method,
        txn_ref: txn_ref.map(str::to_string),
        invoice_number: invoice_number.map(str::to_string),
    })
}

fn notify(channel: Option<Channel>, class: Option<&str>) -> Parsed {
    Parsed::Intent(Intent::NotifyBalances {
        channel,
        class: class.map(str::to_string),
    })
}

fn student_balance(student: StudentRef) -> Parsed {
    Parsed::Intent(Intent::StudentBalance { student })
}

fn class_balance(class: &str) -> Parsed {
    Parsed::Intent(Intent::ClassBalance {
        class: class.to_string(),
    })
}

fn collected(term: Option<i16>, year: Option<i32>) -> Parsed {
    Parsed::Intent(Intent::Collections { term, year })
}

fn incomplete(intent: &'static str, missing: &[&'static str]) -> Parsed {
    Parsed::Incomplete {
        intent,
        missing: missing.to_vec(),
    }
}

/// Runs every row and names each phrasing that parses differently.
fn check(rows: &[(&str, Parsed)]) {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(text, expected)| {
            let got = parse(text, today());
            (got != *expected)
                .then(|| format!("{text:?}\n   expected {expected:?}\n        got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

mod actions;
mod questions;
