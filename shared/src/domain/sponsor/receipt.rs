//! A sponsor payment's receipt: what GET /sponsor-payments/{id}/receipt
//! shows, read from the payment row (number, what the sponsor owed after
//! it), the payment's own journal entry (its 1150 lines, per student and
//! invoice) and the school and sponsor as they are.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    domain::{
        ledger::code,
        money::Money,
        payment::{
            Method, PostingStatus,
            receipt::{ReceiptSchool, in_words, school},
        },
    },
    error::{Error, Result},
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SponsorReceipt {
    /// RCT-YYYY-NNNNN, from the series family payments number in too.
    pub receipt_no: String,
    /// When the payment was posted (recorded): the receipt's date.
    pub issued_at: DateTime<Utc>,
    /// POSTED, or REVERSED (then `reversed_at` and `reversal_reason`).
    pub status: PostingStatus,
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversal_reason: Option<String>,
    pub school: ReceiptSchool,
    pub sponsor: ReceiptSponsor,
    pub sponsor_payment_id: Uuid,
    pub amount: Money,
    /// The amount in English words, in Kenya shillings and cents.
    pub amount_in_words: String,
    pub method: Method,
    pub txn_ref: Option<String>,
    pub paid_at: DateTime<Utc>,
    /// What the payment settled, per student and invoice (its 1150 lines).
    pub allocation: Vec<SponsorReceiptAllocation>,
    /// What the sponsor still owed right after this payment.
    pub owed_after: Money,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReceiptSponsor {
    pub id: Uuid,
    pub name: String,
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SponsorReceiptAllocation {
    pub student_id: Uuid,
    pub student_name: String,
    pub admission_no: String,
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub term: i16,
    pub year: i32,
    pub amount: Money,
}

#[derive(sqlx::FromRow)]
struct Row {
    receipt_no: Option<String>,
    owed_after: Option<Money>,
    reversed_at: Option<DateTime<Utc>>,
    reversal_reason: Option<String>,
    sponsor_id: Uuid,
    amount: Money,
    method: Method,
    txn_ref: Option<String>,
    paid_at: DateTime<Utc>,
    issued_at: DateTime<Utc>,
}

/// The receipt of a sponsor payment; 404 for no such payment, 409
/// `receipt_not_issued` for one recorded before sponsor receipts began.
#[tracing::instrument(skip_all, fields(payment_id = %payment_id))]
pub async fn get(conn: &mut PgConnection, payment_id: Uuid) -> Result<SponsorReceipt> {
    let row: Row = sqlx::query_as(
        "SELECT p.receipt_no, p.owed_after, p.reversed_at, p.reversal_reason, p.sponsor_id,
                p.amount, p.method, p.txn_ref, p.paid_at, e.posted_at AS issued_at
           FROM sponsor_payments p
           JOIN journal_entries e
             ON e.school_id = p.school_id AND e.source_type = 'sponsor_payment' AND e.source_id = p.id
          WHERE p.id = $1",
    )
    .bind(payment_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("sponsor_payment"))?;
    let (Some(receipt_no), Some(owed_after)) = (row.receipt_no, row.owed_after) else {
        return Err(Error::conflict(
            "receipt_not_issued",
            "this sponsor payment was recorded before sponsor receipts began, so it has no receipt number",
        ));
    };
    let sponsor = sqlx::query_as("SELECT id, name, contact FROM sponsors WHERE id = $1")
        .bind(row.sponsor_id)
        .fetch_one(&mut *conn)
        .await?;
    let allocation = sqlx::query_as(
        "SELECT s.id AS student_id, s.first_name || ' ' || s.last_name AS student_name, s.admission_no,
                i.id AS invoice_id, i.number AS invoice_number, i.term, i.year,
                sum(l.credit - l.debit) AS amount
           FROM journal_entries e
           JOIN journal_lines l ON l.school_id = e.school_id AND l.journal_entry_id = e.id
           JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
           JOIN invoices i ON i.school_id = l.school_id AND i.id = l.invoice_id
           JOIN students s ON s.school_id = l.school_id AND s.id = l.student_id
          WHERE e.source_type = 'sponsor_payment' AND e.source_id = $1 AND a.code = $2
          GROUP BY s.id, s.first_name, s.last_name, s.admission_no, i.id, i.number, i.term, i.year, i.issued_at
          ORDER BY i.year, i.term, i.issued_at, i.number, s.admission_no",
    )
    .bind(payment_id)
    .bind(code::SPONSOR_RECEIVABLE)
    .fetch_all(&mut *conn)
    .await?;
    Ok(SponsorReceipt {
        receipt_no,
        issued_at: row.issued_at,
        status: if row.reversed_at.is_some() {
            PostingStatus::Reversed
        } else {
            PostingStatus::Posted
        },
        reversed_at: row.reversed_at,
        reversal_reason: row.reversal_reason,
        school: school(conn).await?,
        sponsor,
        sponsor_payment_id: payment_id,
        amount: row.amount,
        amount_in_words: in_words(row.amount),
        method: row.method,
        txn_ref: row.txn_ref,
        paid_at: row.paid_at,
        allocation,
        owed_after,
    })
}

/// "Sponsor still owes: KES 5,000.00", or "Nothing more owed by the sponsor".
pub fn owed_words(owed: Money) -> String {
    if owed > Money::ZERO {
        format!("Sponsor still owes: {}", owed.kes())
    } else {
        "Sponsor owes nothing more: KES 0.00".to_string()
    }
}
