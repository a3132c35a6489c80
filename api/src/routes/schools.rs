//! /schools: create (with bootstrap), list the caller's schools, and
//! change the selected school's settings.

use axum::{extract::State, http::StatusCode};
use shared::domain::{
    role::Capability,
    school::{self, MySchool, NewSchool, School, SchoolChanges},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    error::ApiError,
    extract::{AuthUser, Json, Path, Tenant},
    openapi::{SchoolHeader, examples},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_school))
        .routes(routes!(my_schools))
        .routes(routes!(update_school))
}

/// Change the school's name, address, contact, timezone, paybill or
/// receipt_channel (OWNER, ADMIN). The id must be the school named by
/// X-School-ID. Audited with the school before and after.
#[utoipa::path(patch, path = "/schools/{id}", tag = "schools", params(SchoolHeader, ("id" = Uuid, Path)),
    request_body(content = SchoolChanges, example = examples::school_changes), security(("bearer" = [])),
    responses((status = 200, description = "The school as it now is", body = School)),
    extensions(("x-problem-codes" = json!({
        "400": ["empty_change", "invalid_field", "invalid_timezone", "invalid_paybill", "invalid_value"],
        "403": ["insufficient_role"],
        "404": ["school_not_found"],
        "422": ["sms_not_configured"]
    }))))]
async fn update_school(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
    Json(changes): Json<SchoolChanges>,
) -> Result<Json<School>, ApiError> {
    tenant.require(Capability::ManageSchool)?;
    let user_id = tenant.user_id;
    let school = school::update(&mut tenant.tx, user_id, id, changes).await?;
    tenant.commit().await?;
    Ok(Json(school))
}

/// Create a school; the caller becomes its OWNER. The chart of accounts,
/// CBC grade levels, term dates and a default fee structure are created in
/// the same transaction.
#[utoipa::path(post, path = "/schools", tag = "schools",
    request_body(content = NewSchool, example = examples::new_school), security(("bearer" = [])),
    responses((status = 201, description = "The school, bootstrapped; the caller is its OWNER", body = School)),
    extensions(("x-problem-codes" = json!({"400": ["invalid_field"]}))))]
async fn create_school(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(new): Json<NewSchool>,
) -> Result<(StatusCode, Json<School>), ApiError> {
    let school = school::create(&state.pool, caller.id, new).await?;
    Ok((StatusCode::CREATED, Json(school)))
}

/// The schools the caller belongs to, with their role in each.
#[utoipa::path(get, path = "/schools/my", tag = "schools", security(("bearer" = [])),
    responses((status = 200, description = "Each school of the caller with their role in it (not paged)", body = Vec<MySchool>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn my_schools(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Vec<MySchool>>, ApiError> {
    Ok(Json(school::list_mine(&state.pool, caller.id).await?))
}
