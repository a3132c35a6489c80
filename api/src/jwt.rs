//! Access tokens: HS256 JWTs carrying the user, their roles, an optional
//! active school, and issue and expiry times. Only HS256 is accepted, so
//! `alg: none` and algorithm swaps fail verification. Each kind of token
//! names its audience (`aud`) and type (`typ`), checked on the way in, so
//! an access token is never an event ticket and a ticket never a login.
//! A ticket also carries its own id (`jti`), spent on first use.

use std::sync::Arc;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const ACCESS_AUDIENCE: &str = "schoolops-api";
const ACCESS_TYPE: &str = "access";
const TICKET_AUDIENCE: &str = "schoolops-events";
const TICKET_TYPE: &str = "event-ticket";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub typ: String,
    pub sub: Uuid,
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_school_id: Option<Uuid>,
    pub iat: i64,
    pub exp: i64,
}

/// Cheap to clone: axum clones the state, and so the keys, for every
/// request.
#[derive(Clone)]
pub struct Keys {
    verifying: Arc<Verifying>,
    pub lifetime_seconds: i64,
}

struct Verifying {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ticket_validation: Validation,
}

impl Keys {
    pub fn new(secret: &[u8], lifetime_minutes: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iat", "sub", "aud"]);
        let mut ticket_validation = validation.clone();
        validation.set_audience(&[ACCESS_AUDIENCE]);
        ticket_validation.set_audience(&[TICKET_AUDIENCE]);
        Self {
            verifying: Arc::new(Verifying {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
                ticket_validation,
            }),
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
            aud: ACCESS_AUDIENCE.into(),
            typ: ACCESS_TYPE.into(),
            sub: user_id,
            roles,
            active_school_id,
            iat: now,
            exp: now + self.lifetime_seconds,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.verifying.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Option<Claims> {
        let claims = decode::<Claims>(token, &self.verifying.decoding, &self.verifying.validation)
            .ok()?
            .claims;
        // A token issued in the future was not issued by us.
        (claims.typ == ACCESS_TYPE
            && claims.iat <= Utc::now().timestamp() + self.verifying.validation.leeway as i64)
            .then_some(claims)
    }
}

/// A ticket for opening the event stream where headers cannot be sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketClaims {
    pub aud: String,
    pub typ: String,
    pub sub: Uuid,
    pub school_id: Uuid,
    /// Always "events": a ticket is good for nothing else, and an access
    /// token (which has no purpose) is not a ticket.
    pub purpose: String,
    /// The ticket's own id: GET /events records it on first use and
    /// refuses it after, so a ticket opens one stream.
    pub jti: Uuid,
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
            aud: TICKET_AUDIENCE.into(),
            typ: TICKET_TYPE.into(),
            sub: user_id,
            school_id,
            purpose: TICKET_PURPOSE.into(),
            jti: Uuid::new_v4(),
            iat: now,
            exp: now + seconds,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.verifying.encoding,
        )?)
    }

    pub fn verify_ticket(&self, ticket: &str) -> Option<TicketClaims> {
        let claims = decode::<TicketClaims>(
            ticket,
            &self.verifying.decoding,
            &self.verifying.ticket_validation,
        )
        .ok()?
        .claims;
        (claims.typ == TICKET_TYPE && claims.purpose == TICKET_PURPOSE).then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn an_access_token_is_not_a_ticket_and_a_ticket_is_not_an_access_token() {
        let keys = Keys::new(SECRET, 60);
        let (user, school) = (Uuid::new_v4(), Uuid::new_v4());
        let access = keys.issue(user, vec![], Some(school)).unwrap();
        let ticket = keys.issue_ticket(user, school, 60).unwrap();
        assert!(keys.verify(&access).is_some());
        assert!(keys.verify_ticket(&ticket).is_some());
        assert!(keys.verify_ticket(&access).is_none());
        assert!(keys.verify(&ticket).is_none());
    }

    #[test]
    fn a_token_without_an_audience_is_refused() {
        #[derive(Serialize)]
        struct Bare {
            sub: Uuid,
            roles: Vec<String>,
            typ: &'static str,
            iat: i64,
            exp: i64,
        }
        let keys = Keys::new(SECRET, 60);
        let now = Utc::now().timestamp();
        let bare = Bare {
            sub: Uuid::new_v4(),
            roles: vec![],
            typ: ACCESS_TYPE,
            iat: now,
            exp: now + 60,
        };
        let token = encode(
            &Header::new(Algorithm::HS256),
            &bare,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(keys.verify(&token).is_none());
    }
}
