//! Credit notes: a waiver, discount or bursary taken off what a family owes
//! on one invoice, numbered CN-YYYY-NNNNN and posted DR 4900 / CR 1100.
//! A note is never edited or deleted; reading them back lives here, issuing
//! one in `issue`.

mod issue;

pub use issue::{MAX_LINES, issue};

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{de, invoice, money::Money, text_enum::text_enum};
use crate::{
    error::Result,
    page::{Page, PageRequest},
    sql,
};

/// The journal source of a credit note's entry; its source_id is the note.
pub const SOURCE: &str = "credit_note";

/// Why the money is taken off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[schema(as = CreditNoteKind)]
pub enum Kind {
    Waiver,
    Discount,
    Bursary,
}

text_enum!(Kind);

/// The body of POST /invoices/{id}/credit-notes.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCreditNote {
    /// More than zero, at most the invoice's balance; a number or a string.
    pub amount: Money,
    /// Why, in the office's words (1 to 500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    pub kind: Kind,
    /// Optional: which lines of the invoice the note credits (at most 50,
    /// each line once); they add up to `amount`.
    #[serde(default, deserialize_with = "de::object")]
    pub lines: Option<Vec<NewCreditNoteLine>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCreditNoteLine {
    /// The invoice line's name ("Tuition", any letter case) or its id.
    pub item: String,
    /// More than zero; at most what the line charges less what earlier
    /// notes credited on it.
    pub amount: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreditNote {
    pub id: Uuid,
    /// CN-2026-00001: per school and year of issue (Nairobi), gapless.
    pub number: String,
    pub invoice_id: Uuid,
    pub student_id: Uuid,
    pub kind: Kind,
    pub amount: Money,
    pub reason: String,
    /// The invoice lines it credits; empty when it credits the invoice as a whole.
    pub lines: Vec<CreditNoteLine>,
    pub issued_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CreditNoteLine {
    pub invoice_line_id: Uuid,
    /// The invoice line's name.
    pub item: String,
    pub amount: Money,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    number: String,
    invoice_id: Uuid,
    student_id: Uuid,
    kind: Kind,
    amount: Money,
    reason: String,
    issued_by: Uuid,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreditNoteFilter {
    pub student_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    #[param(inline)]
    pub kind: Option<Kind>,
}

const COLUMNS: &str =
    "id, number, invoice_id, student_id, kind, amount, reason, issued_by, created_at";

/// The notes of these rows with their lines, in the rows' order.
async fn with_lines(conn: &mut PgConnection, rows: Vec<Row>) -> Result<Vec<CreditNote>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let lines: Vec<(Uuid, Uuid, String, Money)> = sqlx::query_as(
        "SELECT cl.credit_note_id, cl.invoice_line_id, il.name, cl.amount
           FROM credit_note_lines cl
           JOIN invoice_lines il ON il.school_id = cl.school_id AND il.id = cl.invoice_line_id
          WHERE cl.credit_note_id = ANY($1) ORDER BY il.id",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    let mut by_note: HashMap<Uuid, Vec<CreditNoteLine>> = HashMap::new();
    for (note, invoice_line_id, item, amount) in lines {
        by_note.entry(note).or_default().push(CreditNoteLine {
            invoice_line_id,
            item,
            amount,
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| CreditNote {
            lines: by_note.remove(&r.id).unwrap_or_default(),
            id: r.id,
            number: r.number,
            invoice_id: r.invoice_id,
            student_id: r.student_id,
            kind: r.kind,
            amount: r.amount,
            reason: r.reason,
            issued_by: r.issued_by,
            created_at: r.created_at,
        })
        .collect())
}

async fn get(conn: &mut PgConnection, id: Uuid) -> Result<CreditNote> {
    let row: Row = sqlx::query_as(sql!("SELECT {COLUMNS} FROM credit_notes WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let mut notes = with_lines(conn, vec![row]).await?;
    Ok(notes.remove(0))
}

/// The invoice's credit notes, oldest first; 404 for no such invoice.
#[tracing::instrument(skip_all, fields(invoice_id = %invoice_id))]
pub async fn for_invoice(conn: &mut PgConnection, invoice_id: Uuid) -> Result<Vec<CreditNote>> {
    invoice::get(conn, invoice_id).await?;
    let rows = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM credit_notes WHERE invoice_id = $1 ORDER BY id"
    ))
    .bind(invoice_id)
    .fetch_all(&mut *conn)
    .await?;
    with_lines(conn, rows).await
}

/// The school's credit notes, filtered by student, invoice and kind, by id.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    filter: CreditNoteFilter,
    page: PageRequest,
) -> Result<Page<CreditNote>> {
    let rows: Vec<Row> = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM credit_notes
          WHERE ($1::uuid IS NULL OR id > $1)
            AND ($2::uuid IS NULL OR student_id = $2)
            AND ($3::uuid IS NULL OR invoice_id = $3)
            AND ($4::text IS NULL OR kind = $4)
          ORDER BY id LIMIT $5"
    ))
    .bind(page.after)
    .bind(filter.student_id)
    .bind(filter.invoice_id)
    .bind(filter.kind)
    .bind(page.fetch())
    .fetch_all(&mut *conn)
    .await?;
    let notes = with_lines(conn, rows).await?;
    Ok(Page::from_rows(notes, page, |n: &CreditNote| n.id))
}

/// Sum of the notes on invoices not cancelled: the balance 4900 holds
/// (a cancellation reverses its invoice's notes with the invoice).
pub async fn standing_total(conn: &mut PgConnection) -> Result<Money> {
    let total: rust_decimal::Decimal = sqlx::query_scalar(
        "SELECT coalesce(sum(n.amount), 0) FROM credit_notes n
           JOIN invoices i ON i.school_id = n.school_id AND i.id = n.invoice_id
          WHERE i.status <> 'CANCELLED'",
    )
    .fetch_one(conn)
    .await?;
    Ok(Money::from_decimal(total))
}
