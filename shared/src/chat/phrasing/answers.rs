//! Questions answered at once from the ledger: a student's balance, a
//! class's, and what a term has collected.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{ACTIVE_STUDENT, INVOICE, Lang, count, term};
use crate::domain::money::Money;

/// A student's balance: owing, fully paid, or in credit.
pub fn student_balance(lang: Lang, who: &str, balance: Money) -> String {
    if balance.is_negative() {
        let credit = Money::from_decimal(-balance.decimal()).kes();
        match lang {
            Lang::En => format!("{who} owes nothing and has {credit} in credit."),
            Lang::Sw => format!("{who} hadaiwi chochote na ana ziada ya {credit}."),
        }
    } else if balance.decimal().is_zero() {
        match lang {
            Lang::En => format!("{who} has a balance of KES 0.00: fully paid."),
            Lang::Sw => format!("Salio la {who} ni KES 0.00: amelipa ada yote."),
        }
    } else {
        let balance = balance.kes();
        match lang {
            Lang::En => format!("{who} has a balance of {balance}."),
            Lang::Sw => format!("Salio la {who} ni {balance}."),
        }
    }
}

/// One open invoice under a student's balance, on a line of its own.
pub fn open_invoice(lang: Lang, number: &str, term_no: i16, year: i32, due: Money) -> String {
    let term = term(lang, term_no, year);
    let due = due.kes();
    match lang {
        Lang::En => format!("\n- {number} ({term}): {due} due"),
        Lang::Sw => format!("\n- {number} ({term}): deni {due}"),
    }
}

/// What a class owes, from its active students' balances.
pub fn class_balance(lang: Lang, class: &str, students: i64, owing: i64, owed: Money) -> String {
    let students = count(lang, students, ACTIVE_STUDENT);
    match (lang, owing) {
        (Lang::En, 0) => format!("{class} owes nothing: all {students} are paid up."),
        (Lang::Sw, 0) => {
            format!("Darasa la {class} halidaiwi chochote: hakuna deni kwa {students}.")
        }
        (Lang::En, _) => format!(
            "{class} owes {}: {owing} of {students} have a balance.",
            owed.kes()
        ),
        (Lang::Sw, _) => format!(
            "Darasa la {class} linadaiwa {}: wenye deni ni {owing} kati ya {students}.",
            owed.kes()
        ),
    }
}

/// A term's invoices: collected against invoiced. `share` is the percent
/// collected.
pub struct TermCollections {
    pub term: i16,
    pub year: i32,
    pub invoices: i64,
    pub invoiced: Money,
    pub collected: Money,
    pub outstanding: Money,
    pub share: Decimal,
}

pub fn collections(lang: Lang, figures: &TermCollections) -> String {
    let term = term(lang, figures.term, figures.year);
    if figures.invoices == 0 {
        return match lang {
            Lang::En => format!("No invoices have been issued for {term} yet."),
            Lang::Sw => format!("Bado hakuna ankara zilizotolewa kwa {term}."),
        };
    }
    let (collected, invoiced, outstanding) = (
        figures.collected.kes(),
        figures.invoiced.kes(),
        figures.outstanding.kes(),
    );
    let share = figures.share.round_dp(1).normalize();
    let invoices = count(lang, figures.invoices, INVOICE);
    match lang {
        Lang::En => format!(
            "{term}: {collected} collected of {invoiced} invoiced ({share}%) across {invoices}; {outstanding} outstanding."
        ),
        Lang::Sw => format!(
            "{term}: {collected} zimekusanywa kati ya {invoiced} zilizotozwa ({share}%) kwenye {invoices}; {outstanding} bado zinadaiwa."
        ),
    }
}

/// Posted payments received while the term ran, after the collections.
pub fn received_in_term(lang: Lang, from: NaiveDate, to: NaiveDate, received: Money) -> String {
    let received = received.kes();
    match lang {
        Lang::En => format!(
            " Payments received between {} and {}: {received}.",
            from.format("%-d %b %Y"),
            to.format("%-d %b %Y")
        ),
        Lang::Sw => format!(
            " Malipo yaliyopokelewa kati ya {} na {}: {received}.",
            date_sw(from),
            date_sw(to)
        ),
    }
}

/// "5 Januari 2026".
pub fn date_sw(date: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Januari", "Februari", "Machi", "Aprili", "Mei", "Juni", "Julai", "Agosti", "Septemba",
        "Oktoba", "Novemba", "Desemba",
    ];
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kes(amount: &str) -> Money {
        Money::parse(amount).unwrap()
    }

    #[test]
    fn a_balance_is_said_in_english_and_kiswahili() {
        assert_eq!(
            student_balance(Lang::En, "John Doe (ADM-1)", kes("1500")),
            "John Doe (ADM-1) has a balance of KES 1,500.00."
        );
        assert_eq!(
            student_balance(Lang::Sw, "John Doe (ADM-1)", kes("1500")),
            "Salio la John Doe (ADM-1) ni KES 1,500.00."
        );
        assert_eq!(
            class_balance(Lang::Sw, "Grade 4 East", 3, 2, kes("9000")),
            "Darasa la Grade 4 East linadaiwa KES 9,000.00: wenye deni ni 2 kati ya wanafunzi 3 wanaosoma."
        );
        let from = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        assert_eq!(
            received_in_term(Lang::Sw, from, to, kes("1000")),
            " Malipo yaliyopokelewa kati ya 5 Januari 2026 na 2 Aprili 2026: KES 1,000.00."
        );
    }
}
