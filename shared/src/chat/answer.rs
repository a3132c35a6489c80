//! Questions answered at once from the ledger: a student's balance, a
//! class's, and what a term has collected.

use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    action::Plan,
    preview::{plural, student_name},
};
use crate::{
    domain::{calendar, class, invoice, money::Money, payment, student},
    error::{Error, Result},
};

/// Open invoices listed under a student's balance.
const OPEN_INVOICES_SHOWN: i64 = 6;

/// The answer's text and its figures (the action's `result`).
pub async fn answer(conn: &mut PgConnection, plan: &Plan) -> Result<(String, Value)> {
    match plan {
        Plan::StudentBalance { student_id } => student_balance(conn, *student_id).await,
        Plan::ClassBalance { class_id } => class_balance(conn, *class_id).await,
        Plan::Collections { term, year } => collections(conn, *term, *year).await,
        _ => Err(Error::Internal(anyhow::anyhow!(
            "answer() is for questions, not writes"
        ))),
    }
}

async fn student_balance(conn: &mut PgConnection, student_id: Uuid) -> Result<(String, Value)> {
    let who = student_name(conn, student_id).await?;
    let balance = student::balance(conn, student_id).await?;
    let open = invoice::open_for_student(conn, student_id, OPEN_INVOICES_SHOWN).await?;
    let mut text = if balance.is_negative() {
        format!(
            "{who} owes nothing and has {} in credit.",
            Money::from_decimal(-balance.decimal()).kes()
        )
    } else if balance.decimal().is_zero() {
        format!("{who} has a balance of KES 0.00: fully paid.")
    } else {
        format!("{who} has a balance of {}.", balance.kes())
    };
    for open in &open {
        text.push_str(&format!(
            "\n- {} (Term {} {}): {} due",
            open.number,
            open.term,
            open.year,
            open.due.kes()
        ));
    }
    Ok((
        text,
        json!({"student_id": student_id, "balance": balance, "open_invoices": open.len()}),
    ))
}

async fn class_balance(conn: &mut PgConnection, class_id: Uuid) -> Result<(String, Value)> {
    let name = class::get(conn, class_id).await?.name;
    let student::ClassBalances {
        students,
        owing,
        owed,
    } = student::balances_in_class(conn, class_id).await?;
    let text = if owing == 0 {
        format!(
            "{name} owes nothing: all {} are paid up.",
            plural(students, "active student")
        )
    } else {
        format!(
            "{name} owes {}: {} of {} have a balance.",
            owed.kes(),
            owing,
            plural(students, "active student")
        )
    };
    Ok((
        text,
        json!({"class_id": class_id, "owed": owed, "students": students, "students_owing": owing}),
    ))
}

async fn collections(conn: &mut PgConnection, term: i16, year: i32) -> Result<(String, Value)> {
    let invoice::TermTotals {
        invoices,
        invoiced,
        collected,
    } = invoice::term_totals(conn, term, year).await?;
    let dates = calendar::terms(conn)
        .await?
        .into_iter()
        .find(|t| t.term == term && t.year == year);
    let received = match &dates {
        Some(t) => Some(payment::received_between(conn, t.starts_on, t.ends_on).await?),
        None => None,
    };
    let outstanding = Money::from_decimal(invoiced.decimal() - collected.decimal());
    let mut text = if invoices == 0 {
        format!("No invoices have been issued for Term {term} {year} yet.")
    } else {
        let share = collected.decimal() * rust_decimal::Decimal::ONE_HUNDRED
            / invoiced.decimal().max(rust_decimal::Decimal::ONE);
        format!(
            "Term {term} {year}: {} collected of {} invoiced ({}%) across {}; {} outstanding.",
            collected.kes(),
            invoiced.kes(),
            share.round_dp(1).normalize(),
            plural(invoices, "invoice"),
            outstanding.kes()
        )
    };
    if let (Some(received), Some(t)) = (received, &dates) {
        text.push_str(&format!(
            " Payments received between {} and {}: {}.",
            t.starts_on.format("%-d %b %Y"),
            t.ends_on.format("%-d %b %Y"),
            received.kes()
        ));
    }
    Ok((
        text,
        json!({"term": term, "year": year, "invoiced": invoiced, "collected": collected,
               "outstanding": outstanding, "received_in_term": received}),
    ))
}
