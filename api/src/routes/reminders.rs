//! /reminders: fee reminder schedules (read by members, written by OWNER,
//! ADMIN or BURSAR) and the runs the worker's scheduler made of them.

use axum::{extract::OriginalUri, http::StatusCode, response::Response};
use shared::domain::{
    reminder::{
        run::{self, Run, RunDetail, RunFilter},
        schedule::{self, NewSchedule, Schedule, ScheduleChanges},
    },
    role::Capability,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::paged::paged;
use crate::{
    AppState,
    error::ApiError,
    extract::{Json, PageRequest, Path, Query, Tenant},
    openapi::{PageParams, SchoolHeader, examples},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_schedules, create_schedule))
        .routes(routes!(get_schedule, update_schedule, delete_schedule))
        .routes(routes!(list_runs))
        .routes(routes!(get_run))
}

/// Create a reminder schedule: a cron expression (5 fields, or 6 with
/// seconds first) in a time zone (the school's, Africa/Nairobi, unless
/// given), a channel rule and an audience. Off unless `enabled` is true.
#[utoipa::path(post, path = "/reminders/schedules", tag = "reminders", params(SchoolHeader),
    request_body(content = NewSchedule, example = examples::new_schedule),
    security(("bearer" = [])), responses((status = 201, description = "The schedule, with when it fires next", body = Schedule)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field", "invalid_timezone", "invalid_cron", "cron_too_frequent", "invalid_grace_seconds", "invalid_amount"],
        "403": ["insufficient_role"],
        "409": ["duplicate_reminder_schedule"],
        "422": ["unknown_class"]
    }))))]
async fn create_schedule(
    mut tenant: Tenant,
    Json(new): Json<NewSchedule>,
) -> Result<(StatusCode, Json<Schedule>), ApiError> {
    tenant.require(Capability::ManageReminders)?;
    let schedule = schedule::create(&mut tenant.tx, tenant.user_id, new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(schedule)))
}

/// The school's reminder schedules, with when each fires next.
#[utoipa::path(get, path = "/reminders/schedules", tag = "reminders", params(SchoolHeader, PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of the school's schedules, by id", body = Vec<Schedule>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_schedules(
    mut tenant: Tenant,
    uri: OriginalUri,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = schedule::list(&mut tenant.tx, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// One reminder schedule.
#[utoipa::path(get, path = "/reminders/schedules/{id}", tag = "reminders", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The schedule", body = Schedule)),
    extensions(("x-problem-codes" = json!({"404": ["reminder_schedule_not_found"]}))))]
async fn get_schedule(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Schedule>, ApiError> {
    let schedule = schedule::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(schedule))
}

/// Change a schedule; `{"enabled": true}` turns it on. Turning it on or
/// changing its timing starts from now: earlier ticks are not sent.
#[utoipa::path(patch, path = "/reminders/schedules/{id}", tag = "reminders", params(SchoolHeader, ("id" = Uuid, Path)),
    request_body(content = ScheduleChanges, example = examples::schedule_changes), security(("bearer" = [])),
    responses((status = 200, description = "The schedule as changed", body = Schedule)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field", "invalid_timezone", "invalid_cron", "cron_too_frequent", "invalid_grace_seconds", "invalid_amount"],
        "403": ["insufficient_role"],
        "404": ["reminder_schedule_not_found"],
        "409": ["duplicate_reminder_schedule"],
        "422": ["unknown_class"]
    }))))]
async fn update_schedule(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
    Json(changes): Json<ScheduleChanges>,
) -> Result<Json<Schedule>, ApiError> {
    tenant.require(Capability::ManageReminders)?;
    let schedule = schedule::update(&mut tenant.tx, tenant.user_id, id, changes).await?;
    tenant.commit().await?;
    Ok(Json(schedule))
}

/// Delete a schedule: it stops firing; its runs stay listed.
#[utoipa::path(delete, path = "/reminders/schedules/{id}", tag = "reminders", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 204, description = "Deleted: it fires no more")),
    extensions(("x-problem-codes" = json!({"403": ["insufficient_role"], "404": ["reminder_schedule_not_found"]}))))]
async fn delete_schedule(mut tenant: Tenant, Path(id): Path<Uuid>) -> Result<StatusCode, ApiError> {
    tenant.require(Capability::ManageReminders)?;
    schedule::delete(&mut tenant.tx, tenant.user_id, id).await?;
    tenant.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reminder runs, newest first, with how many guardians each reached and
/// per-status delivery counts; `schedule_id` narrows to one schedule.
#[utoipa::path(get, path = "/reminders/runs", tag = "reminders", params(SchoolHeader, PageParams, RunFilter),
    security(("bearer" = [])), responses((status = 200, description = "A page of runs, newest first", body = Vec<Run>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_runs(
    mut tenant: Tenant,
    uri: OriginalUri,
    PageRequest(page): PageRequest,
    Query(filter): Query<RunFilter>,
) -> Result<Response, ApiError> {
    let page = run::list(&mut tenant.tx, filter, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// One run with each guardian's delivery: channel, status, which
/// reminder it was and the text sent.
#[utoipa::path(get, path = "/reminders/runs/{id}", tag = "reminders", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The run with every guardian's delivery", body = RunDetail)),
    extensions(("x-problem-codes" = json!({"404": ["reminder_run_not_found"]}))))]
async fn get_run(mut tenant: Tenant, Path(id): Path<Uuid>) -> Result<Json<RunDetail>, ApiError> {
    let detail = run::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(detail))
}
