//! Invitations to join a school: the school's side (invite, list, revoke)
//! and the invitee's (their open invitations, accept, decline). An
//! invitation names a normalised email, never an account, so inviting
//! tells the school nothing about who has registered.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{role::Role, school::MySchool, text, text_enum::text_enum};
use crate::{
    audit::{self, Change},
    db,
    error::{Error, ErrorKind, Result},
    sql,
};

/// How long an invitation stays open.
pub const LIFETIME_DAYS: i32 = 14;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "bursar@imara.ac.ke", "role": "BURSAR"}))]
pub struct NewInvitation {
    /// The address to invite; whoever signs in with it may accept.
    pub email: String,
    pub role: Role,
}

/// Where an invitation is. EXPIRED is never stored: it is a PENDING
/// invitation past `expires_at`, shown as what it has become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
}

text_enum!(Status);

/// An invitation as the school sees it.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub status: Status,
    pub invited_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An open invitation as the invitee sees it.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MyInvitation {
    pub id: Uuid,
    pub school_id: Uuid,
    pub school_name: String,
    pub role: Role,
    /// The full name of who invited you, when their account still exists.
    pub invited_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const COLUMNS: &str = "i.id, i.email, i.role,
    CASE WHEN i.status = 'PENDING' AND i.expires_at <= now() THEN 'EXPIRED' ELSE i.status END AS status,
    i.invited_by, i.created_at, i.expires_at";

/// Invites `new.email` to the current school with `new.role`, or refreshes
/// the open invitation to that address (new role, inviter and expiry, and
/// the email sent again). The answer is the same whether or not anyone
/// has an account with that email. Only an OWNER may invite an OWNER; an
/// address that already belongs to a member of this school (whom every
/// member sees in GET /members) is 409 `already_member`.
#[tracing::instrument(skip_all)]
pub async fn create(
    conn: &mut PgConnection,
    actor: Uuid,
    actor_role: Role,
    new: &NewInvitation,
) -> Result<Invitation> {
    if new.role == Role::Owner && actor_role != Role::Owner {
        return Err(Error::forbidden(
            "insufficient_role",
            "only an OWNER may invite another OWNER",
        ));
    }
    let email = text::email(&new.email)?;
    let member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM school_memberships m JOIN users u ON u.id = m.user_id
                         WHERE m.school_id = app_school_id() AND u.email = $1)",
    )
    .bind(&email)
    .fetch_one(&mut *conn)
    .await?;
    if member {
        return Err(Error::conflict(
            "already_member",
            "that address belongs to a member of this school already",
        ));
    }
    let (invitation, created): (Invitation, bool) = {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            invitation: Invitation,
            created: bool,
        }
        let row: Row = sqlx::query_as(sql!(
            "INSERT INTO member_invitations AS i (school_id, id, email, role, invited_by, expires_at)
             VALUES (app_school_id(), $1, $2, $3, $4, now() + make_interval(days => $5))
             ON CONFLICT (school_id, email) WHERE status = 'PENDING'
             DO UPDATE SET role = EXCLUDED.role, invited_by = EXCLUDED.invited_by,
                           expires_at = EXCLUDED.expires_at, emailed_at = NULL
             RETURNING {COLUMNS}, (xmax = 0) AS created"
        ))
        .bind(Uuid::now_v7())
        .bind(&email)
        .bind(new.role)
        .bind(actor)
        .bind(LIFETIME_DAYS)
        .fetch_one(&mut *conn)
        .await?;
        (row.invitation, row.created)
    };
    let change = Change {
        actor,
        action: if created {
            "invitation.create"
        } else {
            "invitation.refresh"
        },
        entity: "invitation",
        entity_id: &invitation.id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&invitation)).await?;
    Ok(invitation)
}

/// The school's open invitations (PENDING and EXPIRED), newest first.
pub async fn list_open(conn: &mut PgConnection) -> Result<Vec<Invitation>> {
    let rows = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM member_invitations i
          WHERE i.status = 'PENDING' ORDER BY i.created_at DESC, i.id"
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// Withdraws an open invitation of the current school. An ADMIN may not
/// withdraw an invitation to be OWNER, as they may not make one.
#[tracing::instrument(skip_all)]
pub async fn revoke(
    conn: &mut PgConnection,
    actor: Uuid,
    actor_role: Role,
    id: Uuid,
) -> Result<()> {
    let before: Invitation = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM member_invitations i WHERE i.id = $1 AND i.status = 'PENDING' FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("invitation"))?;
    if before.role == Role::Owner && actor_role != Role::Owner {
        return Err(Error::forbidden(
            "insufficient_role",
            "only an OWNER may withdraw an invitation to be OWNER",
        ));
    }
    let after: Invitation = sqlx::query_as(sql!(
        "UPDATE member_invitations i SET status = 'REVOKED', decided_at = now() WHERE i.id = $1
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let change = Change {
        actor,
        action: "invitation.revoke",
        entity: "invitation",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&after)).await
}

/// The open invitations addressed to `user_id`'s email, in every school.
pub async fn mine(pool: &PgPool, user_id: Uuid) -> Result<Vec<MyInvitation>> {
    let mut tx = db::begin_user(pool, user_id).await?;
    let rows = sqlx::query_as(
        "SELECT id, school_id, school_name, role, invited_by_name, created_at, expires_at
           FROM my_invitations()",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// What the invitee does with an open invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Decline,
}

/// Accepts (the caller becomes a member with the invited role) or declines
/// an open invitation addressed to the caller. Someone else's, expired,
/// already decided or unknown invitations all answer the same 404; a
/// second accept finds nothing open and creates nothing. Returns the
/// school and the caller's role in it once accepted.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn decide(
    pool: &PgPool,
    user_id: Uuid,
    id: Uuid,
    decision: Decision,
) -> Result<Option<MySchool>> {
    let not_found = || {
        Error::client(
            ErrorKind::NotFound,
            "invitation_not_found",
            "no open invitation with that id is addressed to you",
        )
    };
    let mut tx = db::begin_user(pool, user_id).await?;
    let school_id: Option<Uuid> = sqlx::query_scalar("SELECT my_invitation_school($1)")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let school_id = school_id.ok_or_else(not_found)?;
    // From here on, an ordinary tenant transaction in the inviting school.
    db::set_tenant(&mut tx, Some(school_id), Some(user_id)).await?;
    let status = match decision {
        Decision::Accept => "ACCEPTED",
        Decision::Decline => "DECLINED",
    };
    // The row lock makes a racing second decision wait, then find nothing open.
    let decided: Option<Invitation> = sqlx::query_as(sql!(
        "UPDATE member_invitations i SET status = $3, decided_at = now()
          WHERE i.id = $1 AND i.status = 'PENDING' AND i.expires_at > now()
            AND i.email = (SELECT u.email FROM users u WHERE u.id = $2 AND u.deleted_at IS NULL)
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(user_id)
    .bind(status)
    .fetch_optional(&mut *tx)
    .await?;
    let invitation = decided.ok_or_else(not_found)?;
    let change = Change {
        actor: user_id,
        action: match decision {
            Decision::Accept => "invitation.accept",
            Decision::Decline => "invitation.decline",
        },
        entity: "invitation",
        entity_id: &id.to_string(),
    };
    audit::record(&mut tx, change, None::<&()>, Some(&invitation)).await?;
    if decision == Decision::Decline {
        tx.commit().await?;
        return Ok(None);
    }
    let joined = super::member::join(&mut tx, user_id, invitation.role).await?;
    let school = super::school::current(&mut tx).await?;
    tx.commit().await?;
    Ok(Some(MySchool {
        school,
        role: joined,
    }))
}

/// An invitation email to send, locked for this transaction; None once it
/// went out, or the invitation is no longer open.
#[derive(Debug, sqlx::FromRow)]
pub struct Outgoing {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub school_name: String,
    pub invited_by_name: Option<String>,
    pub expires_at: DateTime<Utc>,
}

pub async fn claim_email(conn: &mut PgConnection, id: Uuid) -> Result<Option<Outgoing>> {
    let outgoing = sqlx::query_as(
        "SELECT i.id, i.email, i.role, s.name AS school_name, u.full_name AS invited_by_name, i.expires_at
           FROM member_invitations i
           JOIN schools s ON s.id = i.school_id
           LEFT JOIN users u ON u.id = i.invited_by
          WHERE i.id = $1 AND i.status = 'PENDING' AND i.expires_at > now() AND i.emailed_at IS NULL
          FOR UPDATE OF i",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(outgoing)
}

pub async fn mark_emailed(conn: &mut PgConnection, id: Uuid) -> Result<()> {
    sqlx::query("UPDATE member_invitations SET emailed_at = now() WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
