//! Every sentence the assistant says, in English and Kiswahili side by
//! side: its answers, previews, questions, the reports of work it started
//! and what it says when the language model fails. Replies are English
//! today (`Lang::REPLY`); replying in the user's language is a change to
//! this folder only.
//!
//! Each function takes the language and the figures, already read and
//! resolved, and returns the text. Nothing here reads the database.

pub mod answers;
pub mod model;
pub mod outcomes;
pub mod previews;
pub mod questions;

use crate::domain::payment::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    /// Kiswahili, as spoken in Kenya.
    Sw,
}

impl Lang {
    /// The language the assistant replies in.
    pub const REPLY: Lang = Lang::En;
}

/// A counted noun: its singular and plural, `{n}` where the number goes
/// (before the noun in English, after it in Kiswahili).
#[derive(Debug, Clone, Copy)]
pub struct Noun {
    en: (&'static str, &'static str),
    sw: (&'static str, &'static str),
}

pub const INVOICE: Noun = Noun {
    en: ("{n} invoice", "{n} invoices"),
    sw: ("ankara {n}", "ankara {n}"),
};
pub const STUDENT: Noun = Noun {
    en: ("{n} student", "{n} students"),
    sw: ("mwanafunzi {n}", "wanafunzi {n}"),
};
pub const ACTIVE_STUDENT: Noun = Noun {
    en: ("{n} active student", "{n} active students"),
    sw: ("mwanafunzi {n} anayesoma", "wanafunzi {n} wanaosoma"),
};
pub const GUARDIAN: Noun = Noun {
    en: ("{n} guardian", "{n} guardians"),
    sw: ("mlezi {n}", "walezi {n}"),
};

/// "1 invoice", "3 invoices"; "ankara 3", "wanafunzi 2".
pub fn count(lang: Lang, n: i64, noun: Noun) -> String {
    let (one, many) = match lang {
        Lang::En => noun.en,
        Lang::Sw => noun.sw,
    };
    let form = if n == 1 { one } else { many };
    form.replace("{n}", &n.to_string())
}

/// "Term 2 2026", "Muhula 2 2026".
pub fn term(lang: Lang, term: i16, year: i32) -> String {
    match lang {
        Lang::En => format!("Term {term} {year}"),
        Lang::Sw => format!("Muhula {term} {year}"),
    }
}

/// How a bursar names a payment method.
pub fn method(lang: Lang, method: Method) -> &'static str {
    match lang {
        Lang::En => method.spoken(),
        Lang::Sw => match method {
            Method::Mpesa => "M-Pesa",
            Method::Cash => "taslimu",
            Method::Bank => "uhamisho wa benki",
            Method::Cheque => "hundi",
        },
    }
}

/// "a, b and c"; "a, b na c".
pub fn and_list(lang: Lang, items: &[&str]) -> String {
    let and = match lang {
        Lang::En => "and",
        Lang::Sw => "na",
    };
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}

/// "John Doe (ADM-2025-001)".
pub fn student(name: &str, admission_no: &str) -> String {
    format!("{name} ({admission_no})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_nouns_agree_with_their_number_in_both_languages() {
        assert_eq!(count(Lang::En, 1, INVOICE), "1 invoice");
        assert_eq!(count(Lang::En, 3, ACTIVE_STUDENT), "3 active students");
        assert_eq!(count(Lang::Sw, 1, STUDENT), "mwanafunzi 1");
        assert_eq!(count(Lang::Sw, 4, ACTIVE_STUDENT), "wanafunzi 4 wanaosoma");
        assert_eq!(count(Lang::Sw, 2, GUARDIAN), "walezi 2");
        assert_eq!(
            and_list(Lang::En, &["lunch", "transport"]),
            "lunch and transport"
        );
        assert_eq!(and_list(Lang::Sw, &["a", "b", "c"]), "a, b na c");
    }

    /// Every sentence, said in both languages: the Kiswahili differs from
    /// the English and leaves no placeholder unfilled.
    #[test]
    fn every_sentence_has_its_kiswahili_side() {
        use crate::{
            domain::{money::Money, notification::Channel, student::Status},
            ollama::OllamaError,
        };
        let kes = |a: &str| Money::parse(a).unwrap();
        let id = uuid::Uuid::nil();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let invoices = previews::InvoicesPreview {
            target: Some("Grade 4 East"),
            term: 1,
            year: 2026,
            optional: &["Lunch"],
            students: 3,
            to_invoice: 2,
            already_invoiced: 1,
            total: kes("30000"),
            priced_by: &[("Grade 4", "Grade 4 fees (Grade 4, any term, any year)")],
            term_ended: true,
            default_only: &["Grade 5"],
            adjustments: 1,
            adjusted: kes("1500"),
        };
        let payment = previews::PaymentPreview {
            amount: kes("12000"),
            method: Method::Mpesa,
            txn_ref: Some("QKH94M1Z11"),
            who: "John Doe (ADM-1)",
            invoice_number: None,
            balance: kes("10000"),
            after: kes("-2000"),
        };
        let reminders = previews::RemindersPreview {
            class: None,
            channel: Channel::Email,
            guardians: 4,
            without_email: 1,
            students: 5,
            owed: kes("50000"),
        };
        let collections = answers::TermCollections {
            term: 1,
            year: 2026,
            invoices: 3,
            invoiced: kes("45000"),
            collected: kes("15000"),
            outstanding: kes("30000"),
            share: rust_decimal::Decimal::new(3333, 2),
        };
        let said = |lang: Lang| -> Vec<String> {
            vec![
                answers::student_balance(lang, "John", kes("-5")),
                answers::student_balance(lang, "John", Money::ZERO),
                answers::open_invoice(lang, "INV-1", 1, 2026, kes("5")),
                answers::class_balance(lang, "Grade 4 East", 3, 0, Money::ZERO),
                answers::collections(lang, &collections),
                answers::received_in_term(lang, date, date, kes("5")),
                previews::not_a_write(lang).into(),
                previews::nothing_to_invoice(lang, &invoices),
                previews::invoices(lang, &invoices),
                previews::payment_needs_student(lang).into(),
                previews::payment_reference_used(lang, Method::Cash, "X1"),
                previews::payment(lang, &payment),
                previews::nobody_to_remind(lang, None),
                previews::reminders(lang, &reminders),
                questions::ask_for(lang, "record_payment", &["student", "amount"]),
                questions::payment_method(lang, kes("5"), "ADM-1"),
                questions::not_an_invoice_of(lang, "INV-9", "ADM-1"),
                questions::no_terms(lang),
                questions::no_such_admission_no(lang, "ADM-1"),
                questions::no_student_named(lang, "John"),
                questions::candidate(lang, "John", "ADM-1", None, Status::Graduated),
                questions::which_student(lang, "John", &["a".into()], 2),
                questions::no_such_class(lang, "Grade 9", &[]),
                questions::which_year(lang, "Grade 4", &[2025, 2026]),
                outcomes::nothing_to_confirm(lang).into(),
                outcomes::nothing_to_cancel(lang).into(),
                outcomes::cancelled(lang).into(),
                outcomes::could_not(lang, "no"),
                outcomes::invoices_started(lang, id),
                outcomes::payment_recorded(lang, kes("5"), Method::Cash, "John", id),
                outcomes::reminders_started(lang, id),
                outcomes::fee_reminder(lang).1.into(),
                outcomes::invoices_done(lang, 1, kes("5"), 2),
                outcomes::invoices_failed(lang, "no"),
                outcomes::payment_posted(lang, kes("5"), kes("1")),
                outcomes::payment_failed(lang).into(),
                outcomes::reminders_done(lang, 2, 1, 3),
                outcomes::reminders_failed(lang).into(),
                model::no_answer(lang).into(),
                model::model_failed(lang, &OllamaError::Incomplete),
                model::no_longer_a_member(lang).into(),
                model::gave_up(lang).into(),
            ]
        };
        for (en, sw) in said(Lang::En).into_iter().zip(said(Lang::Sw)) {
            assert_ne!(en, sw);
            assert!(!sw.contains("{n}") && !sw.is_empty(), "{sw}");
        }
    }
}
