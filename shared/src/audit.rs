//! Every mutation leaves an audit row (who, what, before, after) in the
//! same transaction as the change itself.

use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

pub struct Change<'a> {
    pub actor: Uuid,
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: &'a str,
}

/// Records a change in the school of the current transaction.
#[tracing::instrument(skip_all, fields(action = change.action, entity = change.entity))]
pub async fn record<B: Serialize, A: Serialize>(
    conn: &mut PgConnection,
    change: Change<'_>,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let before = before
        .map(serde_json::to_value)
        .transpose()
        .map_err(anyhow::Error::from)?;
    let after = after
        .map(serde_json::to_value)
        .transpose()
        .map_err(anyhow::Error::from)?;
    sqlx::query(
        "INSERT INTO audit_log (school_id, actor_user_id, action, entity, entity_id, before, after)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6)",
    )
    .bind(change.actor)
    .bind(change.action)
    .bind(change.entity)
    .bind(change.entity_id)
    .bind(before)
    .bind(after)
    .execute(conn)
    .await?;
    Ok(())
}
