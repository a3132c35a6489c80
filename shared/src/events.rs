//! The append-only event log SSE clients read. An event is appended and
//! announced with pg_notify in the transaction that causes it, so a client
//! never hears of something that rolled back.

use serde::Serialize;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

/// The channel the api LISTENs on; the payload is "<school_id>:<event_id>".
pub const CHANNEL: &str = "schoolops_events";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Set for an event meant for one user only (a chat's live text); None
    /// for events every member of the school may see.
    #[serde(skip)]
    pub user_id: Option<Uuid>,
}

impl Event {
    /// Whether `user_id`, a member of the event's school, may see it.
    pub fn visible_to(&self, user_id: Uuid) -> bool {
        self.user_id.is_none_or(|owner| owner == user_id)
    }
}

/// Appends an event in the school of the current transaction.
///
/// Ids count the school's own events (migration 0015), so they tell a
/// member nothing of other schools. The school's counter row stays locked
/// from here to commit, which keeps its events in commit order (a client
/// resuming "after id N" must not skip one) and makes the school's other
/// appends wait: call this last, just before commit.
pub async fn append(conn: &mut PgConnection, kind: &str, payload: &impl Serialize) -> Result<i64> {
    insert(conn, kind, payload, None).await
}

/// Appends an event only `user_id` will receive (see `append`).
pub async fn append_for_user(
    conn: &mut PgConnection,
    kind: &str,
    payload: &impl Serialize,
    user_id: Uuid,
) -> Result<i64> {
    insert(conn, kind, payload, Some(user_id)).await
}

async fn insert(
    conn: &mut PgConnection,
    kind: &str,
    payload: &impl Serialize,
    user_id: Option<Uuid>,
) -> Result<i64> {
    let payload = serde_json::to_value(payload).map_err(anyhow::Error::from)?;
    let id: i64 = sqlx::query_scalar(
        "WITH e AS (INSERT INTO events (school_id, kind, payload, user_id) VALUES (app_school_id(), $1, $2, $4) RETURNING id)
         SELECT e.id FROM e, LATERAL (SELECT pg_notify($3, app_school_id()::text || ':' || e.id::text)) n",
    )
    .bind(kind)
    .bind(payload)
    .bind(CHANNEL)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Events of the current school after `after_id`, oldest first, whoever
/// they are meant for: filter with `Event::visible_to` before showing them.
pub async fn after(conn: &mut PgConnection, after_id: i64, limit: i64) -> Result<Vec<Event>> {
    let events = sqlx::query_as(
        "SELECT id, kind, payload, created_at, user_id FROM events WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(events)
}

/// The newest event id of the current school (0 when none).
pub async fn latest_id(conn: &mut PgConnection) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM events")
        .fetch_one(conn)
        .await?;
    Ok(id.unwrap_or(0))
}
