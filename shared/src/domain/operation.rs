//! Operations: the client-visible record of a piece of async work (queued,
//! running, succeeded or failed), polled with GET /operations/{id} and
//! streamed as `operation.updated` events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::text_enum::text_enum;
use crate::{
    error::{Error, Result},
    events,
    page::{Page, PageRequest},
    sql,
};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Operation {
    pub id: Uuid,
    /// invoices.generate, payments.post, notifications.send, ...
    pub kind: String,
    pub status: Status,
    #[sqlx(flatten)]
    pub progress: Progress,
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Where an operation is: queued, running, then succeeded or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
#[schema(as = OperationStatus)]
pub enum Status {
    Queued,
    Running,
    Succeeded,
    Failed,
}

text_enum!(Status);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Progress {
    #[sqlx(rename = "progress_done")]
    pub done: i32,
    #[sqlx(rename = "progress_total")]
    pub total: Option<i32>,
}

impl Operation {
    pub fn is_finished(&self) -> bool {
        matches!(self.status, Status::Succeeded | Status::Failed)
    }
}

const COLUMNS: &str = "id, kind, status, progress_done, progress_total, result, error, created_at, started_at, finished_at";

/// A queued operation in the current school; enqueue its job in the same transaction.
pub async fn create(
    conn: &mut PgConnection,
    kind: &str,
    created_by: Option<Uuid>,
) -> Result<Operation> {
    let operation: Operation = sqlx::query_as(sql!(
        "INSERT INTO operations (school_id, id, kind, created_by) VALUES (app_school_id(), $1, $2, $3) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(kind)
    .bind(created_by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(operation)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Operation> {
    sqlx::query_as(sql!("SELECT {COLUMNS} FROM operations WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("operation"))
}

/// The operation, locked until the transaction ends: the one place a
/// finishing job decides whether it is the first to finish.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Operation> {
    sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM operations WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::not_found("operation"))
}

pub async fn list(conn: &mut PgConnection, page: PageRequest) -> Result<Page<Operation>> {
    let rows = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM operations WHERE ($1::uuid IS NULL OR id < $1) ORDER BY id DESC LIMIT $2"
    ))
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |o: &Operation| o.id))
}

async fn changed(conn: &mut PgConnection, operation: Operation) -> Result<Operation> {
    events::append(conn, "operation.updated", &operation).await?;
    Ok(operation)
}

/// Marks the operation running (again, on a retry) with a known total.
pub async fn start(conn: &mut PgConnection, id: Uuid, total: Option<i32>) -> Result<Operation> {
    let operation = sqlx::query_as(sql!(
        "UPDATE operations SET status = $3, started_at = coalesce(started_at, now()), progress_total = $2
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(total)
    .bind(Status::Running)
    .fetch_one(&mut *conn)
    .await?;
    changed(conn, operation).await
}

pub async fn progress(conn: &mut PgConnection, id: Uuid, done: i32) -> Result<Operation> {
    let operation = sqlx::query_as(sql!(
        "UPDATE operations SET progress_done = $2 WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(done)
    .fetch_one(&mut *conn)
    .await?;
    changed(conn, operation).await
}

pub async fn succeed(
    conn: &mut PgConnection,
    id: Uuid,
    result: &impl Serialize,
) -> Result<Operation> {
    let result = serde_json::to_value(result).map_err(anyhow::Error::from)?;
    let operation = sqlx::query_as(sql!(
        "UPDATE operations SET status = $3, result = $2, error = NULL, finished_at = now(),
                progress_done = coalesce(progress_total, progress_done)
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(result)
    .bind(Status::Succeeded)
    .fetch_one(&mut *conn)
    .await?;
    changed(conn, operation).await
}

/// Records a terminal failure: a stable code and a sentence for people.
pub async fn fail(
    conn: &mut PgConnection,
    id: Uuid,
    code: &str,
    detail: &str,
) -> Result<Operation> {
    let operation = sqlx::query_as(sql!(
        "UPDATE operations SET status = $4, error = jsonb_build_object('code', $2::text, 'detail', $3::text),
                finished_at = now()
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(code)
    .bind(detail)
    .bind(Status::Failed)
    .fetch_one(&mut *conn)
    .await?;
    changed(conn, operation).await
}
