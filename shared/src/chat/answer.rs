//! Questions answered at once from the ledger: a student's balance, a
//! class's, and what a term has collected.

use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    action::Plan,
    phrasing::{
        Lang,
        answers::{self, TermCollections},
    },
    preview::student_name,
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
    let mut text = answers::student_balance(Lang::REPLY, &who, balance);
    for open in &open {
        text.push_str(&answers::open_invoice(
            Lang::REPLY,
            &open.number,
            open.term,
            open.year,
            open.due,
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
    let text = answers::class_balance(Lang::REPLY, &name, students, owing, owed);
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
    let share = collected.decimal() * rust_decimal::Decimal::ONE_HUNDRED
        / invoiced.decimal().max(rust_decimal::Decimal::ONE);
    let mut text = answers::collections(
        Lang::REPLY,
        &TermCollections {
            term,
            year,
            invoices,
            invoiced,
            collected,
            outstanding,
            share,
        },
    );
    if let (Some(received), Some(t)) = (received, &dates) {
        text.push_str(&answers::received_in_term(
            Lang::REPLY,
            t.starts_on,
            t.ends_on,
            received,
        ));
    }
    Ok((
        text,
        json!({"term": term, "year": year, "invoiced": invoiced, "collected": collected,
               "outstanding": outstanding, "received_in_term": received}),
    ))
}
