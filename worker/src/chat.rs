//! The assistant behind chat.reply (`jobs::chat_reply`): answers a chat
//! message. The router answers what it knows
//! in one transaction; anything else goes to the language model, whose
//! text is streamed to the user as chat.message.delta events while it is
//! written. A model that is down, slow or talking nonsense leaves the
//! message failed with the reason, never pending, and the user can retry.

use std::sync::Arc;

use shared::{
    auth::user,
    chat::{
        context, followup,
        followup::Delta,
        phrasing::{Lang, model},
        router::{self, Routed},
        session::{self, ChatMessage},
        tools,
        turn::Turn,
    },
    commands::Actor,
    db,
    domain::calendar,
    events,
    jobs::ChatReplyJob,
    ollama::{OllamaClient, OllamaError, Reply},
};
use tokio::sync::{OnceCell, mpsc};
use uuid::Uuid;

use crate::Ctx;

/// The language model and what it is known to support.
#[derive(Clone)]
pub struct Assistant {
    client: OllamaClient,
    tools: Arc<OnceCell<bool>>,
}

impl Assistant {
    pub fn new(client: OllamaClient) -> Self {
        Self {
            client,
            tools: Arc::new(OnceCell::new()),
        }
    }

    /// Whether the model takes tools; asked once per process, and again
    /// later if the server could not be asked.
    async fn offers_tools(&self) -> bool {
        if !self.client.config().offer_tools {
            return false;
        }
        if let Some(known) = self.tools.get() {
            return *known;
        }
        match self.client.capabilities().await {
            Ok(capabilities) => {
                let tools = capabilities.iter().any(|c| c == "tools");
                *self.tools.get_or_init(|| async { tools }).await
            }
            Err(_) => false,
        }
    }
}

/// Messages of the conversation shown to the model.
const HISTORY: i64 = 12;

/// What the chat.reply job runs: route the question, or ask the model.
pub(crate) async fn answer(job: &ChatReplyJob, ctx: &Ctx) -> shared::Result<()> {
    let mut tx = db::begin_tenant(&ctx.pool, job.school_id, None).await?;
    let Some(reply) = session::claim(&mut tx, job.message_id).await? else {
        // Already answered: a second delivery of the job.
        return Ok(());
    };
    let user_id = session::owner(&mut tx, job.session_id).await?;
    db::set_tenant(&mut tx, Some(job.school_id), Some(user_id)).await?;
    let actor = Actor {
        school_id: job.school_id,
        user_id,
    };
    let Some(role) = user::role_in_school(&mut tx, job.school_id, user_id).await? else {
        let message = session::fail(
            &mut tx,
            reply.id,
            "",
            model::no_longer_a_member(Lang::REPLY),
        )
        .await?;
        followup::announce(&mut tx, &message, user_id).await?;
        tx.commit().await?;
        return Ok(());
    };
    let question = session::question_of(&mut tx, &reply).await?;
    let today = calendar::today_in_kenya();
    if let Routed::Answered(turn) =
        router::route(&mut tx, actor, role, &reply, &question, today).await?
    {
        finish(&mut tx, &reply, user_id, &turn, Streamed::No).await?;
        tx.commit().await?;
        return Ok(());
    }
    let context = context::school_context(&mut tx, today).await?;
    let before = reply.reply_to.unwrap_or(reply.id);
    let history = session::history(&mut tx, reply.session_id, before, HISTORY).await?;
    // The claim commits: the message shows as streaming while the model works.
    tx.commit().await?;

    let messages = context.messages(&history, &question);
    let answer = ask_model(ctx, actor, &reply, &messages).await;
    let mut tx = db::begin_tenant(&ctx.pool, job.school_id, Some(user_id)).await?;
    match answer {
        Ok(model_reply) => {
            let (turn, streamed) = match tool_request(&model_reply) {
                Some(intent) => (
                    router::plan_turn(&mut tx, role, &reply, intent, today).await?,
                    Streamed::No,
                ),
                None if model_reply.content.trim().is_empty() => {
                    (Turn::say(model::no_answer(Lang::REPLY)), Streamed::No)
                }
                None => (Turn::say(model_reply.content.clone()), Streamed::Yes),
            };
            finish(&mut tx, &reply, user_id, &turn, streamed).await?;
        }
        Err((partial, error)) => {
            tracing::warn!(error = %error, "the language model failed to answer");
            let failure = model::model_failed(Lang::REPLY, &error);
            let message = session::fail(&mut tx, reply.id, &partial, &failure).await?;
            followup::announce(&mut tx, &message, user_id).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The job failed for good: the answer is marked failed, to be retried.
pub(crate) async fn give_up(job: &ChatReplyJob, ctx: &Ctx) -> shared::Result<()> {
    let mut tx = db::begin_tenant(&ctx.pool, job.school_id, None).await?;
    let user_id = session::owner(&mut tx, job.session_id).await?;
    let failed =
        session::fail_unfinished(&mut tx, job.message_id, model::gave_up(Lang::REPLY)).await?;
    if let Some(message) = failed {
        followup::announce(&mut tx, &message, user_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The first tool call whose arguments are valid, as a request.
fn tool_request(reply: &Reply) -> Option<shared::chat::intent::Intent> {
    reply.tool_calls.iter().find_map(tools::intent)
}

/// Whether the user has already seen the answer's text as deltas.
#[derive(PartialEq)]
enum Streamed {
    Yes,
    No,
}

async fn finish(
    tx: &mut sqlx::PgConnection,
    reply: &ChatMessage,
    user_id: Uuid,
    turn: &Turn,
    streamed: Streamed,
) -> shared::Result<()> {
    // An answer made here arrives whole: one delta, then the message.
    if streamed == Streamed::No {
        let delta = Delta {
            session_id: reply.session_id,
            message_id: reply.id,
            delta: &turn.content,
        };
        events::append_for_user(tx, "chat.message.delta", &delta, user_id).await?;
    }
    let message = session::complete(tx, reply.id, &turn.content, turn.action.as_ref()).await?;
    followup::announce(tx, &message, user_id).await
}

/// The model's answer: with the known requests offered as tools when it
/// takes them, and asked again without tools when that call came back with
/// neither a usable tool call nor any text (small models do this).
async fn ask_model(
    ctx: &Ctx,
    actor: Actor,
    reply: &ChatMessage,
    messages: &[shared::ollama::Message],
) -> Result<Reply, (String, OllamaError)> {
    if !ctx.assistant.offers_tools().await {
        return stream_answer(ctx, actor, reply, messages, None).await;
    }
    let tools = tools::definitions();
    match stream_answer(ctx, actor, reply, messages, Some(&tools)).await {
        Ok(answer) if tool_request(&answer).is_none() && answer.content.trim().is_empty() => {
            stream_answer(ctx, actor, reply, messages, None).await
        }
        other => other,
    }
}

/// Streams one answer; each piece of text is appended as a
/// chat.message.delta event as it arrives (pieces that arrive while one is
/// being written go out together). On failure, the text so far and the error.
async fn stream_answer(
    ctx: &Ctx,
    actor: Actor,
    reply: &ChatMessage,
    messages: &[shared::ollama::Message],
    tools: Option<&serde_json::Value>,
) -> Result<Reply, (String, OllamaError)> {
    let (sender, receiver) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(write_deltas(
        ctx.pool.clone(),
        actor.school_id,
        reply.clone(),
        actor.user_id,
        receiver,
    ));
    let mut partial = String::new();
    let answer = ctx
        .assistant
        .client
        .chat(messages, tools, |delta| {
            partial.push_str(delta);
            let _ = sender.send(delta.to_string());
        })
        .await;
    drop(sender);
    // Every delta is written before the message completes.
    if let Err(err) = writer.await {
        tracing::warn!(error = %err, "the delta writer stopped");
    }
    answer.map_err(|error| (partial, error))
}

async fn write_deltas(
    pool: sqlx::PgPool,
    school_id: Uuid,
    reply: ChatMessage,
    user_id: Uuid,
    mut receiver: mpsc::UnboundedReceiver<String>,
) {
    while let Some(first) = receiver.recv().await {
        let mut text = first;
        while let Ok(more) = receiver.try_recv() {
            text.push_str(&more);
        }
        let written: shared::Result<()> = async {
            let mut tx = db::begin_tenant(&pool, school_id, Some(user_id)).await?;
            let delta = Delta {
                session_id: reply.session_id,
                message_id: reply.id,
                delta: &text,
            };
            events::append_for_user(&mut tx, "chat.message.delta", &delta, user_id).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(err) = written {
            // The final message still carries the whole text.
            tracing::warn!(error = %err, "a chat delta was not written");
        }
    }
}
