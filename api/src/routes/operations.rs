//! /operations: async work the client can poll, and the 202 answer (with
//! `Prefer: wait=N`, RFC 7240) that every operation-starting POST gives.

use std::time::Duration;

use axum::{
    extract::OriginalUri,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use shared::{
    db,
    domain::operation::{self, Operation},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::paged::paged;
use crate::{
    AppState,
    error::ApiError,
    extract::{Json, PageRequest, Path, Tenant},
    hub::Signal,
    openapi::{PageParams, SchoolHeader},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_operations))
        .routes(routes!(get_operation))
}

/// The longest `Prefer: wait` honoured.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// One operation.
#[utoipa::path(get, path = "/operations/{id}", tag = "operations", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The operation: status, progress, and its result or error once finished", body = Operation)),
    extensions(("x-problem-codes" = json!({"404": ["operation_not_found"]}))))]
async fn get_operation(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Operation>, ApiError> {
    let operation = operation::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(operation))
}

/// Operations of the school, newest first.
#[utoipa::path(get, path = "/operations", tag = "operations", params(SchoolHeader, PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of operations, newest first", body = Vec<Operation>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_operations(
    mut tenant: Tenant,
    uri: OriginalUri,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = operation::list(&mut tenant.tx, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// `Prefer: wait=N` in seconds, if the client sent it.
fn preferred_wait(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|pref| {
            let (name, value) = pref.trim().split_once('=')?;
            (name.trim().eq_ignore_ascii_case("wait"))
                .then(|| value.trim().parse::<u64>().ok())
                .flatten()
        })
        .map(|secs| Duration::from_secs(secs).min(MAX_WAIT))
}

/// The answer to a POST that started `operation` (already committed): 202
/// with a Location, or, when the client asked to wait and the work finished
/// in time, 200 with the finished operation.
pub async fn accepted(
    state: &AppState,
    school_id: Uuid,
    operation: Operation,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let location = format!("/operations/{}", operation.id);
    let (operation, waited) = match preferred_wait(headers) {
        Some(wait) => (
            wait_for(state, school_id, operation.id, wait).await?,
            Some(wait),
        ),
        None => (operation, None),
    };
    let status = if waited.is_some() && operation.is_finished() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let mut response = (status, Json(operation)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    if let Some(wait) = waited {
        let applied = format!("wait={}", wait.as_secs());
        if let Ok(value) = HeaderValue::from_str(&applied) {
            response.headers_mut().insert("preference-applied", value);
        }
    }
    Ok(response)
}

/// Polls the operation, woken early by its events, until it finishes or `wait` passes.
async fn wait_for(
    state: &AppState,
    school_id: Uuid,
    id: Uuid,
    wait: Duration,
) -> Result<Operation, ApiError> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut signals = state.hub.subscribe();
    loop {
        let mut tx = db::begin_tenant(&state.pool, school_id, None).await?;
        let current = operation::get(&mut tx, id).await?;
        tx.commit().await?;
        if current.is_finished() || tokio::time::Instant::now() >= deadline {
            return Ok(current);
        }
        let woken = async {
            loop {
                match signals.recv().await {
                    Ok(Signal::Event {
                        school_id: school,
                        event,
                    }) if school == school_id && event.kind == "operation.updated" => return,
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        };
        let _ = tokio::time::timeout_at(
            deadline.min(tokio::time::Instant::now() + Duration::from_millis(500)),
            woken,
        )
        .await;
    }
}
