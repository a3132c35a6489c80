//! /chats: the assistant. A posted message is answered by the worker (202);
//! the answer streams over GET /events as chat.message.delta and
//! chat.message.completed. Writes are previewed first and run on confirm.

use axum::{extract::OriginalUri, http::StatusCode, response::Response};
use serde::Serialize;
use shared::{
    chat::{
        confirm::{self, open_action},
        followup,
        session::{
            self, ChatMessage, ChatSession, Exchange, MessageRole, MessageStatus, NewMessage,
            NewSession,
        },
    },
    commands,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::paged::paged;
use crate::{
    AppState,
    error::ApiError,
    extract::{Json, PageRequest, Path, Tenant},
    openapi::{PageParams, SchoolHeader, examples},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_chats, create_chat))
        .routes(routes!(list_messages, post_message))
        .routes(routes!(confirm_action))
        .routes(routes!(cancel_action))
        .routes(routes!(retry_message))
}

/// A proposal answered: the proposal with its new status, and the
/// assistant's reply saying what happened.
#[derive(Serialize, utoipa::ToSchema)]
struct Answered {
    proposal: ChatMessage,
    assistant_message: ChatMessage,
}

/// Start a chat with the assistant (any member). It is yours alone.
#[utoipa::path(post, path = "/chats", tag = "chat", params(SchoolHeader),
    request_body(content = NewSession, example = examples::new_session),
    security(("bearer" = [])), responses((status = 201, description = "The chat, empty", body = ChatSession)),
    extensions(("x-problem-codes" = json!({"400": ["invalid_field"]}))))]
async fn create_chat(
    mut tenant: Tenant,
    Json(new): Json<NewSession>,
) -> Result<(StatusCode, Json<ChatSession>), ApiError> {
    let chat = session::create(&mut tenant.tx, tenant.user_id, &new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(chat)))
}

/// Your chats in this school, newest first.
#[utoipa::path(get, path = "/chats", tag = "chat", params(SchoolHeader, PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of your chats, newest first", body = Vec<ChatSession>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_chats(
    mut tenant: Tenant,
    uri: OriginalUri,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let chats = session::list(&mut tenant.tx, tenant.user_id, page).await?;
    tenant.commit().await?;
    Ok(paged(chats, &uri))
}

/// A chat's messages, oldest first, each in its current state.
#[utoipa::path(get, path = "/chats/{id}/messages", tag = "chat", params(SchoolHeader, ("id" = Uuid, Path), PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of the chat's messages, oldest first", body = Vec<ChatMessage>)),
    extensions(("x-problem-codes" = json!({"404": ["chat_not_found"]}))))]
async fn list_messages(
    mut tenant: Tenant,
    uri: OriginalUri,
    Path(id): Path<Uuid>,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let chat = session::get(&mut tenant.tx, tenant.user_id, id).await?;
    let messages = session::messages(&mut tenant.tx, chat.id, page).await?;
    tenant.commit().await?;
    Ok(paged(messages, &uri))
}

/// Send a message. Answers 202 with it and the pending assistant message;
/// the worker answers, streaming the text over GET /events.
#[utoipa::path(post, path = "/chats/{id}/messages", tag = "chat", params(SchoolHeader, ("id" = Uuid, Path)),
    request_body(content = NewMessage, example = examples::new_message), security(("bearer" = [])),
    responses((status = 202, description = "Your message and the assistant's, pending until the worker answers", body = Exchange)),
    extensions(("x-problem-codes" = json!({"400": ["invalid_content"], "404": ["chat_not_found"]}))))]
async fn post_message(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
    Json(new): Json<NewMessage>,
) -> Result<(StatusCode, Json<Exchange>), ApiError> {
    let chat = session::get(&mut tenant.tx, tenant.user_id, id).await?;
    let actor = tenant.actor();
    let exchange = commands::chat::post_message(&mut tenant.tx, actor, chat.id, &new).await?;
    tenant.commit().await?;
    Ok((StatusCode::ACCEPTED, Json(exchange)))
}

/// Confirm a proposed action (the same as replying "yes"). It runs as the
/// REST API would, under your role; the reply says what happened and hears
/// later how queued work ended. 409 when the message proposes nothing open.
#[utoipa::path(post, path = "/chats/{id}/messages/{message_id}/confirm", tag = "chat",
    params(SchoolHeader, ("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "The proposal (confirmed, or failed when the data broke a rule) and the reply saying what happened", body = Answered)),
    extensions(("x-problem-codes" = json!({
        "403": ["insufficient_role"], "404": ["chat_not_found", "message_not_found"],
        "409": ["action_not_proposed", "nothing_to_confirm"]
    }))))]
async fn confirm_action(
    mut tenant: Tenant,
    Path((id, message_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<Answered>, ApiError> {
    let chat = session::get(&mut tenant.tx, tenant.user_id, id).await?;
    let proposal = session::lock_message(&mut tenant.tx, chat.id, message_id).await?;
    let reply_id = Uuid::now_v7();
    let actor = tenant.actor();
    let turn = confirm::confirm(&mut tenant.tx, actor, tenant.role, &proposal, reply_id).await?;
    answered(tenant, chat.id, proposal.id, reply_id, turn).await
}

/// Cancel a proposed action (the same as replying "no").
#[utoipa::path(post, path = "/chats/{id}/messages/{message_id}/cancel", tag = "chat",
    params(SchoolHeader, ("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "The proposal, cancelled, and the reply", body = Answered)),
    extensions(("x-problem-codes" = json!({
        "404": ["chat_not_found", "message_not_found"], "409": ["action_not_proposed", "nothing_to_confirm"]
    }))))]
async fn cancel_action(
    mut tenant: Tenant,
    Path((id, message_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<Answered>, ApiError> {
    let chat = session::get(&mut tenant.tx, tenant.user_id, id).await?;
    let proposal = session::lock_message(&mut tenant.tx, chat.id, message_id).await?;
    open_action(&proposal)?;
    let turn = confirm::cancel(&mut tenant.tx, &proposal).await?;
    answered(tenant, chat.id, proposal.id, Uuid::now_v7(), turn).await
}

async fn answered(
    mut tenant: Tenant,
    session_id: Uuid,
    proposal_id: Uuid,
    reply_id: Uuid,
    turn: shared::chat::turn::Turn,
) -> Result<Json<Answered>, ApiError> {
    let reply = session::insert_answer(
        &mut tenant.tx,
        reply_id,
        session_id,
        proposal_id,
        &turn.content,
        turn.action.as_ref(),
    )
    .await?;
    let proposal = session::lock_message(&mut tenant.tx, session_id, proposal_id).await?;
    followup::announce(&mut tenant.tx, &proposal, tenant.user_id).await?;
    followup::announce(&mut tenant.tx, &reply, tenant.user_id).await?;
    tenant.commit().await?;
    Ok(Json(Answered {
        proposal,
        assistant_message: reply,
    }))
}

/// Ask again after a failed answer (the language model down or slow, say).
/// Answers 202 with the message, pending again; 409 unless it failed.
#[utoipa::path(post, path = "/chats/{id}/messages/{message_id}/retry", tag = "chat",
    params(SchoolHeader, ("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 202, description = "The assistant message, pending again", body = ChatMessage)),
    extensions(("x-problem-codes" = json!({
        "404": ["chat_not_found", "message_not_found"], "409": ["message_not_failed"]
    }))))]
async fn retry_message(
    mut tenant: Tenant,
    Path((id, message_id)): Path<(Uuid, Uuid)>,
) -> Result<(StatusCode, Json<ChatMessage>), ApiError> {
    let chat = session::get(&mut tenant.tx, tenant.user_id, id).await?;
    let message = session::lock_message(&mut tenant.tx, chat.id, message_id).await?;
    if message.role != MessageRole::Assistant || message.status != MessageStatus::Failed {
        return Err(shared::Error::conflict(
            "message_not_failed",
            "only a failed assistant message can be retried",
        )
        .into());
    }
    let actor = tenant.actor();
    let message = commands::chat::retry_answer(&mut tenant.tx, actor, chat.id, message.id).await?;
    tenant.commit().await?;
    Ok((StatusCode::ACCEPTED, Json(message)))
}
