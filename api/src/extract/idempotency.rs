//! The `Idempotency-Key` header: absent is `None`; present, it must be 1 to
//! 255 visible ASCII characters (400 `invalid_idempotency_key` otherwise).

use axum::{
    extract::OptionalFromRequestParts,
    http::{HeaderName, StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use shared::idempotency::{self, Key};

use super::Tenant;
use crate::error::ApiError;

const HEADER: HeaderName = HeaderName::from_static("idempotency-key");

/// Extract it as `Option<IdempotencyKey>`: the header is optional.
pub struct IdempotencyKey(pub Key);

impl<S: Send + Sync> OptionalFromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let Some(value) = parts.headers.get(HEADER) else {
            return Ok(None);
        };
        let raw = value.to_str().map_err(|_| {
            shared::Error::invalid("invalid_idempotency_key", "Idempotency-Key must be ASCII")
        })?;
        Ok(Some(Self(Key::parse(raw)?)))
    }
}

/// Runs one money write under an optional Idempotency-Key, in the tenant
/// transaction: a retry of the same request (same key, same `request`)
/// gets the first answer, status and body, and `write` does not run again;
/// otherwise `write` runs and its answer is kept under the key before
/// commit. `request` is what identifies the request: its body, with the
/// path id when there is one (the same key on another row is another
/// request).
pub async fn idempotent<T: Serialize>(
    mut tenant: Tenant,
    key: Option<IdempotencyKey>,
    request: &impl Serialize,
    status: StatusCode,
    write: impl AsyncFnOnce(&mut Tenant) -> Result<T, ApiError>,
) -> Result<Response, ApiError> {
    let key = key.map(|IdempotencyKey(key)| key);
    let hash = idempotency::fingerprint(request);
    if let Some(key) = &key
        && let Some(stored) =
            idempotency::replay(&mut tenant.tx, tenant.user_id, key, &hash).await?
    {
        tenant.commit().await?;
        let status = StatusCode::from_u16(stored.status).unwrap_or(status);
        return Ok((status, axum::Json(stored.body)).into_response());
    }
    let answer = write(&mut tenant).await?;
    if let Some(key) = &key {
        idempotency::remember(
            &mut tenant.tx,
            tenant.user_id,
            key,
            &hash,
            status.as_u16(),
            &answer,
        )
        .await?;
    }
    tenant.commit().await?;
    Ok((status, axum::Json(answer)).into_response())
}
