//! Standing adjustments: a student's discount or bursary (a percent or an
//! amount, optionally limited to one fee item, term or year, optionally
//! carried by a sponsor) that every later invoice generation applies
//! (`invoice::generate`). Ending one stops it for later generations; issued
//! invoices keep the lines they were issued with.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{de, money::Money, percent::Percent, text, text_enum::text_enum};
use crate::{
    audit,
    error::{Error, Result},
    page::{Page, PageRequest},
    sql,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[schema(as = AdjustmentKind)]
pub enum Kind {
    Discount,
    Bursary,
}

text_enum!(Kind);

/// The body of POST /adjustments.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdjustment {
    pub student_id: Uuid,
    pub kind: Kind,
    /// Percent off, more than 0 and at most 100, at most two decimals.
    /// Send exactly one of percent or amount.
    pub percent: Option<Percent>,
    /// KES off each invoice, more than 0; never more than the line (or
    /// invoice) it applies to.
    pub amount: Option<Money>,
    /// A fee item's name ("Tuition"): the adjustment applies to that line
    /// only; absent means the whole invoice.
    pub item: Option<String>,
    /// 1 to 3; absent means every term.
    pub term: Option<i16>,
    /// Absent means every year.
    #[serde(default, deserialize_with = "de::optional_year")]
    #[schema(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// The sponsor who pays this share (county bursary, CDF, NGO): the
    /// share is owed by the sponsor (1150), not taken off.
    pub sponsor_id: Option<Uuid>,
    /// Why, in the office's words (1 to 500 characters).
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Adjustment {
    pub id: Uuid,
    pub student_id: Uuid,
    pub kind: Kind,
    pub percent: Option<Percent>,
    pub amount: Option<Money>,
    pub item: Option<String>,
    pub term: Option<i16>,
    pub year: Option<i32>,
    pub sponsor_id: Option<Uuid>,
    pub reason: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// Set once ended (DELETE): later generations no longer apply it.
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdjustmentFilter {
    pub student_id: Option<Uuid>,
    pub sponsor_id: Option<Uuid>,
    /// true: only those still applied; false: only ended ones.
    pub active: Option<bool>,
}

const COLUMNS: &str = "id, student_id, kind, percent, amount, item, term, year, sponsor_id, reason,
                       created_by, created_at, ended_at, ended_by";

/// The percent and amount as sent, checked: exactly one, in range.
fn measure(new: &NewAdjustment) -> Result<(Option<Percent>, Option<Money>)> {
    match (new.percent, new.amount) {
        (Some(percent), None) => {
            if !percent.in_range() {
                return Err(Error::invalid(
                    "invalid_percent",
                    "percent must be more than 0 and at most 100",
                ));
            }
            Ok((Some(percent), None))
        }
        (None, Some(amount)) => {
            if amount.decimal() <= Decimal::ZERO {
                return Err(Error::invalid(
                    "invalid_amount",
                    "amount must be greater than zero",
                ));
            }
            Ok((None, Some(amount)))
        }
        _ => Err(Error::invalid(
            "invalid_adjustment",
            "send exactly one of percent or amount",
        )),
    }
}

/// Records a standing adjustment; applied from the next generation on.
#[tracing::instrument(skip_all)]
pub async fn create(
    conn: &mut PgConnection,
    actor: Uuid,
    new: &NewAdjustment,
) -> Result<Adjustment> {
    let (percent, amount) = measure(new)?;
    let reason = text::name("reason", &new.reason, 500)?;
    if new.term.is_some_and(|t| !(1..=3).contains(&t)) {
        return Err(Error::invalid("invalid_term", "term must be 1, 2 or 3"));
    }
    let item = text::optional("item", new.item.as_deref(), 100)?;
    if let Some(item) = &item {
        let known: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM fee_items WHERE lower(name) = lower($1))",
        )
        .bind(item)
        .fetch_one(&mut *conn)
        .await?;
        if !known {
            return Err(Error::rule(
                "unknown_fee_item",
                format!("{item:?} is not a fee item of this school"),
            ));
        }
    }
    let adjustment: Adjustment = sqlx::query_as(sql!(
        "INSERT INTO adjustments (school_id, id, student_id, kind, percent, amount, item, term, year, sponsor_id, reason, created_by)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(new.student_id)
    .bind(new.kind)
    .bind(percent)
    .bind(amount)
    .bind(&item)
    .bind(new.term)
    .bind(new.year)
    .bind(new.sponsor_id)
    .bind(&reason)
    .bind(actor)
    .fetch_one(&mut *conn)
    .await?;
    let change = audit::Change {
        actor,
        action: "create",
        entity: "adjustment",
        entity_id: &adjustment.id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&adjustment)).await?;
    Ok(adjustment)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Adjustment> {
    sqlx::query_as(sql!("SELECT {COLUMNS} FROM adjustments WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("adjustment"))
}

pub async fn list(
    conn: &mut PgConnection,
    filter: AdjustmentFilter,
    page: PageRequest,
) -> Result<Page<Adjustment>> {
    let rows = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM adjustments
          WHERE ($1::uuid IS NULL OR id > $1) AND ($2::uuid IS NULL OR student_id = $2)
            AND ($3::uuid IS NULL OR sponsor_id = $3)
            AND ($4::boolean IS NULL OR (ended_at IS NULL) = $4)
          ORDER BY id LIMIT $5"
    ))
    .bind(page.after)
    .bind(filter.student_id)
    .bind(filter.sponsor_id)
    .bind(filter.active)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |a: &Adjustment| a.id))
}

/// Ends the adjustment for later generations; issued invoices keep their
/// lines. Ending one already ended changes nothing and answers it as it is.
#[tracing::instrument(skip_all, fields(adjustment_id = %id))]
pub async fn end(conn: &mut PgConnection, actor: Uuid, id: Uuid) -> Result<Adjustment> {
    let before = get(conn, id).await?;
    if before.ended_at.is_some() {
        return Ok(before);
    }
    let ended: Option<Adjustment> = sqlx::query_as(sql!(
        "UPDATE adjustments SET ended_at = now(), ended_by = $2 WHERE id = $1 AND ended_at IS NULL
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(actor)
    .fetch_optional(&mut *conn)
    .await?;
    // Ended meanwhile by another request: nothing more to do.
    let Some(after) = ended else {
        return get(conn, id).await;
    };
    let change = audit::Change {
        actor,
        action: "end",
        entity: "adjustment",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&after)).await?;
    Ok(after)
}
