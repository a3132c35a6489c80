//! Event-stream tickets are single use: a ticket's id is recorded, in its
//! school, the first time it opens GET /events, and refused after.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

/// Records ticket `jti` as spent in the current school; false when it
/// already was. Spent tickets past their expiry are forgotten on the way
/// (they could not be used again anyway).
pub async fn spend(conn: &mut PgConnection, jti: Uuid, expires_at: DateTime<Utc>) -> Result<bool> {
    sqlx::query("DELETE FROM event_ticket_uses WHERE expires_at < now() - interval '1 minute'")
        .execute(&mut *conn)
        .await?;
    let spent = sqlx::query(
        "INSERT INTO event_ticket_uses (school_id, jti, expires_at) VALUES (app_school_id(), $1, $2)
         ON CONFLICT ON CONSTRAINT event_ticket_uses_pkey DO NOTHING",
    )
    .bind(jti)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(spent.rows_affected() == 1)
}
