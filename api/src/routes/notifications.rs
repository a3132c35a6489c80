//! /notifications: send to guardians (async) and read per-recipient status.

use axum::{
    extract::{OriginalUri, State},
    http::HeaderMap,
    response::Response,
};
use shared::{
    commands,
    domain::{
        notification::{self, NewNotification, Notification, NotificationDetail},
        role::Capability,
    },
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{operations::accepted, paged::paged};
use crate::{
    AppState,
    error::ApiError,
    extract::{Json, PageRequest, Path, Tenant},
    openapi::{OperationStarted, PageParams, PreferWait, SchoolHeader, examples},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_notification))
        .routes(routes!(list_notifications))
        .routes(routes!(get_notification))
}

/// Send an IN_APP or EMAIL notification to guardians (BURSAR, ADMIN or
/// OWNER). The audience defaults to the guardians of active students;
/// class_id, student_ids, guardian_ids and with_balance narrow it. Answers
/// 202 with the operation (200 under `Prefer: wait=N` once finished).
#[utoipa::path(post, path = "/notifications/send", tag = "notifications", params(SchoolHeader, PreferWait),
    request_body(content = NewNotification, example = examples::new_notification),
    security(("bearer" = [])), responses(OperationStarted),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field", "invalid_audience", "invalid_value"],
        "403": ["insufficient_role"],
        "422": ["unknown_class", "unknown_student", "unknown_guardian"]
    }))))]
async fn send_notification(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut tenant: Tenant,
    Json(new): Json<NewNotification>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::SendNotifications)?;
    let actor = tenant.actor();
    let operation = commands::notifications::send(&mut tenant.tx, actor, &new, None).await?;
    let school_id = tenant.school_id;
    tenant.commit().await?;
    accepted(&state, school_id, operation, &headers).await
}

/// Notifications, newest first, with per-status recipient counts.
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(SchoolHeader, PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of notifications with recipient counts, newest first", body = Vec<Notification>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_notifications(
    mut tenant: Tenant,
    uri: OriginalUri,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = notification::list(&mut tenant.tx, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// One notification with every recipient's delivery status.
#[utoipa::path(get, path = "/notifications/{id}", tag = "notifications", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The notification and each recipient's delivery", body = NotificationDetail)),
    extensions(("x-problem-codes" = json!({"404": ["notification_not_found"]}))))]
async fn get_notification(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<NotificationDetail>, ApiError> {
    let detail = notification::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(detail))
}
