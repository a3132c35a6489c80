//! Invoices: issued per student, term and year, with lines copied from the
//! fee structure at issue time (TERM), or one-off charges (ADHOC); cancelled
//! by a reversing entry, never deleted.

pub mod adhoc;
pub mod cancel;
pub mod generate;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{money::Money, text_enum::text_enum};
use crate::{
    error::{Error, Result},
    page::{Page, PageRequest},
    sql,
};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Invoice {
    pub id: Uuid,
    /// INV-2025-00001: per school and year, gapless.
    pub number: String,
    pub student_id: Uuid,
    pub term: i16,
    pub year: i32,
    pub total: Money,
    /// Paid by the family (and credit used on it).
    pub paid: Money,
    /// Taken off by credit notes (waivers, discounts, bursaries).
    pub credited: Money,
    /// The share a sponsor carries (owed on 1150, not by the family).
    pub sponsored: Money,
    /// What the family still owes: total - paid - credited - sponsored.
    pub balance: Money,
    pub status: Status,
    pub issued_at: DateTime<Utc>,
    /// The fee structure's `due_days` after the term starts.
    pub due_date: NaiveDate,
    /// The structure the invoice was priced from; null for invoices issued
    /// before structures were recorded.
    pub fee_structure_id: Option<Uuid>,
    /// TERM (generated, one per student and term) or ADHOC (a one-off charge).
    pub kind: Kind,
    pub memo: Option<String>,
    /// Set when the invoice is CANCELLED.
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[schema(as = InvoiceKind)]
pub enum Kind {
    Term,
    Adhoc,
}

text_enum!(Kind);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InvoiceLine {
    pub id: Uuid,
    pub name: String,
    pub amount: Money,
    pub income_account_id: Uuid,
    pub fee_item_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[schema(as = InvoiceStatus)]
pub enum Status {
    Unpaid,
    Partial,
    Paid,
    Cancelled,
}

text_enum!(Status);

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceFilter {
    pub student_id: Option<Uuid>,
    pub class_id: Option<Uuid>,
    #[param(inline)]
    pub status: Option<Status>,
    /// Any whole number a term can be stored as; only 1 to 3 find invoices.
    #[param(minimum = -32768, maximum = 32767)]
    pub term: Option<i16>,
    pub year: Option<i32>,
    #[param(inline)]
    pub kind: Option<Kind>,
}

const COLUMNS: &str = "i.id, i.number, i.student_id, i.term, i.year, i.total, i.paid, i.credited, i.sponsored, i.balance, i.status, i.issued_at, i.due_date, i.fee_structure_id, i.kind, i.memo, i.cancelled_at, i.cancel_reason";

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Invoice> {
    sqlx::query_as(sql!("SELECT {COLUMNS} FROM invoices i WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))
}

pub async fn lines(conn: &mut PgConnection, id: Uuid) -> Result<Vec<InvoiceLine>> {
    get(conn, id).await?;
    let lines = sqlx::query_as(
        "SELECT id, name, amount, income_account_id, fee_item_id FROM invoice_lines WHERE invoice_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(lines)
}

pub async fn list(
    conn: &mut PgConnection,
    filter: InvoiceFilter,
    page: PageRequest,
) -> Result<Page<Invoice>> {
    let rows = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM invoices i
          WHERE ($1::uuid IS NULL OR i.id > $1)
            AND ($2::uuid IS NULL OR i.student_id = $2)
            AND ($3::uuid IS NULL OR i.student_id IN (SELECT s.id FROM students s WHERE s.class_id = $3))
            AND ($4::text IS NULL OR i.status = $4)
            AND ($5::smallint IS NULL OR i.term = $5)
            AND ($6::int IS NULL OR i.year = $6)
            AND ($8::text IS NULL OR i.kind = $8)
          ORDER BY i.id LIMIT $7"
    ))
    .bind(page.after)
    .bind(filter.student_id)
    .bind(filter.class_id)
    .bind(filter.status)
    .bind(filter.term)
    .bind(filter.year)
    .bind(page.fetch())
    .bind(filter.kind)
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |i: &Invoice| i.id))
}

/// Sum of open invoice balances; equals the 1100 balance at all times.
pub async fn open_balance_total(conn: &mut PgConnection) -> Result<Money> {
    let total: rust_decimal::Decimal = sqlx::query_scalar(
        "SELECT coalesce(sum(balance), 0) FROM invoices WHERE status IN ('UNPAID', 'PARTIAL')",
    )
    .fetch_one(conn)
    .await?;
    Ok(Money::from_decimal(total))
}

/// The invoice's status once `paid`, `credited` and `sponsored` have their
/// new values, for an UPDATE's SET list (after those columns are set there,
/// the row's other columns still read as before the UPDATE, so this
/// restates the balance): PAID when nothing is left for the family,
/// PARTIAL when something settled part of it, else UNPAID.
#[macro_export]
#[doc(hidden)]
macro_rules! invoice_status_sql {
    ($paid:expr, $credited:expr, $sponsored:expr) => {
        concat!(
            "CASE WHEN total - (",
            $paid,
            ") - (",
            $credited,
            ") - (",
            $sponsored,
            ") <= 0 THEN 'PAID' ",
            "WHEN (",
            $paid,
            ") + (",
            $credited,
            ") > 0 THEN 'PARTIAL' ELSE 'UNPAID' END"
        )
    };
}

/// Adds `amount` to what was paid on the invoice and sets its status.
pub async fn record_payment(
    conn: &mut PgConnection,
    invoice_id: Uuid,
    amount: Money,
) -> Result<()> {
    sqlx::query(concat!(
        "UPDATE invoices SET paid = paid + $2, status = ",
        crate::invoice_status_sql!("paid + $2", "credited", "sponsored"),
        " WHERE id = $1"
    ))
    .bind(invoice_id)
    .bind(amount)
    .execute(conn)
    .await?;
    Ok(())
}

/// An invoice still owed on, and what is due on it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenInvoice {
    pub number: String,
    pub term: i16,
    pub year: i32,
    pub due: Money,
}

/// The student's unpaid and part-paid invoices, oldest first; at most `limit`.
#[tracing::instrument(skip_all)]
pub async fn open_for_student(
    conn: &mut PgConnection,
    student_id: Uuid,
    limit: i64,
) -> Result<Vec<OpenInvoice>> {
    let open = sqlx::query_as(
        "SELECT number, term, year, balance AS due FROM invoices
          WHERE student_id = $1 AND status IN ('UNPAID', 'PARTIAL') ORDER BY issued_at, number LIMIT $2",
    )
    .bind(student_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(open)
}

/// The student's invoice numbered `number`, if there is one.
#[tracing::instrument(skip_all)]
pub async fn id_by_number(
    conn: &mut PgConnection,
    student_id: Uuid,
    number: &str,
) -> Result<Option<Uuid>> {
    let id = sqlx::query_scalar("SELECT id FROM invoices WHERE student_id = $1 AND number = $2")
        .bind(student_id)
        .bind(number)
        .fetch_optional(conn)
        .await?;
    Ok(id)
}

/// What a term's invoices (all but cancelled ones) add up to.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct TermTotals {
    pub invoices: i64,
    pub invoiced: Money,
    /// Paid against those invoices.
    pub collected: Money,
}

/// The term's invoices: how many, what they charge and what is paid on them.
#[tracing::instrument(skip_all)]
pub async fn term_totals(conn: &mut PgConnection, term: i16, year: i32) -> Result<TermTotals> {
    let totals = sqlx::query_as(
        "SELECT count(*) AS invoices, coalesce(sum(total), 0) AS invoiced, coalesce(sum(paid), 0) AS collected
           FROM invoices WHERE term = $1 AND year = $2 AND status <> 'CANCELLED'",
    )
    .bind(term)
    .bind(year)
    .fetch_one(conn)
    .await?;
    Ok(totals)
}
