//! /grade-levels and /terms: the school's calendar data.

use shared::domain::{
    calendar::{self, AcademicTerm, GradeLevel, TermDates},
    role::Capability,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    error::ApiError,
    extract::{Json, Path, Tenant},
    openapi::{SchoolHeader, examples},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_grade_levels))
        .routes(routes!(list_terms))
        .routes(routes!(update_term))
}

/// The school's grade levels, in teaching order.
#[utoipa::path(get, path = "/grade-levels", tag = "calendar", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "Every grade level of the school, in teaching order (not paged)", body = Vec<GradeLevel>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_grade_levels(mut tenant: Tenant) -> Result<Json<Vec<GradeLevel>>, ApiError> {
    let levels = calendar::grade_levels(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(levels))
}

/// Term dates for this year and next.
#[utoipa::path(get, path = "/terms", tag = "calendar", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "The terms of this year and next, by year and term (not paged)", body = Vec<AcademicTerm>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_terms(mut tenant: Tenant) -> Result<Json<Vec<AcademicTerm>>, ApiError> {
    let terms = calendar::terms(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(terms))
}

/// Move a term's dates (OWNER or ADMIN).
#[utoipa::path(patch, path = "/terms/{id}", tag = "calendar", params(SchoolHeader, ("id" = Uuid, Path)),
    request_body(content = TermDates, example = examples::term_dates), security(("bearer" = [])),
    responses((status = 200, description = "The term with its new dates", body = AcademicTerm)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_value"], "403": ["insufficient_role"], "404": ["term_not_found"], "422": ["invalid_term_dates"]
    }))))]
async fn update_term(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
    Json(dates): Json<TermDates>,
) -> Result<Json<AcademicTerm>, ApiError> {
    tenant.require(Capability::ManageSchool)?;
    let term = calendar::set_term_dates(&mut tenant.tx, tenant.user_id, id, dates).await?;
    tenant.commit().await?;
    Ok(Json(term))
}
