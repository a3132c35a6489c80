//! Aged receivables: what is open on invoices as of a date, per class (the
//! student's class now) and in ageing buckets by due date; the grand total
//! is the 1100 balance on that day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Ageing, BUCKETS, NO_CLASS, OPEN_AS_OF, end_of_day};
use crate::{domain::money::Money, error::Result};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgedFilter {
    /// The day to report as of (its end, Nairobi time); today by default.
    pub as_of: Option<NaiveDate>,
}

/// One class's receivables by age; flat, so the CSV has a column per bucket.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AgedRow {
    /// None for students in no class (and for the total row).
    pub class_id: Option<Uuid>,
    /// The class's name, "No class", or "Total".
    pub class_name: String,
    pub current: Money,
    pub days_1_30: Money,
    pub days_31_60: Money,
    pub days_61_90: Money,
    pub over_90: Money,
    pub total: Money,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgedReceivables {
    pub as_of: NaiveDate,
    /// Classes by name; students in no class last.
    pub classes: Vec<AgedRow>,
    /// The sum of the classes (class_name "Total").
    pub total: AgedRow,
    /// Account 1100's balance at the end of `as_of`, read on its own: it
    /// equals `total.total`.
    pub receivable: Money,
}

impl AgedRow {
    fn ageing(&self) -> Ageing {
        Ageing {
            current: self.current,
            days_1_30: self.days_1_30,
            days_31_60: self.days_31_60,
            days_61_90: self.days_61_90,
            over_90: self.over_90,
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn report(conn: &mut PgConnection, as_of: NaiveDate) -> Result<AgedReceivables> {
    super::make_room(&mut *conn).await?;
    let classes: Vec<AgedRow> = sqlx::query_as(crate::sql!(
        "WITH {OPEN_AS_OF}
         SELECT s.class_id, coalesce(c.name, '{NO_CLASS}') AS class_name, {BUCKETS},
                sum(amount)::numeric(14,2) AS total
           FROM open
           JOIN students s ON s.school_id = open.school_id AND s.id = open.student_id
           LEFT JOIN classes c ON c.school_id = s.school_id AND c.id = s.class_id
          GROUP BY s.class_id, c.name
          ORDER BY c.name NULLS LAST, s.class_id"
    ))
    .bind(as_of)
    .fetch_all(&mut *conn)
    .await?;
    let receivable: rust_decimal::Decimal = sqlx::query_scalar(crate::sql!(
        "SELECT coalesce(sum(l.debit - l.credit), 0)::numeric(14,2)
           FROM journal_lines l
           JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
           JOIN journal_entries e ON e.school_id = l.school_id AND e.id = l.journal_entry_id
          WHERE a.code = '1100' AND e.posted_at < {cutoff}",
        cutoff = end_of_day!("$1")
    ))
    .bind(as_of)
    .fetch_one(&mut *conn)
    .await?;
    let mut ageing = Ageing::default();
    for row in &classes {
        ageing.add(&row.ageing());
    }
    let total = AgedRow {
        class_id: None,
        class_name: "Total".into(),
        current: ageing.current,
        days_1_30: ageing.days_1_30,
        days_31_60: ageing.days_31_60,
        days_61_90: ageing.days_61_90,
        over_90: ageing.over_90,
        total: ageing.total(),
    };
    Ok(AgedReceivables {
        as_of,
        classes,
        total,
        receivable: Money::from_decimal(receivable),
    })
}
