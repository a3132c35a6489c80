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
    openapi::{PageParams, SchoolHeader, TenantErrors},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_classes, create_class))
        .routes(routes!(get_class))
}

/// Create a class: a grade level, a stream and an academic year.
#[utoipa::path(post, path = "/classes", tag = "classes", params(SchoolHeader), request_body = NewClass,
    security(("bearer" = [])), responses((status = 201, body = Class), TenantErrors))]
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
    responses((status = 200, body = Vec<Class>), TenantErrors))]
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
    security(("bearer" = [])), responses((status = 200, body = Class), TenantErrors))]
async fn get_class(mut tenant: Tenant, Path(id): Path<Uuid>) -> Result<Json<Class>, ApiError> {
    let class = class::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(class))
}
