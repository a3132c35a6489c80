//! /invitations: the caller's own open invitations, in any school, and
//! accepting or declining one. No X-School-ID: the caller is not a member
//! yet.

use axum::{extract::State, http::StatusCode};
use shared::domain::{
    invitation::{self, Decision, MyInvitation},
    school::MySchool,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    error::ApiError,
    extract::{AuthUser, Json, Path},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_invitations))
        .routes(routes!(accept_invitation))
        .routes(routes!(decline_invitation))
}

/// The open invitations addressed to the caller's email: the school, the
/// role offered, who invited them and until when.
#[utoipa::path(get, path = "/invitations", tag = "members", security(("bearer" = [])),
    responses((status = 200, description = "The caller's open invitations, in any school", body = Vec<MyInvitation>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn my_invitations(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Vec<MyInvitation>>, ApiError> {
    Ok(Json(invitation::mine(&state.pool, caller.id).await?))
}

/// Accept an invitation: the caller becomes a member with the role it
/// offered. 404 `invitation_not_found` for an id that is not an open
/// invitation addressed to the caller (someone else's, expired,
/// withdrawn, already accepted or declined, or none): one answer for all.
#[utoipa::path(post, path = "/invitations/{id}/accept", tag = "members", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = MySchool, description = "The school joined and the caller's role in it")),
    extensions(("x-problem-codes" = json!({"404": ["invitation_not_found"]}))))]
async fn accept_invitation(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Json<MySchool>, ApiError> {
    let joined = invitation::decide(&state.pool, caller.id, id, Decision::Accept)
        .await?
        .ok_or_else(|| shared::Error::Internal(anyhow::anyhow!("an accept joined nothing")))?;
    Ok(Json(joined))
}

/// Decline an invitation: it can no longer be accepted. 404 as for accept.
#[utoipa::path(post, path = "/invitations/{id}/decline", tag = "members", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "Declined: it can no longer be accepted")),
    extensions(("x-problem-codes" = json!({"404": ["invitation_not_found"]}))))]
async fn decline_invitation(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    invitation::decide(&state.pool, caller.id, id, Decision::Decline).await?;
    Ok(StatusCode::NO_CONTENT)
}
