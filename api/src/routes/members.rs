//! /members: who works in the selected school, and in what role.

use axum::http::StatusCode;
use shared::domain::{
    member::{self, Member, NewMember},
    role::Capability,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::ApiError,
    extract::{Json, Tenant},
    openapi::{SchoolHeader, TenantErrors},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_members, add_member))
}

/// Members of the school.
#[utoipa::path(get, path = "/members", tag = "members", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, body = Vec<Member>), TenantErrors))]
async fn list_members(mut tenant: Tenant) -> Result<Json<Vec<Member>>, ApiError> {
    let members = member::list(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(members))
}

/// Add a registered user to the school (OWNER or ADMIN; only an OWNER adds an OWNER).
#[utoipa::path(post, path = "/members", tag = "members", params(SchoolHeader), request_body = NewMember,
    security(("bearer" = [])), responses((status = 201, body = Member), TenantErrors))]
async fn add_member(
    mut tenant: Tenant,
    Json(new): Json<NewMember>,
) -> Result<(StatusCode, Json<Member>), ApiError> {
    tenant.require(Capability::ManageSchool)?;
    let member = member::add(&mut tenant.tx, tenant.user_id, tenant.role, new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(member)))
}
