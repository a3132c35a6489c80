//! /schools: create (with bootstrap) and list the caller's schools.

use axum::{extract::State, http::StatusCode};
use shared::domain::school::{self, MySchool, NewSchool, School};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::ApiError,
    extract::{AuthUser, Json},
    openapi::examples,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_school))
        .routes(routes!(my_schools))
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
