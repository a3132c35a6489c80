//! Reversing a POSTED payment (a bounced cheque, the wrong child): one new
//! journal entry mirroring the payment's posting (DR 1100 per invoice it
//! paid, DR 2000 for what went to credit, CR 1000 for the amount), the
//! invoices it paid reopen, and the payment becomes REVERSED. Its txn_ref
//! stays on the row, so the M-Pesa code stays reserved.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Applied, COLUMNS, Payment, PostingStatus};
use crate::{
    audit,
    domain::{
        invoice,
        ledger::{self, Line, code},
        money::Money,
        text,
    },
    error::{Error, Result},
    events, sql,
};

/// The body of POST /payments/{id}/reverse.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reversal {
    /// Why: "cheque bounced", "paid for the wrong child". At most 500 characters.
    pub reason: String,
}

/// What a reversal undid, as reported in the payment.reversed event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Reversed {
    pub payment_id: Uuid,
    pub student_id: Uuid,
    pub amount: Money,
    /// The invoices reopened and by how much.
    pub reopened: Vec<Applied>,
    /// The student's credit taken back.
    pub credit: Money,
}

/// One line of the payment's own entry.
#[derive(sqlx::FromRow)]
struct Posted {
    code: String,
    invoice_id: Option<Uuid>,
    debit: Money,
    credit: Money,
}

/// Reverses a POSTED payment. A payment already REVERSED is answered as it
/// is and nothing is written (a second call, even concurrent, changes
/// nothing); a PENDING or FAILED one is 409 `payment_not_posted`. When the
/// part of the payment that became credit (2000) has since been used
/// (applied to a later invoice or refunded), the reversal is refused with
/// 409 `credit_already_used`: reverse that use first.
#[tracing::instrument(skip_all, fields(payment_id = %payment_id))]
pub async fn reverse(
    conn: &mut PgConnection,
    actor: Uuid,
    payment_id: Uuid,
    body: &Reversal,
) -> Result<Payment> {
    let reason = text::name("reason", &body.reason, 500)?;
    let payment: Payment = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM payments WHERE id = $1 FOR UPDATE"
    ))
    .bind(payment_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("payment"))?;
    match payment.posting_status {
        PostingStatus::Reversed => return Ok(payment),
        PostingStatus::Posted => {}
        PostingStatus::Pending | PostingStatus::Failed => {
            return Err(Error::conflict(
                "payment_not_posted",
                "only a POSTED payment can be reversed; this one has not reached the ledger",
            ));
        }
    }
    // The student's credit is checked and taken under the student's lock,
    // as refunds do, so two corrections cannot both spend it.
    crate::domain::refund::lock_student(conn, payment.student_id).await?;
    let posted: Vec<Posted> = sqlx::query_as(
        "SELECT a.code, l.invoice_id, l.debit, l.credit
           FROM journal_entries e
           JOIN journal_lines l ON l.school_id = e.school_id AND l.journal_entry_id = e.id
           JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
          WHERE e.source_type = 'payment' AND e.source_id = $1
          ORDER BY l.id",
    )
    .bind(payment.id)
    .fetch_all(&mut *conn)
    .await?;
    let credit = Money::from_decimal(
        posted
            .iter()
            .filter(|l| l.code == code::UNEARNED)
            .map(|l| l.credit.decimal() - l.debit.decimal())
            .sum(),
    );
    if credit > Money::ZERO && ledger::student_credit(conn, payment.student_id).await? < credit {
        return Err(Error::conflict(
            "credit_already_used",
            format!(
                "{credit} of this payment became the student's credit and part of it has since been used; reverse that first"
            ),
        ));
    }
    let reopened: Vec<Applied> = posted
        .iter()
        .filter(|l| l.code == code::RECEIVABLE)
        .filter_map(|l| {
            l.invoice_id.map(|invoice_id| Applied {
                invoice_id,
                amount: Money::from_decimal(l.credit.decimal() - l.debit.decimal()),
            })
        })
        .collect();

    let [cash, receivable, unearned] =
        ledger::account_ids(conn, [code::CASH, code::RECEIVABLE, code::UNEARNED]).await?;
    let mut lines = vec![Line::credit(cash, payment.amount).student(payment.student_id)];
    for applied in &reopened {
        lines.push(
            Line::debit(receivable, applied.amount)
                .student(payment.student_id)
                .invoice(applied.invoice_id),
        );
    }
    lines.push(Line::debit(unearned, credit).student(payment.student_id));
    let memo = format!(
        "Reversal of payment {} {}: {reason}",
        payment.method,
        payment.txn_ref.as_deref().unwrap_or("")
    );
    ledger::post(conn, &memo, "payment_reversal", payment.id, &lines).await?;
    for applied in &reopened {
        let back = Money::from_decimal(-applied.amount.decimal());
        invoice::record_payment(conn, applied.invoice_id, back).await?;
    }
    let after: Payment = sqlx::query_as(sql!(
        "UPDATE payments SET posting_status = $2, reversed_at = now(), reversal_reason = $3, reversed_by = $4
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(payment.id)
    .bind(PostingStatus::Reversed)
    .bind(&reason)
    .bind(actor)
    .fetch_one(&mut *conn)
    .await?;
    let change = audit::Change {
        actor,
        action: "reverse",
        entity: "payment",
        entity_id: &payment.id.to_string(),
    };
    audit::record(conn, change, Some(&payment), Some(&after)).await?;
    let reversed = Reversed {
        payment_id: payment.id,
        student_id: payment.student_id,
        amount: payment.amount,
        reopened,
        credit,
    };
    events::append(conn, "payment.reversed", &reversed).await?;
    Ok(after)
}
