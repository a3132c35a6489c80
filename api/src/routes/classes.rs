//! /classes

use axum::{extract::OriginalUri, http::StatusCode, response::Response};
use shared::domain::{
    class::{self, Class, NewClass},
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
        .routes(routes!(list_classes, create_class))
        .routes(routes!(get_class))
}

/// Create a class: a grade level, a stream and an academic year.
#[utoipa::path(post, path = "/classes", tag = "classes", params(SchoolHeader),
    request_body(content = NewClass, example = examples::new_class),
    security(("bearer" = [])), responses((status = 201, description = "The class", body = Class)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field", "invalid_value"], "403": ["insufficient_role"],
        "409": ["duplicate_class"], "422": ["unknown_level"]
    }))))]
async fn create_class(
    mut tenant: Tenant,
    Json(new): Json<NewClass>,
) -> Result<(StatusCode, Json<Class>), ApiError> {
    tenant.require(Capability::ManageEnrolment)?;
    let class = class::create(&mut tenant.tx, tenant.user_id, new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(class)))
}

/// Classes of the school.
#[utoipa::path(get, path = "/classes", tag = "classes", params(SchoolHeader, PageParams), security(("bearer" = [])),
    responses((status = 200, description = "A page of the school's classes, by id", body = Vec<Class>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_classes(
    mut tenant: Tenant,
    uri: OriginalUri,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = class::list(&mut tenant.tx, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// One class.
#[utoipa::path(get, path = "/classes/{id}", tag = "classes", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The class", body = Class)),
    extensions(("x-problem-codes" = json!({"404": ["class_not_found"]}))))]
async fn get_class(mut tenant: Tenant, Path(id): Path<Uuid>) -> Result<Json<Class>, ApiError> {
    let class = class::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(class))
}
