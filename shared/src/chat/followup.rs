//! How queued work started from the chat ended, written back into the
//! message that reported it, in the transaction that finishes the work.

use serde::Serialize;
use serde_json::Value;
use sqlx::PgConnection;

use super::{action::ActionStatus, session::ChatMessage};
use crate::{domain::chat, error::Result, events, jobs::ChatLink};

/// Event payload for a chat's live text.
#[derive(Debug, Serialize)]
pub struct Delta<'a> {
    pub session_id: uuid::Uuid,
    pub message_id: uuid::Uuid,
    pub delta: &'a str,
}

/// Announces a finished (or updated) message to the chat's owner.
pub async fn announce(
    conn: &mut PgConnection,
    message: &ChatMessage,
    user_id: uuid::Uuid,
) -> Result<()> {
    events::append_for_user(conn, "chat.message.completed", message, user_id).await?;
    Ok(())
}

/// Marks the linked message's action done or failed, merges `result` into
/// its result, adds `line` to its text and announces it. A message that is
/// gone (or already says so) is left alone.
pub async fn report(
    conn: &mut PgConnection,
    link: ChatLink,
    status: ActionStatus,
    result: Value,
    line: &str,
) -> Result<()> {
    let message = chat::report_outcome(conn, link.message_id, status, result, line).await?;
    if let Some(message) = message {
        announce(conn, &message, link.user_id).await?;
    }
    Ok(())
}
