//! Cancelling an invoice nothing has been paid on: a reversing journal
//! Cancelling an invoice nothing has been paid on: a reversing journal
//! entry (DR each income account / CR 1100, and CR 1150 or 4900 for what
//! a sponsor carried or a discount line took off; DR 1100 / CR 4900 for
//! each credit note on it), status CANCELLED, its sponsor shares closed,
//! the number kept and never given out again.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Invoice, Status};
use crate::{
    audit,
    domain::{
        credit_note,
        ledger::{self, Line},
        money::Money,
        sponsor, text,
    },
    error::{Error, Result},
};

/// The journal source of a cancellation's reversing entry; its source_id is
/// the invoice, so the journal's source key allows one per invoice.
pub const SOURCE: &str = "invoice_cancellation";

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInvoice {
    /// Why, in the office's words (1 to 500 characters).
    pub reason: String,
}

/// Cancels the invoice; credit notes on it are reversed with it. Refused
/// with 409 `invoice_has_payments` when any money sits on it: a posted
/// payment, credit applied from 2000 (both are its `paid`), or a PENDING
/// payment naming it; reverse or reallocate first. An invoice already CANCELLED answers 409 `invoice_not_open`, so
/// a repeated cancel changes nothing.
#[tracing::instrument(skip_all, fields(invoice_id = %invoice_id))]
pub async fn cancel(
    conn: &mut PgConnection,
    actor: Uuid,
    invoice_id: Uuid,
    request: &CancelInvoice,
) -> Result<Invoice> {
    let reason = text::name("reason", &request.reason, 500)?;
    // Locked first: a payment being posted waits here, then finds the
    // invoice no longer open.
    sqlx::query("SELECT 1 FROM invoices WHERE id = $1 FOR UPDATE")
        .bind(invoice_id)
        .execute(&mut *conn)
        .await?;
    let before = super::get(conn, invoice_id).await?;
    if before.status == Status::Cancelled {
        return Err(Error::conflict(
            "invoice_not_open",
            format!("invoice {} is already cancelled", before.number),
        ));
    }
    let pending: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM payments WHERE invoice_id = $1 AND posting_status = 'PENDING')",
    )
    .bind(invoice_id)
    .fetch_one(&mut *conn)
    .await?;
    if before.paid != Money::ZERO || pending {
        return Err(Error::conflict(
            "invoice_has_payments",
            format!(
                "{} is paid on invoice {}; reverse or reallocate it first",
                if pending {
                    "a payment being posted".to_string()
                } else {
                    before.paid.kes()
                },
                before.number
            ),
        ));
    }

    // A sponsor's share is closed with the invoice, unless it paid on it.
    sponsor::close_shares(conn, invoice_id, &before.number).await?;

    // The invoice's own entry and its credit notes' entries, line for line,
    // the other way round: 1100 comes back to what it was before the
    // invoice, 1150 and 4900 give back what sponsors carried and discounts
    // and notes took off (the notes themselves stay, never edited, as the
    // record). An invoice of zero was never posted and has nothing to
    // reverse.
    let posted: Vec<(
        Uuid,
        Option<Uuid>,
        rust_decimal::Decimal,
        rust_decimal::Decimal,
    )> = sqlx::query_as(
        "SELECT l.account_id, l.student_id, l.debit, l.credit
               FROM journal_entries e
               JOIN journal_lines l ON l.school_id = e.school_id AND l.journal_entry_id = e.id
              WHERE (e.source_type = 'invoice' AND e.source_id = $1)
                 OR (e.source_type = $2
                     AND e.source_id IN (SELECT n.id FROM credit_notes n WHERE n.invoice_id = $1))
              ORDER BY l.id",
    )
    .bind(invoice_id)
    .bind(credit_note::SOURCE)
    .fetch_all(&mut *conn)
    .await?;
    if !posted.is_empty() {
        let lines: Vec<Line> = posted
            .into_iter()
            .map(|(account, student, debit, credit)| {
                let line = if debit > rust_decimal::Decimal::ZERO {
                    Line::credit(account, Money::from_decimal(debit))
                } else {
                    Line::debit(account, Money::from_decimal(credit))
                };
                let line = line.invoice(invoice_id);
                match student {
                    Some(student) => line.student(student),
                    None => line,
                }
            })
            .collect();
        let memo = format!("Invoice {} cancelled", before.number);
        ledger::post(conn, &memo, SOURCE, invoice_id, &lines).await?;
    }
    sqlx::query(
        "UPDATE invoices SET status = $2, cancelled_at = now(), cancel_reason = $3 WHERE id = $1",
    )
    .bind(invoice_id)
    .bind(Status::Cancelled)
    .bind(&reason)
    .execute(&mut *conn)
    .await?;
    let after = super::get(conn, invoice_id).await?;
    let change = audit::Change {
        actor,
        action: "invoice.cancel",
        entity: "invoice",
        entity_id: &invoice_id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&after)).await?;
    Ok(after)
}
