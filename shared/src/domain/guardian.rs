//! Guardians: the parents and relatives who pay fees and receive reminders.

use crate::sql;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{de, phone::Phone, text};
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
    /// The guardian asked for no SMS; messages by SMS skip them.
    pub sms_opt_out: bool,
    pub created_at: DateTime<Utc>,
}

/// The body of PATCH /guardians/{id}: any of these; null clears email,
/// phone or relationship.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// One address, or null (or blank) to clear it.
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// A Kenyan mobile number in any usual form, stored as +2547XXXXXXXX;
    /// null clears it.
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<Phone>>,
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<String>)]
    pub relationship: Option<Option<String>>,
    pub sms_opt_out: Option<bool>,
}

const COLUMNS: &str =
    "id, first_name, last_name, email, phone, relationship, sms_opt_out, created_at";

pub async fn create(conn: &mut PgConnection, actor: Uuid, new: NewGuardian) -> Result<Guardian> {
    let first_name = text::name("first_name", &new.first_name, 80)?;
    let last_name = text::name("last_name", &new.last_name, 80)?;
    let email = optional_email(new.email.as_deref())?;
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

/// An email as create and PATCH take it: blank is none.
fn optional_email(email: Option<&str>) -> Result<Option<String>> {
    email
        .filter(|e| !e.trim().is_empty())
        .map(text::email)
        .transpose()
}

/// Applies the changes with the rules of create. One audit row holds the
/// guardian before and after; a PATCH that changes nothing writes none.
#[tracing::instrument(skip_all, fields(guardian_id = %id))]
pub async fn update(
    conn: &mut PgConnection,
    actor: Uuid,
    id: Uuid,
    changes: GuardianChanges,
) -> Result<Guardian> {
    let GuardianChanges {
        first_name,
        last_name,
        email,
        phone,
        relationship,
        sms_opt_out,
    } = changes;
    if first_name.is_none()
        && last_name.is_none()
        && email.is_none()
        && phone.is_none()
        && relationship.is_none()
        && sms_opt_out.is_none()
    {
        return Err(Error::invalid(
            "empty_change",
            "send at least one of first_name, last_name, email, phone, relationship, sms_opt_out",
        ));
    }
    let before: Guardian = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM guardians WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("guardian"))?;
    let mut after = before.clone();
    if let Some(first_name) = first_name {
        after.first_name = text::name("first_name", &first_name, 80)?;
    }
    if let Some(last_name) = last_name {
        after.last_name = text::name("last_name", &last_name, 80)?;
    }
    if let Some(email) = email {
        after.email = optional_email(email.as_deref())?;
    }
    if let Some(phone) = phone {
        after.phone = phone.map(|p| p.as_str().to_string());
    }
    if let Some(relationship) = relationship {
        after.relationship = text::optional("relationship", relationship.as_deref(), 40)?;
    }
    if let Some(sms_opt_out) = sms_opt_out {
        after.sms_opt_out = sms_opt_out;
    }
    let editable = |g: &Guardian| {
        (
            g.first_name.clone(),
            g.last_name.clone(),
            g.email.clone(),
            g.phone.clone(),
            g.relationship.clone(),
            g.sms_opt_out,
        )
    };
    if editable(&before) == editable(&after) {
        return Ok(before);
    }
    let after: Guardian = sqlx::query_as(sql!(
        "UPDATE guardians SET first_name = $2, last_name = $3, email = $4, phone = $5,
                              relationship = $6, sms_opt_out = $7
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(&after.first_name)
    .bind(&after.last_name)
    .bind(&after.email)
    .bind(&after.phone)
    .bind(&after.relationship)
    .bind(after.sms_opt_out)
    .fetch_one(&mut *conn)
    .await?;
    let change = Change {
        actor,
        action: "guardian.update",
        entity: "guardian",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&after)).await?;
    Ok(after)
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
