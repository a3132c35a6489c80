//! Refunds: paying a student's credit (2000) back out, DR 2000 / CR 1000,
//! never more than the credit the school holds for the student. A refund
//! is a row of its own and its journal entry; neither is ever edited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    ledger::{self, Line, code},
    money::Money,
    payment::Method,
    student, text,
};
use crate::{
    audit,
    error::{Error, Result},
    events, sql,
};

/// The body of POST /students/{id}/refunds.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRefund {
    /// More than zero, at most the student's credit; a number or a string.
    pub amount: Money,
    /// How the money went back: as payments' methods.
    pub method: Method,
    /// Required for MPESA and BANK; unique per school and method.
    pub txn_ref: Option<String>,
    /// Why the credit is paid back. At most 500 characters.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Refund {
    pub id: Uuid,
    pub student_id: Uuid,
    pub amount: Money,
    pub method: Method,
    pub txn_ref: Option<String>,
    pub reason: String,
    pub refunded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, student_id, amount, method, txn_ref, reason, refunded_by, created_at";

/// Locks the student's row: the corrections that spend a student's credit
/// (refunds, payment reversals) check and take it under this lock, so two
/// of them cannot both spend the same credit. 404 for no such student.
pub async fn lock_student(conn: &mut PgConnection, student_id: Uuid) -> Result<()> {
    sqlx::query_scalar::<_, i32>("SELECT 1 FROM students WHERE id = $1 FOR UPDATE")
        .bind(student_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("student"))?;
    Ok(())
}

/// Records a refund of the student's credit and posts DR 2000 / CR 1000 in
/// the caller's transaction; 409 `refund_exceeds_credit` beyond the credit.
#[tracing::instrument(skip_all, fields(student_id = %student_id))]
pub async fn record(
    conn: &mut PgConnection,
    actor: Uuid,
    student_id: Uuid,
    new: &NewRefund,
) -> Result<Refund> {
    if new.amount.decimal() <= rust_decimal::Decimal::ZERO {
        return Err(Error::invalid(
            "invalid_amount",
            "amount must be greater than zero",
        ));
    }
    let txn_ref = new.method.reference(new.txn_ref.as_deref())?;
    let reason = text::name("reason", &new.reason, 500)?;
    lock_student(conn, student_id).await?;
    let credit = ledger::student_credit(conn, student_id).await?;
    if new.amount > credit {
        return Err(Error::conflict(
            "refund_exceeds_credit",
            format!(
                "the school holds {credit} of credit for this student; a refund cannot be more"
            ),
        ));
    }
    let refund: Refund = sqlx::query_as(sql!(
        "INSERT INTO refunds (school_id, id, student_id, amount, method, txn_ref, reason, refunded_by)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6, $7)
         RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(student_id)
    .bind(new.amount)
    .bind(new.method)
    .bind(&txn_ref)
    .bind(&reason)
    .bind(actor)
    .fetch_one(&mut *conn)
    .await?;
    let [cash, unearned] = ledger::account_ids(conn, [code::CASH, code::UNEARNED]).await?;
    let lines = [
        Line::debit(unearned, refund.amount).student(student_id),
        Line::credit(cash, refund.amount).student(student_id),
    ];
    let memo = format!(
        "Refund {} {}: {reason}",
        refund.method,
        refund.txn_ref.as_deref().unwrap_or("")
    );
    ledger::post(conn, &memo, "refund", refund.id, &lines).await?;
    let change = audit::Change {
        actor,
        action: "create",
        entity: "refund",
        entity_id: &refund.id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&refund)).await?;
    events::append(conn, "refund.recorded", &refund).await?;
    Ok(refund)
}

/// The student's refunds, oldest first; 404 for no such student.
pub async fn for_student(conn: &mut PgConnection, student_id: Uuid) -> Result<Vec<Refund>> {
    student::get(conn, student_id).await?;
    let refunds = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM refunds WHERE student_id = $1 ORDER BY id"
    ))
    .bind(student_id)
    .fetch_all(conn)
    .await?;
    Ok(refunds)
}
