//! Gapless document numbers per school, series and year: CN-2026-00001 for
//! credit notes, RCT-2026-00001 for receipts (invoices keep their own
//! counter, `invoice_counters`). The counter row stays locked until the
//! transaction ends, so a rollback gives its number back and two writers
//! never share one.

use sqlx::PgConnection;

use crate::error::Result;

/// A numbered series; its prefix is what `document_counters.series` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    CreditNote,
    Receipt,
}

impl Series {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::CreditNote => "CN",
            Self::Receipt => "RCT",
        }
    }
}

/// Takes the next number of `series` for `year` in the current school:
/// `PREFIX-YEAR-NNNNN`, five digits or more.
pub async fn next(conn: &mut PgConnection, series: Series, year: i32) -> Result<String> {
    let number = sqlx::query_scalar(
        "INSERT INTO document_counters AS c (school_id, series, year, last_no)
         VALUES (app_school_id(), $1, $2, 1)
         ON CONFLICT (school_id, series, year) DO UPDATE SET last_no = c.last_no + 1
         RETURNING $1 || '-' || $2 || '-' || lpad(last_no::text, greatest(5, length(last_no::text)), '0')",
    )
    .bind(series.prefix())
    .bind(year)
    .fetch_one(conn)
    .await?;
    Ok(number)
}

/// Takes the next receipt number, RCT for the year of posting in Nairobi
/// by the transaction's clock (`now()`, the posting journal entry's
/// `posted_at`). Family and sponsor payments both number here, so one
/// series holds them all. Take it last before commit: the counter row
/// stays locked until then.
pub async fn next_receipt(conn: &mut PgConnection) -> Result<String> {
    let year: i32 =
        sqlx::query_scalar("SELECT extract(year FROM now() AT TIME ZONE 'Africa/Nairobi')::int")
            .fetch_one(&mut *conn)
            .await?;
    next(conn, Series::Receipt, year).await
}
