//! Chat sessions: started, listed and read by their own user only.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{ChatSession, NewSession};
use crate::{
    domain::text,
    error::{Error, Result},
    page::{Page, PageRequest},
};

/// A new session of the user's, titled "New chat" unless named.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
pub async fn get(conn: &mut PgConnection, user_id: Uuid, id: Uuid) -> Result<ChatSession> {
    sqlx::query_as("SELECT id, title, created_at FROM chat_sessions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("chat"))
}

/// The user a session belongs to.
#[tracing::instrument(skip_all)]
pub async fn owner(conn: &mut PgConnection, session_id: Uuid) -> Result<Uuid> {
    sqlx::query_scalar("SELECT user_id FROM chat_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("chat"))
}
