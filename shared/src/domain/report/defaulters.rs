//! Defaulters: the students whose family owes as of a date, largest balance
//! first, with the primary guardian to call and how old the debt is.

use chrono::NaiveDate;
use futures_util::{StreamExt, TryStreamExt, stream::BoxStream};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{BUCKETS, OPEN_AS_OF, end_of_day, make_room};
use crate::{domain::money::Money, error::Result};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DefaulterFilter {
    /// Only students now in this class (another school's class finds none).
    pub class_id: Option<Uuid>,
    /// Only balances of at least this much (always more than zero).
    pub min_balance: Option<Money>,
    /// The day to report as of (its end, Nairobi time); today by default.
    pub as_of: Option<NaiveDate>,
}

/// One student who owes. Flat, so the CSV has one column per field.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Defaulter {
    pub student_id: Uuid,
    pub name: String,
    pub admission_no: String,
    pub class_id: Option<Uuid>,
    pub class_name: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_phone: Option<String>,
    /// What the family owes: receivable (1100) less credit held (2000).
    pub balance: Money,
    /// Days since the oldest unpaid invoice fell due; 0 if none is due yet.
    pub days_overdue: i32,
    /// Open on invoices not yet due (or due that day).
    pub current: Money,
    pub days_1_30: Money,
    pub days_31_60: Money,
    pub days_61_90: Money,
    pub over_90: Money,
}

fn query() -> sqlx::AssertSqlSafe<String> {
    crate::sql!(
        "WITH {OPEN_AS_OF},
         aged AS (
             SELECT student_id, min(due_date) FILTER (WHERE amount > 0) AS oldest_due, {BUCKETS}
               FROM open GROUP BY student_id),
         owed AS (
             SELECT l.school_id, l.student_id, sum(l.debit - l.credit) AS balance
               FROM journal_lines l
               JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
               JOIN journal_entries e ON e.school_id = l.school_id AND e.id = l.journal_entry_id
              WHERE a.code IN ('1100', '2000') AND l.student_id IS NOT NULL AND e.posted_at < {cutoff}
              GROUP BY l.school_id, l.student_id
             HAVING sum(l.debit - l.credit) > 0 AND ($2::numeric IS NULL OR sum(l.debit - l.credit) >= $2))
         SELECT s.id AS student_id, s.first_name || ' ' || s.last_name AS name, s.admission_no,
                s.class_id, c.name AS class_name,
                g.first_name || ' ' || g.last_name AS guardian_name, g.phone AS guardian_phone,
                owed.balance::numeric(14,2) AS balance,
                coalesce(greatest($1::date - aged.oldest_due, 0), 0) AS days_overdue,
                coalesce(aged.current, 0) AS current, coalesce(aged.days_1_30, 0) AS days_1_30,
                coalesce(aged.days_31_60, 0) AS days_31_60, coalesce(aged.days_61_90, 0) AS days_61_90,
                coalesce(aged.over_90, 0) AS over_90
           FROM owed
           JOIN students s ON s.school_id = owed.school_id AND s.id = owed.student_id
           LEFT JOIN classes c ON c.school_id = s.school_id AND c.id = s.class_id
           LEFT JOIN student_guardians sg ON sg.school_id = s.school_id AND sg.student_id = s.id AND sg.is_primary
           LEFT JOIN guardians g ON g.school_id = sg.school_id AND g.id = sg.guardian_id
           LEFT JOIN aged ON aged.student_id = s.id
          WHERE ($3::uuid IS NULL OR s.class_id = $3)
          ORDER BY owed.balance DESC, s.admission_no",
        cutoff = end_of_day!("$1")
    )
}

/// The defaulters one by one as PostgreSQL sends them, for a body that
/// streams; the connection stays borrowed until the stream ends. Call
/// `report::make_room` on the transaction first.
pub fn stream<'c>(
    conn: &'c mut PgConnection,
    filter: &DefaulterFilter,
    as_of: NaiveDate,
) -> BoxStream<'c, Result<Defaulter>> {
    sqlx::query_as(query())
        .bind(as_of)
        .bind(filter.min_balance.map(Money::decimal))
        .bind(filter.class_id)
        .fetch(conn)
        .map_err(Into::into)
        .boxed()
}

#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    filter: &DefaulterFilter,
    as_of: NaiveDate,
) -> Result<Vec<Defaulter>> {
    make_room(conn).await?;
    stream(conn, filter, as_of).try_collect().await
}
