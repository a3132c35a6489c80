//! School memberships: who works in a school, and in what role.

use crate::sql;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::role::Role;
use crate::{
    audit::{self, Change},
    auth::user,
    error::{Error, Result},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// The email of a registered user.
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
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

/// Adds a registered user to the current school. Only an OWNER may make
/// another OWNER.
pub async fn add(
    conn: &mut PgConnection,
    actor: Uuid,
    actor_role: Role,
    new: NewMember,
) -> Result<Member> {
    if new.role == Role::Owner && actor_role != Role::Owner {
        return Err(Error::forbidden(
            "insufficient_role",
            "only an OWNER may add another OWNER",
        ));
    }
    let account = user::find_by_email(conn, &new.email)
        .await?
        .ok_or_else(|| {
            Error::rule(
                "unknown_user",
                "no registered user has that email; ask them to register first",
            )
        })?;
    let member: Member = sqlx::query_as(sql!(
        "WITH m AS (INSERT INTO school_memberships (school_id, user_id, role) VALUES (app_school_id(), $1, $2)
                    RETURNING user_id, role, created_at)
         SELECT {COLUMNS} FROM m JOIN users u ON u.id = m.user_id"
    ))
    .bind(account.id)
    .bind(new.role)
    .fetch_one(&mut *conn)
    .await?;
    let change = Change {
        actor,
        action: "member.add",
        entity: "member",
        entity_id: &account.id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&member)).await?;
    Ok(member)
}
