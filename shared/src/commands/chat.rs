//! The chat: a user's message (or a retried answer) and the chat.reply job
//! that answers it.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{Actor, queue};
use crate::{
    chat::session::{self, ChatMessage, Exchange, NewMessage},
    error::Result,
    jobs::ChatReplyJob,
};

/// Stores the user's message and the pending answer, and queues the answer.
pub async fn post_message(
    conn: &mut PgConnection,
    actor: Actor,
    session_id: Uuid,
    new: &NewMessage,
) -> Result<Exchange> {
    let exchange = session::post(conn, session_id, new).await?;
    let job = ChatReplyJob {
        school_id: actor.school_id,
        session_id,
        message_id: exchange.assistant_message.id,
    };
    queue::push(conn, &job).await?;
    Ok(exchange)
}

/// Sets a failed answer pending again and queues it once more.
pub async fn retry_answer(
    conn: &mut PgConnection,
    actor: Actor,
    session_id: Uuid,
    message_id: Uuid,
) -> Result<ChatMessage> {
    let message = session::reset_for_retry(conn, message_id).await?;
    let job = ChatReplyJob {
        school_id: actor.school_id,
        session_id,
        message_id: message.id,
    };
    queue::push(conn, &job).await?;
    Ok(message)
}
