//! Chat messages: a user's question, the assistant's answer as it goes
//! from pending to completed or failed, and the action an answer carries.

use serde_json::Value;
use sqlx::{PgConnection, types::Json};
use uuid::Uuid;

use super::{
    Action, ActionStatus, ChatMessage, Exchange, MAX_CONTENT_CHARS, MessageRole, MessageStatus,
    NewMessage,
};
use crate::{
    error::{Error, Result},
    page::{Page, PageRequest},
    sql,
};

const MESSAGE_COLUMNS: &str =
    "id, session_id, role, content, status, action, error, reply_to, created_at, completed_at";

/// A session's messages, oldest first.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
pub async fn history(
    conn: &mut PgConnection,
    session_id: Uuid,
    before: Uuid,
    limit: i64,
) -> Result<Vec<ChatMessage>> {
    let mut rows: Vec<ChatMessage> = sqlx::query_as(sql!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages
          WHERE session_id = $1 AND id < $2 AND status = $4 AND content <> ''
          ORDER BY id DESC LIMIT $3"
    ))
    .bind(session_id)
    .bind(before)
    .bind(limit)
    .bind(MessageStatus::Completed)
    .fetch_all(conn)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// A message of the session, locked for this transaction.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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
         VALUES (app_school_id(), $1, $2, $4, $3, $5, now())
         RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(session_id)
    .bind(content)
    .bind(MessageRole::User)
    .bind(MessageStatus::Completed)
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
         VALUES (app_school_id(), $1, $2, $4, $5, $3)
         RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(session_id)
    .bind(reply_to)
    .bind(MessageRole::Assistant)
    .bind(MessageStatus::Pending)
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// A finished assistant message `id`, answering `reply_to` (a confirmation
/// made with POST .../confirm rather than by typing "yes").
#[tracing::instrument(skip_all)]
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
         VALUES (app_school_id(), $1, $2, $6, $3, $7, $4, $5, now())
         RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(session_id)
    .bind(content)
    .bind(action.map(Json))
    .bind(reply_to)
    .bind(MessageRole::Assistant)
    .bind(MessageStatus::Completed)
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// Takes a pending (or, after a crash, half-streamed) assistant message
/// for answering; None when it is already finished.
#[tracing::instrument(skip_all)]
pub async fn claim(conn: &mut PgConnection, id: Uuid) -> Result<Option<ChatMessage>> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = $3, content = '', error = NULL, action = NULL
          WHERE id = $1 AND role = $2 AND status IN ($4, $3)
          RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(MessageRole::Assistant)
    .bind(MessageStatus::Streaming)
    .bind(MessageStatus::Pending)
    .fetch_optional(conn)
    .await?;
    Ok(message)
}

/// The text of the message `message` answers.
#[tracing::instrument(skip_all)]
pub async fn question_of(conn: &mut PgConnection, message: &ChatMessage) -> Result<String> {
    let content: Option<String> =
        sqlx::query_scalar("SELECT content FROM chat_messages WHERE id = $1")
            .bind(message.reply_to)
            .fetch_optional(conn)
            .await?;
    content.ok_or_else(|| Error::not_found("message"))
}

/// The answer finished: its text and action, and no error.
#[tracing::instrument(skip_all)]
pub async fn complete(
    conn: &mut PgConnection,
    id: Uuid,
    content: &str,
    action: Option<&Action>,
) -> Result<ChatMessage> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = $4, content = $2, action = $3, error = NULL, completed_at = now()
          WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(content)
    .bind(action.map(Json))
    .bind(MessageStatus::Completed)
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// The answer failed: what was streamed so far is kept, with the reason.
#[tracing::instrument(skip_all)]
pub async fn fail(
    conn: &mut PgConnection,
    id: Uuid,
    partial: &str,
    error: &str,
) -> Result<ChatMessage> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = $4, content = $2, error = $3, completed_at = now()
          WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(partial)
    .bind(error)
    .bind(MessageStatus::Failed)
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// Fails a message still pending or streaming (a job that gave up); None
/// when it had already finished.
#[tracing::instrument(skip_all)]
pub async fn fail_unfinished(
    conn: &mut PgConnection,
    id: Uuid,
    error: &str,
) -> Result<Option<ChatMessage>> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = $3, error = $2, completed_at = now()
          WHERE id = $1 AND status IN ($4, $5) RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(error)
    .bind(MessageStatus::Failed)
    .bind(MessageStatus::Pending)
    .bind(MessageStatus::Streaming)
    .fetch_optional(conn)
    .await?;
    Ok(message)
}

/// Sets a message's action (a proposal confirmed or cancelled, a queued
/// action done).
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
pub async fn open_proposal(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> Result<Option<ChatMessage>> {
    let message = sqlx::query_as(sql!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages
          WHERE session_id = $1 AND role = $2 AND action->>'status' = $3
          ORDER BY id DESC LIMIT 1 FOR UPDATE"
    ))
    .bind(session_id)
    .bind(MessageRole::Assistant)
    .bind(ActionStatus::Proposed.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(message)
}

/// A new proposal replaces any older one still open: only the newest
/// preview can be confirmed.
#[tracing::instrument(skip_all)]
pub async fn supersede_proposals(conn: &mut PgConnection, session_id: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE chat_messages SET action = jsonb_set(action, '{status}', $4)
          WHERE session_id = $1 AND role = $2 AND action->>'status' = $3",
    )
    .bind(session_id)
    .bind(MessageRole::Assistant)
    .bind(ActionStatus::Proposed.as_str())
    .bind(Json(ActionStatus::Cancelled))
    .execute(conn)
    .await?;
    Ok(())
}

/// A failed answer back to pending, for another try.
#[tracing::instrument(skip_all)]
pub async fn reset_for_retry(conn: &mut PgConnection, id: Uuid) -> Result<ChatMessage> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages SET status = $2, content = '', error = NULL, action = NULL, completed_at = NULL
          WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(MessageStatus::Pending)
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// How queued work started from the chat ended: sets the action of message
/// `id` to `status` if it is still `confirmed`, merges `result` into its
/// result and adds `line` to its text. None when the message is gone or
/// already says how it ended.
#[tracing::instrument(skip_all)]
pub async fn report_outcome(
    conn: &mut PgConnection,
    id: Uuid,
    status: ActionStatus,
    result: Value,
    line: &str,
) -> Result<Option<ChatMessage>> {
    let message = sqlx::query_as(sql!(
        "UPDATE chat_messages
            SET action = jsonb_set(jsonb_set(action, '{{status}}', $2), '{{result}}', coalesce(action->'result', '{{}}') || $3),
                content = content || E'\\n\\n' || $4
          WHERE id = $1 AND action IS NOT NULL AND action->>'status' = $5
          RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(id)
    .bind(Json(status))
    .bind(result)
    .bind(line)
    .bind(ActionStatus::Confirmed.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(message)
}
