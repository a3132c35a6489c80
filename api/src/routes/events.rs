//! GET /events: the selected school's events over SSE, resumable with
//! Last-Event-ID. Browsers' EventSource cannot send headers, so POST
//! /events/ticket hands out a short-lived signed ticket for `?ticket=`,
//! good for opening one stream. An open stream re-checks its subscriber's
//! membership every `API_EVENTS_RECHECK_SECS` and ends once it is gone.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::{HeaderMap, request::Parts},
    response::sse::{Event as SseEvent, KeepAlive, Sse},
};
use futures_util::stream::{self, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use shared::{
    auth::{ticket, user},
    db, events,
};
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    error::ApiError,
    extract::{Json, Query, Tenant, tenant::not_a_member},
    hub::Signal,
    openapi::SchoolHeader,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stream_events))
        .routes(routes!(create_ticket))
}

const TICKET_SECONDS: i64 = 60;

#[derive(Serialize, utoipa::ToSchema)]
struct Ticket {
    /// Pass as `?ticket=` to GET /events within `expires_in` seconds; it
    /// opens one stream.
    ticket: String,
    expires_in: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct StreamParams {
    /// A ticket from POST /events/ticket, for clients that cannot send headers.
    ticket: Option<String>,
    /// Resume after this event id (the same as the Last-Event-ID header).
    last_event_id: Option<i64>,
}

/// A short-lived ticket for opening GET /events from a browser. Each
/// ticket opens one stream: a second use is 401, so a reconnecting client
/// asks for a new one (and sends `last_event_id` to resume).
#[utoipa::path(post, path = "/events/ticket", tag = "events", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "A ticket for `?ticket=`, valid for `expires_in` seconds", body = Ticket)),
    extensions(("x-problem-codes" = json!({}))))]
async fn create_ticket(
    State(state): State<AppState>,
    tenant: Tenant,
) -> Result<Json<Ticket>, ApiError> {
    let ticket = state
        .keys
        .issue_ticket(tenant.user_id, tenant.school_id, TICKET_SECONDS)
        .map_err(shared::Error::Internal)?;
    tenant.commit().await?;
    Ok(Json(Ticket {
        ticket,
        expires_in: TICKET_SECONDS,
    }))
}

/// Who is subscribing to which school: from a ticket, or from the bearer
/// token and X-School-ID with a membership check. Returns (school, user).
async fn subscriber(
    state: &AppState,
    parts: &mut Parts,
    ticket: Option<&str>,
) -> Result<(Uuid, Uuid), ApiError> {
    if let Some(ticket) = ticket {
        let claims = state
            .keys
            .verify_ticket(ticket)
            .ok_or_else(|| ApiError::unauthorized("the ticket is invalid or expired"))?;
        let mut tx = db::begin_tenant(&state.pool, claims.school_id, Some(claims.sub)).await?;
        let expires_at = chrono::DateTime::from_timestamp(claims.exp, 0)
            .ok_or_else(|| ApiError::unauthorized("the ticket is invalid or expired"))?;
        if !ticket::spend(&mut tx, claims.jti, expires_at).await? {
            return Err(ApiError::unauthorized(
                "the ticket has been used; ask POST /events/ticket for another",
            ));
        }
        if user::role_in_school(&mut tx, claims.school_id, claims.sub)
            .await?
            .is_none()
        {
            return Err(not_a_member(state, claims.sub).await);
        }
        tx.commit().await?;
        return Ok((claims.school_id, claims.sub));
    }
    let tenant =
        <Tenant as axum::extract::FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await?;
    let who = (tenant.school_id, tenant.user_id);
    tenant.commit().await?;
    Ok(who)
}

/// Events of the selected school as they commit: operation.updated,
/// invoice.generated, invoice.issued (a one-off invoice), invoice.cancelled,
/// credit_note.issued, payment.posted, notification.sent, chat.message.delta,
/// chat.message.completed (a chat's events reach only the user whose chat it
/// is). Send Last-Event-ID (or `?last_event_id=`) to resume.
#[utoipa::path(get, path = "/events", tag = "events", params(SchoolHeader, StreamParams), security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of the school's events", content_type = "text/event-stream", body = String)),
    extensions(("x-problem-codes" = json!({}))))]
async fn stream_events(
    State(state): State<AppState>,
    Query(params): Query<StreamParams>,
    request: axum::extract::Request,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let (mut parts, _body) = request.into_parts();
    let (school_id, user_id) = subscriber(&state, &mut parts, params.ticket.as_deref()).await?;
    let resume = resume_point(&parts.headers, params.last_event_id);
    // Subscribe before reading the backlog, so nothing falls in between.
    let receiver = state.hub.subscribe();
    let open = state.hub.stream_opened();
    let last = match resume {
        Some(id) => id,
        None => {
            let mut tx = db::begin_tenant(&state.pool, school_id, None).await?;
            let latest = events::latest_id(&mut tx).await?;
            tx.commit().await?;
            latest
        }
    };
    let every = state.guard.limits.events_recheck;
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let subscription = Subscription {
        receiver,
        pool: state.pool.clone(),
        school_id,
        user_id,
        last,
        pending: Vec::new(),
        catch_up: resume.is_some(),
        recheck,
    };
    let stream = stream::unfold(subscription, |mut subscription| async move {
        let event = subscription.next().await?;
        Some((Ok(event), subscription))
    });
    // The stream owns the guard: the gauge drops when the client leaves.
    let stream = stream.map(move |event| {
        let _counted = &open;
        event
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One open stream: what it has sent, what it still owes, and when it
/// next checks that its subscriber is still a member.
struct Subscription {
    receiver: tokio::sync::broadcast::Receiver<Signal>,
    pool: sqlx::PgPool,
    school_id: Uuid,
    user_id: Uuid,
    last: i64,
    /// Read from the table, newest first (popped from the end).
    pending: Vec<SseEvent>,
    catch_up: bool,
    recheck: tokio::time::Interval,
}

impl Subscription {
    /// The next event to send; None ends the stream (the server is closing,
    /// the database failed, or the subscriber is no longer a member).
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.pending.pop() {
                return Some(event);
            }
            if self.catch_up {
                self.read_backlog().await?;
                continue;
            }
            tokio::select! {
                signal = self.receiver.recv() => match signal {
                    Ok(Signal::Event { school_id, event }) if school_id == self.school_id => {
                        if event.id > self.last {
                            self.last = event.id;
                            if event.visible_to(self.user_id) {
                                return Some(sse(&event));
                            }
                        }
                    }
                    Ok(Signal::Event { .. }) => {}
                    Ok(Signal::CatchUp) | Err(RecvError::Lagged(_)) => self.catch_up = true,
                    Ok(Signal::Closing) | Err(RecvError::Closed) => return None,
                },
                _ = self.recheck.tick() => {
                    if !self.still_a_member().await {
                        return None;
                    }
                }
            }
        }
    }

    async fn read_backlog(&mut self) -> Option<()> {
        self.catch_up = false;
        let mut tx = db::begin_tenant(&self.pool, self.school_id, None)
            .await
            .ok()?;
        let backlog = events::after(&mut tx, self.last, 1000).await.ok()?;
        let _ = tx.commit().await;
        if backlog.len() == 1000 {
            self.catch_up = true;
        }
        for event in backlog.iter().rev().filter(|e| e.visible_to(self.user_id)) {
            self.pending.push(sse(event));
        }
        if let Some(newest) = backlog.last() {
            self.last = newest.id;
        }
        Some(())
    }

    /// Whether the subscriber still belongs to the school (and their
    /// account still exists). A failed check ends the stream too: the
    /// client reconnects and is checked afresh.
    async fn still_a_member(&self) -> bool {
        let Ok(mut tx) = db::begin_tenant(&self.pool, self.school_id, Some(self.user_id)).await
        else {
            return false;
        };
        let role = user::role_in_school(&mut tx, self.school_id, self.user_id).await;
        let _ = tx.commit().await;
        matches!(role, Ok(Some(_)))
    }
}

fn resume_point(headers: &HeaderMap, query: Option<i64>) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(query)
        .map(|id| id.max(0))
}

fn sse(event: &events::Event) -> SseEvent {
    SseEvent::default()
        .id(event.id.to_string())
        .event(&event.kind)
        .data(event.payload.to_string())
}
