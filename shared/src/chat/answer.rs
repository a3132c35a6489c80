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
    domain::{
        calendar,
        money::Money,
        student::{self, BALANCE_SQL},
    },
    error::{Error, Result},
    sql,
};

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
    let open: Vec<(String, i16, i32, rust_decimal::Decimal)> = sqlx::query_as(
        "SELECT number, term, year, total - paid FROM invoices
          WHERE student_id = $1 AND status IN ('UNPAID', 'PARTIAL') ORDER BY issued_at, number LIMIT 6",
    )
    .bind(student_id)
    .fetch_all(&mut *conn)
    .await?;
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
    for (number, term, year, due) in &open {
        text.push_str(&format!(
            "\n- {number} (Term {term} {year}): {} due",
            Money::from_decimal(*due).kes()
        ));
    }
    Ok((
        text,
        json!({"student_id": student_id, "balance": balance, "open_invoices": open.len()}),
    ))
}

async fn class_balance(conn: &mut PgConnection, class_id: Uuid) -> Result<(String, Value)> {
    let name: String = sqlx::query_scalar("SELECT name FROM classes WHERE id = $1")
        .bind(class_id)
        .fetch_one(&mut *conn)
        .await?;
    let (students, owing, owed): (i64, i64, rust_decimal::Decimal) = sqlx::query_as(sql!(
        "SELECT count(*), count(*) FILTER (WHERE b.balance > 0),
                coalesce(sum(b.balance) FILTER (WHERE b.balance > 0), 0)
           FROM (SELECT {BALANCE_SQL} AS balance FROM students s
                  WHERE s.class_id = $1 AND s.status = 'ACTIVE') b"
    ))
    .bind(class_id)
    .fetch_one(conn)
    .await?;
    let owed = Money::from_decimal(owed);
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
    let (invoices, invoiced, collected): (i64, rust_decimal::Decimal, rust_decimal::Decimal) =
        sqlx::query_as(
            "SELECT count(*), coalesce(sum(total), 0), coalesce(sum(paid), 0) FROM invoices
              WHERE term = $1 AND year = $2 AND status <> 'CANCELLED'",
        )
        .bind(term)
        .bind(year)
        .fetch_one(&mut *conn)
        .await?;
    let dates = calendar::terms(conn)
        .await?
        .into_iter()
        .find(|t| t.term == term && t.year == year);
    let received: Option<rust_decimal::Decimal> = match &dates {
        Some(t) => Some(
            sqlx::query_scalar(
                "SELECT coalesce(sum(amount), 0) FROM payments
                  WHERE (paid_at AT TIME ZONE 'Africa/Nairobi')::date BETWEEN $1 AND $2",
            )
            .bind(t.starts_on)
            .bind(t.ends_on)
            .fetch_one(&mut *conn)
            .await?,
        ),
        None => None,
    };
    let outstanding = Money::from_decimal(invoiced - collected);
    let (invoiced, collected) = (
        Money::from_decimal(invoiced),
        Money::from_decimal(collected),
    );
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
            Money::from_decimal(received).kes()
        ));
    }
    Ok((
        text,
        json!({"term": term, "year": year, "invoiced": invoiced, "collected": collected,
               "outstanding": outstanding, "received_in_term": received.map(Money::from_decimal)}),
    ))
}
