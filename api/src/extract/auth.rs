//! The authenticated caller, from `Authorization: Bearer <jwt>`.

use axum::{extract::FromRequestParts, http::request::Parts};
use uuid::Uuid;

use crate::{AppState, error::ApiError, jwt::Claims};

pub(crate) fn bearer_claims(parts: &Parts, state: &AppState) -> Result<Claims, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <access token>"))?;
    let token = header
        .to_str()
        .ok()
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be Bearer <access token>")
        })?;
    state
        .keys
        .verify(token.trim())
        .ok_or_else(|| ApiError::unauthorized("the access token is invalid or expired"))
}

/// A caller with a valid token whose account still exists.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub id: Uuid,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let claims = bearer_claims(parts, state)?;
        // In a transaction, as every statement (shared/src/db/pool.rs).
        let mut tx = state.pool.begin().await?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL)",
        )
        .bind(claims.sub)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        if !exists {
            return Err(ApiError::unauthorized(
                "the account behind this token no longer exists",
            ));
        }
        Ok(Self { id: claims.sub })
    }
}
