//! The school's calendar: grade levels and term dates, both per-school data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    audit::{self, Change},
    error::{Error, Result},
};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GradeLevel {
    pub id: Uuid,
    pub name: String,
    pub stage: String,
    pub sort_order: i32,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AcademicTerm {
    pub id: Uuid,
    pub year: i32,
    pub term: i16,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermDates {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

pub async fn grade_levels(conn: &mut PgConnection) -> Result<Vec<GradeLevel>> {
    let rows = sqlx::query_as(
        "SELECT id, name, stage, sort_order FROM grade_levels ORDER BY sort_order, name",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// The level with this name (case and spacing forgiven: "grade 4").
pub async fn level_by_name(conn: &mut PgConnection, name: &str) -> Result<GradeLevel> {
    sqlx::query_as(
        "SELECT id, name, stage, sort_order FROM grade_levels
          WHERE lower(regexp_replace(name, '\\s+', ' ', 'g')) = lower(regexp_replace(btrim($1), '\\s+', ' ', 'g'))",
    )
    .bind(name)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::rule("unknown_level", format!("{name:?} is not one of this school's grade levels")))
}

/// Today's date in Kenya (East Africa Time, UTC+3 all year).
pub fn today_in_kenya() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(3)).date_naive()
}

/// The term in session on `today`, else the next to start, else the
/// latest: what "this term" means to a bursar.
pub async fn term_on(conn: &mut PgConnection, today: NaiveDate) -> Result<Option<AcademicTerm>> {
    let term = sqlx::query_as(
        "SELECT id, year, term, starts_on, ends_on FROM academic_terms
          ORDER BY ($1 BETWEEN starts_on AND ends_on) DESC, (starts_on > $1) DESC,
                   CASE WHEN starts_on > $1 THEN starts_on END, starts_on DESC
          LIMIT 1",
    )
    .bind(today)
    .fetch_optional(conn)
    .await?;
    Ok(term)
}

pub async fn terms(conn: &mut PgConnection) -> Result<Vec<AcademicTerm>> {
    let rows = sqlx::query_as(
        "SELECT id, year, term, starts_on, ends_on FROM academic_terms ORDER BY year, term",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// Moves a term's dates, as a ministry circular does.
pub async fn set_term_dates(
    conn: &mut PgConnection,
    actor: Uuid,
    id: Uuid,
    dates: TermDates,
) -> Result<AcademicTerm> {
    if dates.ends_on <= dates.starts_on {
        return Err(Error::rule(
            "invalid_term_dates",
            "ends_on must be after starts_on",
        ));
    }
    let before: AcademicTerm = sqlx::query_as(
        "SELECT id, year, term, starts_on, ends_on FROM academic_terms WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("term"))?;
    let after: AcademicTerm = sqlx::query_as(
        "UPDATE academic_terms SET starts_on = $2, ends_on = $3 WHERE id = $1
         RETURNING id, year, term, starts_on, ends_on",
    )
    .bind(id)
    .bind(dates.starts_on)
    .bind(dates.ends_on)
    .fetch_one(&mut *conn)
    .await?;
    let change = Change {
        actor,
        action: "term.update",
        entity: "term",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&after)).await?;
    Ok(after)
}
