//! A student's statement: every charge and payment from the ledger, oldest
//! first, with the running balance carried across terms. A reversed
//! payment and a refund each raise the balance again (their own lines); a
//! credit note lowers it ("Credit note CN-2026-00001 (BURSARY) on invoice
//! INV-2026-00001").

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{ledger::code, money::Money, student};
use crate::error::Result;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Statement {
    pub student_id: Uuid,
    pub lines: Vec<StatementLine>,
    /// What is owed now; negative means the school holds credit.
    pub balance: Money,
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StatementLine {
    pub posted_at: DateTime<Utc>,
    pub description: String,
    /// invoice, invoice_cancellation (its reversal), credit_note, payment,
    /// credit, payment_reversal or refund.
    pub source_type: String,
    pub source_id: Uuid,
    /// Charged (raises the balance).
    pub debit: Money,
    /// Paid (lowers the balance).
    pub credit: Money,
    pub balance: Money,
}

pub async fn for_student(conn: &mut PgConnection, student_id: Uuid) -> Result<Statement> {
    // 404 for an unknown (or another school's) student.
    student::get(conn, student_id).await?;
    let lines: Vec<StatementLine> = sqlx::query_as(
        "WITH moves AS (
             SELECT e.posted_at, e.memo AS description, e.source_type, e.source_id, e.id,
                    sum(l.debit - l.credit) AS net
               FROM journal_entries e
               JOIN journal_lines l ON l.school_id = e.school_id AND l.journal_entry_id = e.id
               JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
              WHERE l.student_id = $1 AND a.code IN ($2, $3)
              GROUP BY e.id, e.posted_at, e.memo, e.source_type, e.source_id
             HAVING sum(l.debit - l.credit) <> 0)
         SELECT posted_at, description, source_type, source_id,
                greatest(net, 0)::numeric(14,2) AS debit, greatest(-net, 0)::numeric(14,2) AS credit,
                sum(net) OVER (ORDER BY posted_at, id)::numeric(14,2) AS balance
           FROM moves ORDER BY posted_at, id",
    )
    .bind(student_id)
    .bind(code::RECEIVABLE)
    .bind(code::UNEARNED)
    .fetch_all(&mut *conn)
    .await?;
    let balance = lines.last().map_or(Money::ZERO, |l| l.balance);
    Ok(Statement {
        student_id,
        lines,
        balance,
    })
}
