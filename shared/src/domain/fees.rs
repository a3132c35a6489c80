//! Fee structures: what a level pays in a term, item by item, each item
//! mapped to the income account it is booked to. Invoices copy the items at
//! issue time, so editing a structure never changes an issued invoice.
//! Level, term and year are each optional ("any"); which structure prices an
//! invoice is decided in `invoice::generate`, most specific first.

use crate::sql;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{calendar, de, ledger::AccountType, money::Money, text};
use crate::{
    audit::{self, Change},
    error::{Error, Result},
};

const MAX_ITEMS: usize = 50;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeeStructure {
    pub name: String,
    /// A grade level name ("Grade 4"); absent means every level.
    pub level: Option<String>,
    /// 1 to 3; absent means any term.
    pub term: Option<i16>,
    /// Absent means any year.
    #[serde(default, deserialize_with = "de::optional_year")]
    #[schema(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// Days after the term starts that its invoices fall due; 0 to 365,
    /// absent means 0 (due on the first day of term).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 365)]
    pub due_days: i32,
    #[serde(deserialize_with = "de::object")]
    pub items: Vec<NewFeeItem>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeStructureChanges {
    pub name: Option<String>,
    /// 0 to 365. Invoices already issued keep their due date.
    #[schema(minimum = 0, maximum = 365)]
    pub due_days: Option<i32>,
    /// Replaces every item when present.
    #[serde(default, deserialize_with = "de::object")]
    pub items: Option<Vec<NewFeeItem>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeeItem {
    pub name: String,
    pub amount: Money,
    #[serde(default)]
    pub optional: bool,
    /// Code of an INCOME account ("4000"); absent means the income account
    /// named like the item, created if the school has none.
    pub income_account: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FeeStructure {
    pub id: Uuid,
    pub name: String,
    pub level: Option<String>,
    pub level_id: Option<Uuid>,
    pub term: Option<i16>,
    pub year: Option<i32>,
    /// The school's catch-all, used when nothing more specific matches.
    pub is_default: bool,
    /// Days after the term starts that its invoices fall due.
    pub due_days: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub items: Vec<FeeItem>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FeeItem {
    pub id: Uuid,
    #[serde(skip)]
    pub fee_structure_id: Uuid,
    pub name: String,
    pub amount: Money,
    pub optional: bool,
    pub income_account_id: Uuid,
    pub income_account_code: String,
    pub income_account_name: String,
}

const STRUCTURE_SELECT: &str = "SELECT f.id, f.name, l.name AS level, f.level_id, f.term, f.year, f.is_default, f.due_days, f.created_at, f.updated_at
                                  FROM fee_structures f
                                  LEFT JOIN grade_levels l ON l.school_id = f.school_id AND l.id = f.level_id";

async fn attach_items(
    conn: &mut PgConnection,
    mut structures: Vec<FeeStructure>,
) -> Result<Vec<FeeStructure>> {
    let ids: Vec<Uuid> = structures.iter().map(|s| s.id).collect();
    let items: Vec<FeeItem> = sqlx::query_as(
        "SELECT i.id, i.fee_structure_id, i.name, i.amount, i.optional, i.income_account_id,
                a.code AS income_account_code, a.name AS income_account_name
           FROM fee_items i JOIN gl_accounts a ON a.school_id = i.school_id AND a.id = i.income_account_id
          WHERE i.fee_structure_id = ANY($1) ORDER BY i.sort_order, i.name",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    let mut by_structure: HashMap<Uuid, Vec<FeeItem>> = HashMap::new();
    for item in items {
        by_structure
            .entry(item.fee_structure_id)
            .or_default()
            .push(item);
    }
    for structure in &mut structures {
        structure.items = by_structure.remove(&structure.id).unwrap_or_default();
    }
    Ok(structures)
}

pub async fn list(conn: &mut PgConnection) -> Result<Vec<FeeStructure>> {
    let structures = sqlx::query_as(sql!(
        "{STRUCTURE_SELECT} ORDER BY f.is_default DESC, f.year NULLS FIRST, f.term NULLS FIRST, l.sort_order NULLS FIRST, f.id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    attach_items(conn, structures).await
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<FeeStructure> {
    let structure: FeeStructure = sqlx::query_as(sql!("{STRUCTURE_SELECT} WHERE f.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found("fee structure"))?;
    Ok(attach_items(conn, vec![structure]).await?.remove(0))
}

pub async fn create(
    conn: &mut PgConnection,
    actor: Uuid,
    new: NewFeeStructure,
) -> Result<FeeStructure> {
    let name = text::name("name", &new.name, 120)?;
    if let Some(term) = new.term
        && !(1..=3).contains(&term)
    {
        return Err(Error::invalid("invalid_term", "term must be 1, 2 or 3"));
    }
    let due_days = due_days(new.due_days)?;
    let level_id = match new.level.as_deref() {
        Some(level) => Some(calendar::level_by_name(conn, level).await?.id),
        None => None,
    };
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO fee_structures (school_id, id, name, level_id, term, year, due_days) VALUES (app_school_id(), $1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(&name)
    .bind(level_id)
    .bind(new.term)
    .bind(new.year)
    .bind(due_days)
    .execute(&mut *conn)
    .await?;
    insert_items(conn, id, new.items).await?;
    let structure = get(conn, id).await?;
    let change = Change {
        actor,
        action: "fee_structure.create",
        entity: "fee_structure",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&structure)).await?;
    Ok(structure)
}

pub async fn update(
    conn: &mut PgConnection,
    actor: Uuid,
    id: Uuid,
    changes: FeeStructureChanges,
) -> Result<FeeStructure> {
    if changes.name.is_none() && changes.items.is_none() && changes.due_days.is_none() {
        return Err(Error::invalid(
            "empty_change",
            "send name, due_days and/or items",
        ));
    }
    let new_due_days = changes.due_days.map(due_days).transpose()?;
    sqlx::query("SELECT 1 FROM fee_structures WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found("fee structure"))?;
    let before = get(conn, id).await?;
    if let Some(name) = changes.name.as_deref() {
        sqlx::query("UPDATE fee_structures SET name = $2 WHERE id = $1")
            .bind(id)
            .bind(text::name("name", name, 120)?)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(days) = new_due_days {
        sqlx::query("UPDATE fee_structures SET due_days = $2 WHERE id = $1")
            .bind(id)
            .bind(days)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(items) = changes.items {
        sqlx::query("DELETE FROM fee_items WHERE fee_structure_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE fee_structures SET updated_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_items(conn, id, items).await?;
    }
    let after = get(conn, id).await?;
    let change = Change {
        actor,
        action: "fee_structure.update",
        entity: "fee_structure",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&after)).await?;
    Ok(after)
}

fn due_days(days: i32) -> Result<i32> {
    if (0..=365).contains(&days) {
        Ok(days)
    } else {
        Err(Error::invalid(
            "invalid_due_days",
            "due_days must be 0 to 365",
        ))
    }
}

/// What a structure covers, in words: "Grade 5, term 1, any year".
pub fn scope(level: Option<&str>, term: Option<i16>, year: Option<i32>) -> String {
    let level = level.map_or_else(|| "every level".to_string(), str::to_string);
    let term = term.map_or_else(|| "any term".to_string(), |t| format!("term {t}"));
    let year = year.map_or_else(|| "any year".to_string(), |y| y.to_string());
    format!("{level}, {term}, {year}")
}

async fn insert_items(
    conn: &mut PgConnection,
    structure_id: Uuid,
    items: Vec<NewFeeItem>,
) -> Result<()> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(Error::invalid(
            "invalid_items",
            format!("a fee structure needs 1 to {MAX_ITEMS} items"),
        ));
    }
    for (order, item) in items.into_iter().enumerate() {
        let name = text::name("items.name", &item.name, 80)?;
        if item.amount.is_negative() {
            return Err(Error::invalid(
                "invalid_amount",
                "fee item amounts must not be negative",
            ));
        }
        let account_id = income_account(conn, &name, item.income_account.as_deref()).await?;
        sqlx::query(
            "INSERT INTO fee_items (school_id, fee_structure_id, name, amount, optional, income_account_id, sort_order)
             VALUES (app_school_id(), $1, $2, $3, $4, $5, $6)",
        )
        .bind(structure_id)
        .bind(&name)
        .bind(item.amount)
        .bind(item.optional)
        .bind(account_id)
        .bind(order as i32)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The INCOME account an item books to: by code when given; otherwise the
/// income account of the same name, or a new head after the last one.
pub(crate) async fn income_account(
    conn: &mut PgConnection,
    item_name: &str,
    code: Option<&str>,
) -> Result<Uuid> {
    if let Some(code) = code {
        let found: Option<(Uuid, AccountType)> =
            sqlx::query_as("SELECT id, type FROM gl_accounts WHERE code = $1")
                .bind(code.trim())
                .fetch_optional(&mut *conn)
                .await?;
        return match found {
            Some((id, AccountType::Income)) => Ok(id),
            Some(_) => Err(Error::rule(
                "not_an_income_account",
                format!("account {code} is not an income account"),
            )),
            None => Err(Error::rule(
                "unknown_account",
                format!("no account with code {code}"),
            )),
        };
    }
    let existing: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM gl_accounts WHERE type = 'INCOME' AND lower(name) = lower($1)",
    )
    .bind(item_name)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    // Income heads are 4000-4890 in steps of ten, after the highest in use
    // (then the first free one); 4900 and up are kept for contra-income
    // (4900 Discounts & Waivers). Serialise on the school's accounts so two
    // new heads cannot take the same code.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('gl_accounts:' || app_school_id()::text, 0))")
        .execute(&mut *conn)
        .await?;
    let id = sqlx::query_scalar(
        "WITH highest AS (
             SELECT coalesce(max(code::int), 3990) AS code FROM gl_accounts
              WHERE type = 'INCOME' AND code ~ '^4[0-8][0-9]{2}$')
         INSERT INTO gl_accounts (school_id, code, name, type)
         SELECT app_school_id(), c::text, $1, 'INCOME'
           FROM generate_series(4000, 4890, 10) c, highest h
          WHERE NOT EXISTS (SELECT 1 FROM gl_accounts a WHERE a.code = c::text)
          ORDER BY c > h.code DESC, c
          LIMIT 1
         RETURNING id",
    )
    .bind(item_name)
    .fetch_optional(&mut *conn)
    .await?;
    id.ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "the school has an income account on every code from 4000 to 4890"
        ))
    })
}

/// The optional fee item called `name` (any case), spelled as the school
/// spells it.
#[tracing::instrument(skip_all)]
pub async fn optional_item_name(conn: &mut PgConnection, name: &str) -> Result<Option<String>> {
    let spelled = sqlx::query_scalar(
        "SELECT name FROM fee_items WHERE optional AND lower(name) = lower($1) LIMIT 1",
    )
    .bind(name.trim())
    .fetch_optional(conn)
    .await?;
    Ok(spelled)
}
