//! Classes: a grade level plus a stream in an academic year ("Grade 4 East").

use crate::sql;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{calendar, de, text};
use crate::{
    audit::{self, Change},
    error::{Error, Result},
    page::{Page, PageRequest},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClass {
    pub name: String,
    /// One of the school's grade levels, e.g. "Grade 4".
    pub level: String,
    /// 2025 or "2025".
    #[serde(deserialize_with = "de::year")]
    #[schema(value_type = i32, minimum = 2000, maximum = 2100)]
    pub academic_year: i32,
    pub stream: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Class {
    pub id: Uuid,
    pub name: String,
    pub level: String,
    pub level_id: Uuid,
    pub stream: Option<String>,
    pub academic_year: i32,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT c.id, c.name, l.name AS level, c.level_id, c.stream, c.academic_year, c.created_at
                        FROM classes c JOIN grade_levels l ON l.school_id = c.school_id AND l.id = c.level_id";

pub async fn create(conn: &mut PgConnection, actor: Uuid, new: NewClass) -> Result<Class> {
    let name = text::name("name", &new.name, 80)?;
    let stream = text::optional("stream", new.stream.as_deref(), 40)?;
    let level = calendar::level_by_name(conn, &new.level).await?;
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO classes (school_id, id, name, level_id, stream, academic_year) VALUES (app_school_id(), $1, $2, $3, $4, $5)")
        .bind(id)
        .bind(&name)
        .bind(level.id)
        .bind(&stream)
        .bind(new.academic_year)
        .execute(&mut *conn)
        .await?;
    let class = get(conn, id).await?;
    let change = Change {
        actor,
        action: "class.create",
        entity: "class",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&class)).await?;
    Ok(class)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Class> {
    sqlx::query_as(sql!("{SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("class"))
}

pub async fn list(conn: &mut PgConnection, page: PageRequest) -> Result<Page<Class>> {
    let rows = sqlx::query_as(sql!(
        "{SELECT} WHERE ($1::uuid IS NULL OR c.id > $1) ORDER BY c.id LIMIT $2"
    ))
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |c: &Class| c.id))
}

/// A class found by its name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NameMatch {
    pub id: Uuid,
    pub name: String,
    pub academic_year: i32,
}

/// The classes called `name`, ignoring case and runs of spaces, newest
/// academic year first.
#[tracing::instrument(skip_all)]
pub async fn find_by_name(conn: &mut PgConnection, name: &str) -> Result<Vec<NameMatch>> {
    let found = sqlx::query_as(
        "SELECT id, name, academic_year FROM classes
          WHERE lower(regexp_replace(btrim(name), '\\s+', ' ', 'g')) = lower(regexp_replace(btrim($1), '\\s+', ' ', 'g'))
          ORDER BY academic_year DESC",
    )
    .bind(name)
    .fetch_all(conn)
    .await?;
    Ok(found)
}

/// The school's class names, each once, in order; at most `limit`.
#[tracing::instrument(skip_all)]
pub async fn names(conn: &mut PgConnection, limit: i64) -> Result<Vec<String>> {
    let names = sqlx::query_scalar("SELECT DISTINCT name FROM classes ORDER BY name LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(names)
}
