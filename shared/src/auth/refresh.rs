//! Refresh tokens: random, stored only as a SHA-256 hash, single use. Using
//! one issues the next in the same family; presenting a used one again
//! means it was stolen, so the whole family is revoked.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::{Error, Result};

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Creates a token in `family` and returns its only plaintext copy.
pub async fn issue(
    conn: &mut PgConnection,
    user_id: Uuid,
    family: Uuid,
    valid_days: i64,
) -> Result<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    sqlx::query("INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(family)
        .bind(digest(&token))
        .bind(Utc::now() + Duration::days(valid_days))
        .execute(conn)
        .await?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
struct Stored {
    id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
    spent: bool,
    expired: bool,
    user_deleted: bool,
}

/// Spends `token` and returns its user with the next token of the family.
pub async fn rotate(pool: &PgPool, token: &str, valid_days: i64) -> Result<(Uuid, String)> {
    let refused = || {
        Error::unauthenticated(
            "invalid_refresh_token",
            "the refresh token is invalid or expired",
        )
    };
    let mut tx = pool.begin().await?;
    let stored: Option<Stored> = sqlx::query_as(
        "SELECT t.id, t.user_id, t.family_id,
                (t.used_at IS NOT NULL OR t.revoked_at IS NOT NULL) AS spent,
                t.expires_at <= now() AS expired,
                u.deleted_at IS NOT NULL AS user_deleted
           FROM refresh_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = $1
          FOR UPDATE OF t",
    )
    .bind(digest(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(stored) = stored else {
        return Err(refused());
    };
    if stored.spent {
        sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL")
            .bind(stored.family_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::warn!(user_id = %stored.user_id, "refresh token reused; family revoked");
        return Err(Error::unauthenticated(
            "refresh_token_reused",
            "this refresh token was already used; sign in again",
        ));
    }
    if stored.expired || stored.user_deleted {
        return Err(refused());
    }
    sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE id = $1")
        .bind(stored.id)
        .execute(&mut *tx)
        .await?;
    let next = issue(&mut tx, stored.user_id, stored.family_id, valid_days).await?;
    tx.commit().await?;
    Ok((stored.user_id, next))
}
