//! /members: who works in the selected school, in what role, and the
//! invitations it has sent. People join by accepting an invitation
//! (`invitations.rs`); a member may leave, and a school keeps an OWNER.

use axum::http::StatusCode;
use shared::{
    commands::members,
    domain::{
        invitation::{self, Invitation, NewInvitation},
        member::{self, Acting, Member, RoleChange},
        role::Capability,
    },
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
        .routes(routes!(list_members, invite_member))
        .routes(routes!(change_role, remove_member))
        .routes(routes!(list_invitations))
        .routes(routes!(revoke_invitation))
}

fn acting(tenant: &Tenant) -> Acting {
    Acting {
        user_id: tenant.user_id,
        role: tenant.role,
    }
}

/// Members of the school.
#[utoipa::path(get, path = "/members", tag = "members", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "Every member of the school: account, name and role", body = Vec<Member>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_members(mut tenant: Tenant) -> Result<Json<Vec<Member>>, ApiError> {
    let members = member::list(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(members))
}

/// Invite an email address to join the school with a role (OWNER or
/// ADMIN; only an OWNER invites an OWNER). The invitation is PENDING
/// until the person signs in with that address and accepts it (POST
/// /invitations/{id}/accept); it expires after 14 days, and an email
/// tells them. The answer is the same whether or not the address has an
/// account. Inviting an address with an open invitation refreshes it (the
/// new role, a new expiry, the email again) and answers that invitation;
/// an address that is already a member's is 409 `already_member`.
#[utoipa::path(post, path = "/members", tag = "members", params(SchoolHeader),
    request_body(content = NewInvitation, example = examples::new_invitation),
    security(("bearer" = [])),
    responses((status = 201, body = Invitation, description = "The pending invitation (new or refreshed); the same answer whether or not the address has an account")),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_email"], "403": ["insufficient_role"], "409": ["already_member"]
    }))))]
async fn invite_member(
    mut tenant: Tenant,
    Json(new): Json<NewInvitation>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    tenant.require(Capability::ManageSchool)?;
    let (actor, role) = (tenant.actor(), tenant.role);
    let invitation = members::invite(&mut tenant.tx, actor, role, &new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

/// Change a member's role (OWNER or ADMIN; an ADMIN neither changes an
/// OWNER nor makes one). The last OWNER cannot be demoted: 409
/// `last_owner`.
#[utoipa::path(patch, path = "/members/{user_id}", tag = "members", params(SchoolHeader, ("user_id" = Uuid, Path)),
    request_body(content = RoleChange, example = examples::role_change), security(("bearer" = [])),
    responses((status = 200, body = Member, description = "The member with their new role")),
    extensions(("x-problem-codes" = json!({
        "403": ["insufficient_role"], "404": ["member_not_found"], "409": ["last_owner"]
    }))))]
async fn change_role(
    mut tenant: Tenant,
    Path(user_id): Path<Uuid>,
    Json(change): Json<RoleChange>,
) -> Result<Json<Member>, ApiError> {
    tenant.require(Capability::ManageSchool)?;
    let acting = acting(&tenant);
    let member = member::change_role(&mut tenant.tx, acting, user_id, change.role).await?;
    tenant.commit().await?;
    Ok(Json(member))
}

/// Remove a member (OWNER or ADMIN; an ADMIN does not remove an OWNER),
/// or leave the school (any member, their own id). The last OWNER cannot
/// be removed: 409 `last_owner`. The removed member's open event streams
/// end within `API_EVENTS_RECHECK_SECS` (30 s by default).
#[utoipa::path(delete, path = "/members/{user_id}", tag = "members", params(SchoolHeader, ("user_id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 204, description = "Removed (or left, when it is the caller)")),
    extensions(("x-problem-codes" = json!({
        "403": ["insufficient_role"], "404": ["member_not_found"], "409": ["last_owner"]
    }))))]
async fn remove_member(
    mut tenant: Tenant,
    Path(user_id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let acting = acting(&tenant);
    member::remove(&mut tenant.tx, acting, user_id).await?;
    tenant.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The school's open invitations (PENDING, and EXPIRED ones not yet
/// replaced), newest first (OWNER or ADMIN).
#[utoipa::path(get, path = "/members/invitations", tag = "members", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "The school's open invitations, and expired ones shown as EXPIRED", body = Vec<Invitation>)),
    extensions(("x-problem-codes" = json!({"403": ["insufficient_role"]}))))]
async fn list_invitations(mut tenant: Tenant) -> Result<Json<Vec<Invitation>>, ApiError> {
    tenant.require(Capability::ManageSchool)?;
    let invitations = invitation::list_open(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(invitations))
}

/// Withdraw an open invitation (OWNER or ADMIN; an invitation to be OWNER
/// only by an OWNER): it can no longer be accepted.
#[utoipa::path(delete, path = "/members/invitations/{id}", tag = "members", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 204, description = "Withdrawn: it can no longer be accepted")),
    extensions(("x-problem-codes" = json!({
        "403": ["insufficient_role"], "404": ["invitation_not_found"]
    }))))]
async fn revoke_invitation(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    tenant.require(Capability::ManageSchool)?;
    invitation::revoke(&mut tenant.tx, tenant.user_id, tenant.role, id).await?;
    tenant.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
