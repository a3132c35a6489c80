//! The `Idempotency-Key` header: absent is `None`; present, it must be 1 to
//! 255 visible ASCII characters (400 `invalid_idempotency_key` otherwise).

use axum::{
    extract::OptionalFromRequestParts,
    http::{HeaderName, request::Parts},
};
use shared::idempotency::Key;

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
