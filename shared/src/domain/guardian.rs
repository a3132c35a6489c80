//! Guardians: the parents and relatives who pay fees and receive reminders.

use crate::sql;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{phone::Phone, text};
use crate::{
    audit::{self, Change},
    error::{Error, Result},
    page::{Page, PageRequest},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGuardian {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<Phone>,
    /// MOTHER, FATHER, AUNT, ... free text.
    pub relationship: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Guardian {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub relationship: Option<String>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, first_name, last_name, email, phone, relationship, created_at";

pub async fn create(conn: &mut PgConnection, actor: Uuid, new: NewGuardian) -> Result<Guardian> {
    let first_name = text::name("first_name", &new.first_name, 80)?;
    let last_name = text::name("last_name", &new.last_name, 80)?;
    let email = new
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(text::email)
        .transpose()?;
    let relationship = text::optional("relationship", new.relationship.as_deref(), 40)?;
    let guardian: Guardian = sqlx::query_as(sql!(
        "INSERT INTO guardians (school_id, id, first_name, last_name, email, phone, relationship)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(first_name)
    .bind(last_name)
    .bind(email)
    .bind(new.phone.as_ref().map(Phone::as_str))
    .bind(relationship)
    .fetch_one(&mut *conn)
    .await?;
    let change = Change {
        actor,
        action: "guardian.create",
        entity: "guardian",
        entity_id: &guardian.id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&guardian)).await?;
    Ok(guardian)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Guardian> {
    sqlx::query_as(sql!("SELECT {COLUMNS} FROM guardians WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("guardian"))
}

pub async fn list(conn: &mut PgConnection, page: PageRequest) -> Result<Page<Guardian>> {
    let rows = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM guardians WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2"
    ))
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |g: &Guardian| g.id))
}
