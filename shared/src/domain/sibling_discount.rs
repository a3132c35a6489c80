//! The school's sibling discount: the `from_child`th and later ACTIVE
//! children of one primary guardian, by admission date, get `percent` off
//! the compulsory fees (or off one named item) of each invoice generated
//! from then on, as a negative line ("Sibling discount (2nd child, 10%)").
//! Applied in `invoice::generate`; one optional row per school.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{percent::Percent, text};
use crate::{
    audit,
    error::{Error, Result},
};

/// The body of PUT /fees/sibling-discount (or `null`, which turns it off).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSiblingDiscount {
    /// More than 0, at most 100, at most two decimals.
    pub percent: Percent,
    /// The first child (by admission date) who gets it: 2 to 20.
    #[schema(minimum = 2, maximum = 20)]
    pub from_child: i32,
    /// A fee item's name ("Tuition"); absent means every compulsory item.
    pub item: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SiblingDiscount {
    pub percent: Percent,
    pub from_child: i32,
    pub item: Option<String>,
    pub updated_by: Uuid,
    pub updated_at: DateTime<Utc>,
}

/// The school's rule, if it has one.
pub async fn get(conn: &mut PgConnection) -> Result<Option<SiblingDiscount>> {
    let rule = sqlx::query_as(
        "SELECT percent, from_child, item, updated_by, updated_at FROM sibling_discounts",
    )
    .fetch_optional(conn)
    .await?;
    Ok(rule)
}

/// Sets (or, with None, removes) the school's rule; later generations use it.
#[tracing::instrument(skip_all)]
pub async fn set(
    conn: &mut PgConnection,
    actor: Uuid,
    rule: Option<&SetSiblingDiscount>,
) -> Result<Option<SiblingDiscount>> {
    let before = get(conn).await?;
    let after = match rule {
        None => {
            sqlx::query("DELETE FROM sibling_discounts")
                .execute(&mut *conn)
                .await?;
            None
        }
        Some(rule) => {
            if !rule.percent.in_range() {
                return Err(Error::invalid(
                    "invalid_percent",
                    "percent must be more than 0 and at most 100",
                ));
            }
            if !(2..=20).contains(&rule.from_child) {
                return Err(Error::invalid(
                    "invalid_from_child",
                    "from_child must be 2 to 20",
                ));
            }
            let item = text::optional("item", rule.item.as_deref(), 100)?;
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
            let saved = sqlx::query_as(
                "INSERT INTO sibling_discounts (school_id, percent, from_child, item, updated_by)
                 VALUES (app_school_id(), $1, $2, $3, $4)
                 ON CONFLICT (school_id) DO UPDATE
                    SET percent = excluded.percent, from_child = excluded.from_child, item = excluded.item,
                        updated_by = excluded.updated_by, updated_at = now()
                 RETURNING percent, from_child, item, updated_by, updated_at",
            )
            .bind(rule.percent)
            .bind(rule.from_child)
            .bind(&item)
            .bind(actor)
            .fetch_one(&mut *conn)
            .await?;
            Some(saved)
        }
    };
    let change = audit::Change {
        actor,
        action: "update",
        entity: "sibling_discount",
        entity_id: "school",
    };
    audit::record(conn, change, before.as_ref(), after.as_ref()).await?;
    Ok(after)
}
