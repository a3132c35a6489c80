//! User accounts (global, not per school) and the memberships that tie them
//! to schools.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::password;
use crate::{
    db,
    domain::{role::Role, text},
    error::{Error, ErrorKind, Result},
};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Membership {
    pub school_id: Uuid,
    pub school_name: String,
    pub role: Role,
}

/// Failed logins before the account is locked, and the longest lock: an
/// attacker slows a victim down but cannot lock them out for good.
const FREE_ATTEMPTS: i32 = 5;
const MAX_LOCK_SECONDS: i64 = 15 * 60;

pub async fn register(
    pool: &PgPool,
    email: &str,
    full_name: &str,
    password_text: &str,
) -> Result<Account> {
    let email = text::email(email)?;
    let full_name = text::name("full_name", full_name, 120)?;
    password::validate(password_text)?;
    let owned = password_text.to_owned();
    let hash = password::bounded(move || password::hash(&owned)).await??;
    // Every statement in a transaction, even one alone: behind PgBouncer in
    // transaction mode that is what keeps it on one server (db/pool.rs).
    let mut tx = pool.begin().await?;
    let account = sqlx::query_as(
        "INSERT INTO users (id, email, full_name, password_hash) VALUES ($1, $2, $3, $4)
         RETURNING id, email, full_name, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(email)
    .bind(full_name)
    .bind(hash)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(account)
}

#[derive(sqlx::FromRow)]
struct Credentials {
    id: Uuid,
    password_hash: String,
    locked_for: Option<i64>,
}

pub async fn login(pool: &PgPool, email: &str, password_text: &str) -> Result<Account> {
    let email = email.trim().to_lowercase();
    // Short transactions either side of the (slow) hash check: none is
    // held while the password is verified.
    let mut tx = pool.begin().await?;
    let found: Option<Credentials> = sqlx::query_as(
        "SELECT id, password_hash,
                CASE WHEN locked_until > now() THEN ceil(extract(epoch FROM locked_until - now()))::bigint END AS locked_for
           FROM users WHERE email = $1 AND deleted_at IS NULL",
    )
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Some(seconds) = found.as_ref().and_then(|c| c.locked_for) {
        return Err(Error::client(
            ErrorKind::TooMany,
            "account_locked",
            format!("too many failed sign-ins; try again in {seconds} seconds"),
        ));
    }
    let stored = found.as_ref().map_or_else(
        || password::dummy_hash().to_owned(),
        |c| c.password_hash.clone(),
    );
    let attempt = password_text.to_owned();
    let ok = password::bounded(move || password::verify(&stored, &attempt)).await?;
    let invalid = || Error::unauthenticated("invalid_credentials", "email or password is wrong");
    let Some(credentials) = found else {
        return Err(invalid());
    };
    let mut tx = pool.begin().await?;
    if !ok {
        // The exponent is capped: 2^1024 overflows a double, and the failed
        // UPDATE would leave the counter (and the lock) behind for good.
        sqlx::query(
            "UPDATE users SET failed_logins = failed_logins + 1,
                    locked_until = CASE WHEN failed_logins + 1 >= $2
                        THEN now() + make_interval(secs => least($3, 30 * power(2, least(failed_logins + 1 - $2, 16))))
                        ELSE locked_until END
              WHERE id = $1",
        )
        .bind(credentials.id)
        .bind(FREE_ATTEMPTS)
        .bind(MAX_LOCK_SECONDS as f64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Err(invalid());
    }
    let account = sqlx::query_as(
        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1
         RETURNING id, email, full_name, created_at",
    )
    .bind(credentials.id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(account)
}

/// The account behind a token, if it still exists.
pub async fn find(pool: &PgPool, user_id: Uuid) -> Result<Option<Account>> {
    let mut tx = pool.begin().await?;
    let account = sqlx::query_as(
        "SELECT id, email, full_name, created_at FROM users WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(account)
}

pub async fn find_by_email(conn: &mut sqlx::PgConnection, email: &str) -> Result<Option<Account>> {
    let account = sqlx::query_as("SELECT id, email, full_name, created_at FROM users WHERE email = $1 AND deleted_at IS NULL")
        .bind(email.trim().to_lowercase())
        .fetch_optional(conn)
        .await?;
    Ok(account)
}

pub async fn memberships(pool: &PgPool, user_id: Uuid) -> Result<Vec<Membership>> {
    let mut tx = db::begin_user(pool, user_id).await?;
    let rows = sqlx::query_as(
        "SELECT m.school_id, s.name AS school_name, m.role
           FROM school_memberships m JOIN schools s ON s.id = m.school_id
          WHERE m.user_id = $1 ORDER BY s.name, m.school_id",
    )
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// The caller's role in `school_id`, read inside the tenant transaction;
/// None when they are not a member (or the school does not exist: the
/// caller cannot tell the two apart).
pub async fn role_in_school(
    conn: &mut sqlx::PgConnection,
    school_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Role>> {
    let role = sqlx::query_scalar(
        "SELECT m.role FROM school_memberships m JOIN users u ON u.id = m.user_id
          WHERE m.school_id = $1 AND m.user_id = $2 AND u.deleted_at IS NULL",
    )
    .bind(school_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(role)
}
