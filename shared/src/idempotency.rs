//! Idempotency-Key: a retried POST gets the first answer; the same key with
//! a different body is refused rather than silently answered.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Error, Result};

pub struct Stored {
    pub status: u16,
    pub body: Value,
}

/// An Idempotency-Key as sent: 1 to 255 visible ASCII characters, blanks
/// around it ignored. Only `parse` builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    pub fn parse(raw: &str) -> Result<Self> {
        let key = raw.trim();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid(
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Self(key.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn fingerprint(request: &impl Serialize) -> Vec<u8> {
    let canonical = serde_json::to_vec(request).unwrap_or_default();
    Sha256::digest(canonical).to_vec()
}

/// The first answer for this key, if there was one with the same request.
pub async fn replay(
    conn: &mut PgConnection,
    user_id: Uuid,
    key: &Key,
    hash: &[u8],
) -> Result<Option<Stored>> {
    let found: Option<(Vec<u8>, i16, Value)> = sqlx::query_as(
        "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2",
    )
    .bind(user_id)
    .bind(key.as_str())
    .fetch_optional(conn)
    .await?;
    match found {
        None => Ok(None),
        Some((stored_hash, status, body)) if stored_hash == hash => Ok(Some(Stored {
            status: status as u16,
            body,
        })),
        Some(_) => Err(Error::rule(
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request body",
        )),
    }
}

/// Remembers the answer, in the transaction that produced it. A concurrent
/// request with the same key loses on the primary key (409).
pub async fn remember(
    conn: &mut PgConnection,
    user_id: Uuid,
    key: &Key,
    hash: &[u8],
    status: u16,
    body: &impl Serialize,
) -> Result<()> {
    let body = serde_json::to_value(body).map_err(anyhow::Error::from)?;
    sqlx::query(
        "INSERT INTO idempotency_keys (school_id, user_id, key, request_hash, response_status, response_body)
         VALUES (app_school_id(), $1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(key.as_str())
    .bind(hash)
    .bind(status as i16)
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn a_key_is_trimmed_visible_ascii_of_at_most_255_characters() {
        assert_eq!(Key::parse("  retry-1 ").unwrap().as_str(), "retry-1");
        for bad in ["", "   ", "two words", "caf\u{e9}", &"k".repeat(256)] {
            let error = Key::parse(bad).unwrap_err();
            assert_eq!(error.code(), Some("invalid_idempotency_key"), "{bad:?}");
        }
        assert!(Key::parse(&"k".repeat(255)).is_ok());
    }
}
