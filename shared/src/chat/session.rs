//! Chat sessions and their messages. A session belongs to one school (row
//! security) and one user (every query here names the user), so neither
//! another school nor a colleague can read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, types::Json};
use uuid::Uuid;

use super::action::{Action, ActionStatus};
use crate::{
    domain::text,
    error::{Error, Result},
    page::{Page, PageRequest},
    sql,
};

/// The longest message a user may send.
pub const MAX_CONTENT_CHARS: usize = 4000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    /// Defaults to "New chat".
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ChatSession {
    pub id: Uuid,
    pub title: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// What the user typed, 1 to 4,000 characters.
    pub content: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ChatMessage {
    pub id: Uuid,
    pub session_id: Uuid,
    /// user or assistant.
    pub role: String,
    pub content: String,
    /// pending, streaming, completed or failed.
    pub status: String,
    #[schema(value_type = Option<Action>)]
    pub action: Option<Json<Action>>,
    /// Why the answer failed; retry with POST .../retry.
    pub error: Option<String>,
    /// The message this one answers.
    pub reply_to: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl ChatMessage {
    pub fn action_status(&self) -> Option<ActionStatus> {
        self.action.as_ref().map(|a| a.status)
    }
}

/// A user message and the assistant message that will answer it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Exchange {
    pub user_message: ChatMessage,
    pub assistant_message: ChatMessage,
}

pub(super) const MESSAGE_COLUMNS: &str =
    "id, session_id, role, content, status, action, error, reply_to, created_at, completed_at";

pub async fn create(
    conn: &mut PgConnection,
    user_id: Uuid,
    new: &NewSession,
) -> Result<ChatSession> {
    let title = match new.title.as_deref().map(str::trim) {
        None | Some("") => "New chat".to_string(),
        Some(title) => text::name("title", title, 120)?,
    };
    let session = sqlx::query_as(
        "INSERT INTO chat_sessions (school_id, id, user_id, title) VALUES (app_school_id(), $1, $2, $3)
         RETURNING id, title, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(title)
    .fetch_one(conn)
    .await?;
    Ok(session)
}

/// The user's sessions in this school, newest first.
pub async fn list(
    conn: &mut PgConnection,
    user_id: Uuid,
    page: PageRequest,
) -> Result<Page<ChatSession>> {
    let rows = sqlx::query_as(
        "SELECT id, title, created_at FROM chat_sessions
          WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2)
          ORDER BY id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |s: &ChatSession| s.id))
}

/// The user's session; 404 for anyone else's.
pub async fn get(conn: &mut PgConnection, user_id: Uuid, id: Uuid) -> Result<ChatSession> {
    sqlx::query_as("SELECT id, title, created_at FROM chat_sessions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("chat"))
}

/// A session's messages, oldest first.
pub async fn messages(
    conn: &mut PgConnection,
    session_id: Uuid,
    page: PageRequest,
) -> Result<Page<ChatMessage>> {
    let rows = sqlx::query_as(sql!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages
          WHERE session_id = $1 AND ($2::uuid IS NULL OR id > $2)
          ORDER BY id LIMIT $3"
    ))
    .bind(session_id)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |m: &ChatMessage| m.id))
}

/// The latest `limit` finished messages before `before`, oldest first: the
/// conversation the language model is shown.
pub async fn history(
    conn: &mut PgConnection,
    session_id: Uuid,
    before: Uuid,
    limit: i64,
) -> Result<Vec<ChatMessage>> {
    let mut rows: Vec<ChatMessage> = sqlx::query_as(sql!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages
          WHERE session_id = $1 AND id < $2 AND status = 'completed' AND content <> ''
          ORDER BY id DESC LIMIT $3"
    ))
    .bind(session_id)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// A message of the session, locked for this transaction.
pub async fn lock_message(
    conn: &mut PgConnection,
    session_id: Uuid,
    id: Uuid,
) -> Result<ChatMessage> {
    sqlx::query_as(sql!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE id = $1 AND session_id = $2 FOR UPDATE"
    ))
    .bind(id)
    .bind(session_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::not_found("message"))
}

/// Stores what the user typed and a pending assistant message answering
/// it; the caller enqueues the answer in the same transaction.
pub async fn post(conn: &mut PgConnection, session_id: Uuid, new: &NewMessage) -> Result<Exchange> {
    let content = new.content.trim();
    let chars = content.chars().count();
    if chars == 0 || chars > MAX_CONTENT_CHARS {
        return Err(Error::invalid(
            "invalid_content",
            format!("content must be 1 to {MAX_CONTENT_CHARS} characters"),
        ));
    }
    if content
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid(
            "invalid_content",
            "content must not hold control characters",
        ));
    }
    let user_message: ChatMessage = sqlx::query_as(sql!(
        "INSERT INTO chat_messages (school_id, id, session_id, role, content, status, completed_at)
         VALUES (app_school_id(), $1, $2, 'user', $3, 'completed', now())
         RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(session_id)
    .bind(content)
    .fetch_one(&mut *conn)
    .await?;
    let assistant_message = pending(conn, session_id, user_message.id).await?;
    Ok(Exchange {
        user_message,
        assistant_message,
    })
}

/// A new assistant message, pending, answering `reply_to`.
async fn pending(conn: &mut PgConnection, session_id: Uuid, reply_to: Uuid) -> Result<ChatMessage> {
    let message = sqlx::query_as(sql!(
        "INSERT INTO chat_messages (school_id, id, session_id, role, status, reply_to)
         VALUES (app_school_id(), $1, $2, 'assistant', 'pending', $3)
         RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(session_id)
    .bind(reply_to)
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// A finished assistant message `id`, answering `reply_to` (a confirmation
/// made with POST .../confirm rather than by typing "yes").
pub async fn insert_answer(
    conn: &mut PgConnection,
    id: Uuid,
    session_id: Uuid,
    reply_to: Uuid,
    content: &str,
    action: Option<&Action>,
) -> Result<ChatMessage> {
    let message = sqlx::query_as(sql!(
        "INSERT INTO chat_messages (school_id, id, session_id, role, content, status, action, reply_to, completed_at)
         VALUES (app_school_id(), $1, $2, 'assistant', $3, 'completed', $4, $5, now())
         RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(session_id)
    .bind(content)
    .bind(action.map(Json))
    .bind(reply_to)
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// Takes a pending (or, after a crash, half-streamed) assistant message
/// for answering; None when it is already finished.
pub async fn claim(conn: &mut PgConnection, id: Uuid) -> Result<Option<ChatMessage>> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = 'streaming', content = '', error = NULL, action = NULL
          WHERE id = $1 AND role = 'assistant' AND status IN ('pending', 'streaming')
          RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(message)
}

/// The text of the message `id` answers.
pub async fn question_of(conn: &mut PgConnection, message: &ChatMessage) -> Result<String> {
    let content: Option<String> =
        sqlx::query_scalar("SELECT content FROM chat_messages WHERE id = $1")
            .bind(message.reply_to)
            .fetch_optional(conn)
            .await?;
    content.ok_or_else(|| Error::not_found("message"))
}

/// The user a session belongs to.
pub async fn owner(conn: &mut PgConnection, session_id: Uuid) -> Result<Uuid> {
    sqlx::query_scalar("SELECT user_id FROM chat_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("chat"))
}

pub async fn complete(
    conn: &mut PgConnection,
    id: Uuid,
    content: &str,
    action: Option<&Action>,
) -> Result<ChatMessage> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = 'completed', content = $2, action = $3, error = NULL, completed_at = now()
          WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(content)
    .bind(action.map(Json))
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// The answer failed: what was streamed so far is kept, with the reason.
pub async fn fail(
    conn: &mut PgConnection,
    id: Uuid,
    partial: &str,
    error: &str,
) -> Result<ChatMessage> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = 'failed', content = $2, error = $3, completed_at = now()
          WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(partial)
    .bind(error)
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// Fails a message still pending or streaming (a job that gave up); None
/// when it had already finished.
pub async fn fail_unfinished(
    conn: &mut PgConnection,
    id: Uuid,
    error: &str,
) -> Result<Option<ChatMessage>> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = 'failed', error = $2, completed_at = now()
          WHERE id = $1 AND status IN ('pending', 'streaming') RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(error)
    .fetch_optional(conn)
    .await?;
    Ok(message)
}

/// Sets a message's action (a proposal confirmed or cancelled, a queued
/// action done).
pub async fn set_action(conn: &mut PgConnection, id: Uuid, action: &Action) -> Result<ChatMessage> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET action = $2 WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(Json(action))
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// The newest proposal of the session still waiting for an answer, locked.
pub async fn open_proposal(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> Result<Option<ChatMessage>> {
    let message = sqlx::query_as(sql!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages
          WHERE session_id = $1 AND role = 'assistant' AND action->>'status' = 'proposed'
          ORDER BY id DESC LIMIT 1 FOR UPDATE"
    ))
    .bind(session_id)
    .fetch_optional(conn)
    .await?;
    Ok(message)
}

/// A new proposal replaces any older one still open: only the newest
/// preview can be confirmed.
pub async fn supersede_proposals(conn: &mut PgConnection, session_id: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE chat_messages SET action = jsonb_set(action, '{status}', '\"cancelled\"')
          WHERE session_id = $1 AND role = 'assistant' AND action->>'status' = 'proposed'",
    )
    .bind(session_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A failed answer back to pending, for another try.
pub async fn reset_for_retry(conn: &mut PgConnection, id: Uuid) -> Result<ChatMessage> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = 'pending', content = '', error = NULL, action = NULL, completed_at = NULL
          WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(message)
}
