//! School memberships: who works in a school, and in what role. People
//! join by accepting an invitation (`invitation`); here they change role
//! and leave, and a school always keeps at least one OWNER.

use crate::sql;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::role::Role;
use crate::{
    audit::{self, Change},
    error::{Error, Result},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "ADMIN"}))]
pub struct RoleChange {
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

/// Who is acting on a membership, and in what role.
#[derive(Debug, Clone, Copy)]
pub struct Acting {
    pub user_id: Uuid,
    pub role: Role,
}

const COLUMNS: &str = "m.user_id, u.email, u.full_name, m.role, m.created_at";

pub async fn list(conn: &mut PgConnection) -> Result<Vec<Member>> {
    let rows = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM school_memberships m JOIN users u ON u.id = m.user_id
          WHERE m.school_id = app_school_id() ORDER BY u.email"
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// Makes `user_id` a member of the current school with `role` (an accepted
/// invitation); one already a member keeps the role they have. Returns
/// their role.
pub async fn join(conn: &mut PgConnection, user_id: Uuid, role: Role) -> Result<Role> {
    let inserted: Option<Member> = sqlx::query_as(sql!(
        "WITH m AS (INSERT INTO school_memberships (school_id, user_id, role) VALUES (app_school_id(), $1, $2)
                    ON CONFLICT ON CONSTRAINT school_memberships_pkey DO NOTHING
                    RETURNING user_id, role, created_at)
         SELECT {COLUMNS} FROM m JOIN users u ON u.id = m.user_id"
    ))
    .bind(user_id)
    .bind(role)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(member) = inserted else {
        let kept = find(conn, user_id).await?.ok_or_else(|| {
            Error::Internal(anyhow::anyhow!("a membership both exists and does not"))
        })?;
        return Ok(kept.role);
    };
    let change = Change {
        actor: user_id,
        action: "member.join",
        entity: "member",
        entity_id: &user_id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&member)).await?;
    Ok(member.role)
}

async fn find(conn: &mut PgConnection, user_id: Uuid) -> Result<Option<Member>> {
    let member = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM school_memberships m JOIN users u ON u.id = m.user_id
          WHERE m.school_id = app_school_id() AND m.user_id = $1"
    ))
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(member)
}

/// Locks the school's OWNER memberships, always in one order, and then
/// `user_id`'s: two changes racing to demote or remove the last two
/// owners queue here, and the second sees the first's result. Returns the
/// owners and the member (404 when `user_id` is not one).
async fn lock(conn: &mut PgConnection, user_id: Uuid) -> Result<(Vec<Uuid>, Member)> {
    let owners: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM school_memberships
          WHERE school_id = app_school_id() AND role = 'OWNER'
          ORDER BY user_id FOR UPDATE",
    )
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "SELECT 1 FROM school_memberships WHERE school_id = app_school_id() AND user_id = $1 FOR UPDATE",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    let member = find(conn, user_id)
        .await?
        .ok_or_else(|| Error::not_found("member"))?;
    Ok((owners, member))
}

fn last_owner() -> Error {
    Error::conflict(
        "last_owner",
        "a school needs an OWNER: make someone else OWNER first",
    )
}

/// An ADMIN manages everyone but OWNERs, and makes no one OWNER.
fn may_touch(acting: Acting, member: &Member, new_role: Option<Role>) -> Result<()> {
    if acting.role != Role::Owner && (member.role == Role::Owner || new_role == Some(Role::Owner)) {
        return Err(Error::forbidden(
            "insufficient_role",
            "only an OWNER may change, remove or appoint an OWNER",
        ));
    }
    Ok(())
}

/// Gives `user_id` the role `role` in the current school (the caller has
/// ManageSchool). The last OWNER cannot be demoted (409 `last_owner`).
#[tracing::instrument(skip_all)]
pub async fn change_role(
    conn: &mut PgConnection,
    acting: Acting,
    user_id: Uuid,
    role: Role,
) -> Result<Member> {
    let (owners, before) = lock(conn, user_id).await?;
    may_touch(acting, &before, Some(role))?;
    if before.role == role {
        return Ok(before);
    }
    if before.role == Role::Owner && owners.len() <= 1 {
        return Err(last_owner());
    }
    sqlx::query(
        "UPDATE school_memberships SET role = $2 WHERE school_id = app_school_id() AND user_id = $1",
    )
    .bind(user_id)
    .bind(role)
    .execute(&mut *conn)
    .await?;
    let after = Member {
        role,
        ..before.clone()
    };
    let change = Change {
        actor: acting.user_id,
        action: "member.role",
        entity: "member",
        entity_id: &user_id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&after)).await?;
    Ok(after)
}

/// Removes `user_id` from the current school: by an OWNER or ADMIN, or by
/// the member themselves (leaving). The last OWNER cannot be removed, not
/// even by themselves (409 `last_owner`).
#[tracing::instrument(skip_all)]
pub async fn remove(conn: &mut PgConnection, acting: Acting, user_id: Uuid) -> Result<()> {
    let (owners, before) = lock(conn, user_id).await?;
    if acting.user_id != user_id {
        acting.role.require(super::role::Capability::ManageSchool)?;
        may_touch(acting, &before, None)?;
    }
    if before.role == Role::Owner && owners.len() <= 1 {
        return Err(last_owner());
    }
    sqlx::query(
        "DELETE FROM school_memberships WHERE school_id = app_school_id() AND user_id = $1",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    let change = Change {
        actor: acting.user_id,
        action: if acting.user_id == user_id {
            "member.leave"
        } else {
            "member.remove"
        },
        entity: "member",
        entity_id: &user_id.to_string(),
    };
    audit::record(conn, change, Some(&before), None::<&()>).await
}
