//! The fee office's reports: who owes (defaulters), how old the debt is
//! (aged receivables), what came in (collections) and each class's term
//! (class summary). Each reads the ledger and the invoices, never a second
//! copy of balances; a date means the end of that day in Nairobi.

pub mod aged;
pub mod class_summary;
pub mod collections;
pub mod defaulters;

use chrono::{Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::money::Money;

/// The school day's zone: Kenya keeps UTC+3 all year (no daylight saving).
const NAIROBI_HOURS: i64 = 3;

/// Today in Nairobi, the default `as_of`.
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(NAIROBI_HOURS)).date_naive()
}

/// The moment a day ends in Nairobi, for a `$n::date` parameter: entries
/// posted before it count "as of" that day.
macro_rules! end_of_day {
    ($param:literal) => {
        concat!(
            "((",
            $param,
            "::date + 1)::timestamp AT TIME ZONE 'Africa/Nairobi')"
        )
    };
}
pub(crate) use end_of_day;

/// `open`: each invoice's receivable as of the end of day `$1`: the 1100
/// lines naming it whose entry was posted by then (an invoice, the credit
/// and payments applied to it, their reversals, its cancellation), with the
/// invoice's due date. Every 1100 line names its invoice, so these add up
/// to the 1100 balance on that day.
pub(crate) const OPEN_AS_OF: &str = concat!(
    "open AS (
         SELECT l.school_id, l.student_id, l.invoice_id, i.due_date, $1::date - i.due_date AS days,
                sum(l.debit - l.credit) AS amount
           FROM journal_lines l
           JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
           JOIN journal_entries e ON e.school_id = l.school_id AND e.id = l.journal_entry_id
           JOIN invoices i ON i.school_id = l.school_id AND i.id = l.invoice_id
          WHERE a.code = '1100' AND e.posted_at < ",
    end_of_day!("$1"),
    "
          GROUP BY l.school_id, l.student_id, l.invoice_id, i.due_date
         HAVING sum(l.debit - l.credit) <> 0)"
);

/// Ageing buckets over `open` rows (`amount`, `days` past the due date).
pub(crate) const BUCKETS: &str =
    "coalesce(sum(amount) FILTER (WHERE days <= 0), 0)::numeric(14,2) AS current,
       coalesce(sum(amount) FILTER (WHERE days BETWEEN 1 AND 30), 0)::numeric(14,2) AS days_1_30,
       coalesce(sum(amount) FILTER (WHERE days BETWEEN 31 AND 60), 0)::numeric(14,2) AS days_31_60,
       coalesce(sum(amount) FILTER (WHERE days BETWEEN 61 AND 90), 0)::numeric(14,2) AS days_61_90,
       coalesce(sum(amount) FILTER (WHERE days > 90), 0)::numeric(14,2) AS over_90";

/// What is open on invoices by days past their due date: `current` is not
/// yet due (or due that day).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema,
)]
pub struct Ageing {
    pub current: Money,
    pub days_1_30: Money,
    pub days_31_60: Money,
    pub days_61_90: Money,
    pub over_90: Money,
}

impl Ageing {
    pub fn total(&self) -> Money {
        Money::from_decimal(
            self.current.decimal()
                + self.days_1_30.decimal()
                + self.days_31_60.decimal()
                + self.days_61_90.decimal()
                + self.over_90.decimal(),
        )
    }

    pub fn add(&mut self, other: &Ageing) {
        let add = |a: &mut Money, b: Money| *a = Money::from_decimal(a.decimal() + b.decimal());
        add(&mut self.current, other.current);
        add(&mut self.days_1_30, other.days_1_30);
        add(&mut self.days_31_60, other.days_31_60);
        add(&mut self.days_61_90, other.days_61_90);
        add(&mut self.over_90, other.over_90);
    }
}

/// Gives the report's transaction room to sort and hash in memory: at the
/// default 4 MB, 10,000 students' ledger lines spill to disk (measured by
/// `scripts/bench reports`). `SET LOCAL` ends with the transaction.
pub async fn make_room(conn: &mut sqlx::PgConnection) -> crate::error::Result<()> {
    sqlx::query("SET LOCAL work_mem = '64MB'")
        .execute(conn)
        .await?;
    Ok(())
}

/// The label of the row for students in no class.
pub const NO_CLASS: &str = "No class";

/// Sums money in one pass (reports total their rows in Rust, after SQL
/// summed each row).
pub(crate) fn sum(values: impl Iterator<Item = Money>) -> Money {
    Money::from_decimal(values.map(Money::decimal).sum())
}
