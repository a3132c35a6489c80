//! /adjustments: a student's standing discounts and bursaries, applied by
//! every later invoice generation.

use axum::{extract::OriginalUri, http::StatusCode, response::Response};
use shared::domain::{
    adjustment::{self, Adjustment, AdjustmentFilter, NewAdjustment},
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
        .routes(routes!(list_adjustments, create_adjustment))
        .routes(routes!(get_adjustment, end_adjustment))
}

/// Give a student a standing discount or bursary (BURSAR, ADMIN or OWNER):
/// a percent or an amount, optionally of one fee item, one term or one
/// year. Every later invoice generation applies it as a negative line
/// booked to 4900 Discounts & Waivers; with a sponsor_id the sponsor owes
/// that share instead (1150). Issued invoices are not changed.
#[utoipa::path(post, path = "/adjustments", tag = "fees", params(SchoolHeader),
    request_body(content = NewAdjustment, example = examples::new_adjustment),
    security(("bearer" = [])),
    responses((status = 201, description = "The adjustment", body = Adjustment)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_adjustment", "invalid_percent", "invalid_amount", "invalid_term", "invalid_field", "invalid_value"],
        "403": ["insufficient_role"],
        "422": ["unknown_student", "unknown_sponsor", "unknown_fee_item"]
    }))))]
async fn create_adjustment(
    mut tenant: Tenant,
    Json(new): Json<NewAdjustment>,
) -> Result<(StatusCode, Json<Adjustment>), ApiError> {
    tenant.require(Capability::ManageFees)?;
    let adjustment = adjustment::create(&mut tenant.tx, tenant.user_id, &new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(adjustment)))
}

/// Standing adjustments, filtered by student, sponsor, or whether they
/// still apply.
#[utoipa::path(get, path = "/adjustments", tag = "fees", params(SchoolHeader, AdjustmentFilter, PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of matching adjustments, by id", body = Vec<Adjustment>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_adjustments(
    mut tenant: Tenant,
    uri: OriginalUri,
    Query(filter): Query<AdjustmentFilter>,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = adjustment::list(&mut tenant.tx, filter, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// One adjustment.
#[utoipa::path(get, path = "/adjustments/{id}", tag = "fees", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The adjustment", body = Adjustment)),
    extensions(("x-problem-codes" = json!({"404": ["adjustment_not_found"]}))))]
async fn get_adjustment(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Adjustment>, ApiError> {
    let adjustment = adjustment::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(adjustment))
}

/// End an adjustment (BURSAR, ADMIN or OWNER): later generations no longer
/// apply it; invoices already issued keep their lines. It stays listed
/// with ended_at and ended_by; ending it again changes nothing.
#[utoipa::path(delete, path = "/adjustments/{id}", tag = "fees", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The adjustment, ended", body = Adjustment)),
    extensions(("x-problem-codes" = json!({
        "403": ["insufficient_role"],
        "404": ["adjustment_not_found"]
    }))))]
async fn end_adjustment(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Adjustment>, ApiError> {
    tenant.require(Capability::ManageFees)?;
    let adjustment = adjustment::end(&mut tenant.tx, tenant.user_id, id).await?;
    tenant.commit().await?;
    Ok(Json(adjustment))
}
