//! Access tokens: HS256 JWTs carrying the user, their roles, an optional
//! active school, and issue and expiry times. Only HS256 is accepted, so
//! `alg: none` and algorithm swaps fail verification.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_school_id: Option<Uuid>,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub lifetime_seconds: i64,
}

impl Keys {
    pub fn new(secret: &[u8], lifetime_minutes: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime_seconds: lifetime_minutes * 60,
        }
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        roles: Vec<String>,
        active_school_id: Option<Uuid>,
    ) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            roles,
            active_school_id,
            iat: now,
            exp: now + self.lifetime_seconds,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Option<Claims> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        // A token issued in the future was not issued by us.
        (claims.iat <= Utc::now().timestamp() + self.validation.leeway as i64).then_some(claims)
    }
}

/// A ticket for opening the event stream where headers cannot be sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketClaims {
    pub sub: Uuid,
    pub school_id: Uuid,
    /// Always "events": a ticket is good for nothing else, and an access
    /// token (which has no purpose) is not a ticket.
    pub purpose: String,
    pub iat: i64,
    pub exp: i64,
}

const TICKET_PURPOSE: &str = "events";

impl Keys {
    pub fn issue_ticket(
        &self,
        user_id: Uuid,
        school_id: Uuid,
        seconds: i64,
    ) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = TicketClaims {
            sub: user_id,
            school_id,
            purpose: TICKET_PURPOSE.into(),
            iat: now,
            exp: now + seconds,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify_ticket(&self, ticket: &str) -> Option<TicketClaims> {
        let claims = decode::<TicketClaims>(ticket, &self.decoding, &self.validation)
            .ok()?
            .claims;
        (claims.purpose == TICKET_PURPOSE).then_some(claims)
    }
}
