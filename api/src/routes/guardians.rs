//! /guardians

use axum::{extract::OriginalUri, http::StatusCode, response::Response};
use shared::domain::{
    guardian::{self, Guardian, GuardianChanges, NewGuardian},
    role::Capability,
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
        .routes(routes!(list_guardians, create_guardian))
        .routes(routes!(get_guardian, update_guardian))
}

/// Add a guardian; the phone is normalised to +2547XXXXXXXX / +2541XXXXXXXX.
#[utoipa::path(post, path = "/guardians", tag = "guardians", params(SchoolHeader),
    request_body(content = NewGuardian, example = examples::new_guardian),
    security(("bearer" = [])), responses((status = 201, description = "The guardian, phone normalised", body = Guardian)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field", "invalid_email"], "403": ["insufficient_role"]
    }))))]
async fn create_guardian(
    mut tenant: Tenant,
    Json(new): Json<NewGuardian>,
) -> Result<(StatusCode, Json<Guardian>), ApiError> {
    tenant.require(Capability::ManageEnrolment)?;
    let guardian = guardian::create(&mut tenant.tx, tenant.user_id, new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(guardian)))
}

/// Guardians of the school.
#[utoipa::path(get, path = "/guardians", tag = "guardians", params(SchoolHeader, PageParams), security(("bearer" = [])),
    responses((status = 200, description = "A page of the school's guardians, by id", body = Vec<Guardian>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_guardians(
    mut tenant: Tenant,
    uri: OriginalUri,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = guardian::list(&mut tenant.tx, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// One guardian.
#[utoipa::path(get, path = "/guardians/{id}", tag = "guardians", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The guardian", body = Guardian)),
    extensions(("x-problem-codes" = json!({"404": ["guardian_not_found"]}))))]
async fn get_guardian(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Guardian>, ApiError> {
    let guardian = guardian::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(guardian))
}

/// Correct a guardian: any of names, email, phone (normalised as on
/// create), relationship and `sms_opt_out`; null clears email, phone or
/// relationship. One audit row holds the guardian before and after; a
/// PATCH that changes nothing answers the guardian and writes none.
#[utoipa::path(patch, path = "/guardians/{id}", tag = "guardians", params(SchoolHeader, ("id" = Uuid, Path)),
    request_body(content = GuardianChanges, example = examples::guardian_changes), security(("bearer" = [])),
    responses((status = 200, description = "The guardian as changed", body = Guardian)),
    extensions(("x-problem-codes" = json!({
        "400": ["empty_change", "invalid_field", "invalid_email"],
        "403": ["insufficient_role"],
        "404": ["guardian_not_found"]
    }))))]
async fn update_guardian(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
    Json(changes): Json<GuardianChanges>,
) -> Result<Json<Guardian>, ApiError> {
    tenant.require(Capability::ManageEnrolment)?;
    let guardian = guardian::update(&mut tenant.tx, tenant.user_id, id, changes).await?;
    tenant.commit().await?;
    Ok(Json(guardian))
}
