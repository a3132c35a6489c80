//! Class summary: a term's invoices per class (the student's class now):
//! what was invoiced, credited by credit notes, carried by sponsors,
//! collected on them, and what the families still owe on them.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{NO_CLASS, sum};
use crate::{
    domain::money::Money,
    error::{Error, Result},
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClassSummaryFilter {
    /// 1, 2 or 3.
    #[param(minimum = 1, maximum = 3)]
    pub term: i16,
    pub year: i32,
}

/// One class's term; flat, so the CSV has a column per figure.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ClassSummaryRow {
    /// None for students in no class (and for the total row).
    pub class_id: Option<Uuid>,
    /// The class's name, "No class", or "Total".
    pub class_name: String,
    /// Students with an invoice for the term.
    pub students: i64,
    /// The invoices' totals (cancelled invoices left out).
    pub invoiced: Money,
    /// Settled by credit notes.
    pub credited: Money,
    /// The sponsors' share (owed on 1150, not by the family).
    pub sponsored: Money,
    /// Paid on these invoices: payments and credit applied to them.
    pub collected: Money,
    /// What the families still owe on them (the invoices' `balance`).
    pub outstanding: Money,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassSummary {
    pub term: i16,
    pub year: i32,
    /// Classes by name; students in no class last.
    pub classes: Vec<ClassSummaryRow>,
    /// The sum of the classes (class_name "Total").
    pub total: ClassSummaryRow,
}

#[tracing::instrument(skip_all)]
pub async fn report(conn: &mut PgConnection, filter: &ClassSummaryFilter) -> Result<ClassSummary> {
    if !(1..=3).contains(&filter.term) {
        return Err(Error::invalid("invalid_term", "term must be 1, 2 or 3"));
    }
    super::make_room(&mut *conn).await?;
    let classes: Vec<ClassSummaryRow> = sqlx::query_as(crate::sql!(
        "SELECT s.class_id, coalesce(c.name, '{NO_CLASS}') AS class_name,
                count(DISTINCT i.student_id) AS students,
                sum(i.total)::numeric(14,2) AS invoiced, sum(i.credited)::numeric(14,2) AS credited,
                sum(i.sponsored)::numeric(14,2) AS sponsored, sum(i.paid)::numeric(14,2) AS collected,
                sum(i.balance)::numeric(14,2) AS outstanding
           FROM invoices i
           JOIN students s ON s.school_id = i.school_id AND s.id = i.student_id
           LEFT JOIN classes c ON c.school_id = s.school_id AND c.id = s.class_id
          WHERE i.term = $1 AND i.year = $2 AND i.status <> 'CANCELLED'
          GROUP BY s.class_id, c.name
          ORDER BY c.name NULLS LAST, s.class_id"
    ))
    .bind(filter.term)
    .bind(filter.year)
    .fetch_all(&mut *conn)
    .await?;
    let total = ClassSummaryRow {
        class_id: None,
        class_name: "Total".into(),
        students: classes.iter().map(|c| c.students).sum(),
        invoiced: sum(classes.iter().map(|c| c.invoiced)),
        credited: sum(classes.iter().map(|c| c.credited)),
        sponsored: sum(classes.iter().map(|c| c.sponsored)),
        collected: sum(classes.iter().map(|c| c.collected)),
        outstanding: sum(classes.iter().map(|c| c.outstanding)),
    };
    Ok(ClassSummary {
        term: filter.term,
        year: filter.year,
        classes,
        total,
    })
}
