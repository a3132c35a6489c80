//! The tenant transaction: the caller is authenticated, X-School-ID is read,
//! membership is checked, and the handler receives an open transaction with
//! the school and user set locally. Handlers cannot forget the tenant, and
//! the setting dies with the transaction, so pooled connections never leak it.

use axum::{extract::FromRequestParts, http::request::Parts};
use shared::{
    auth::user,
    commands::Actor,
    db::{self, Tx},
    domain::role::{Capability, Role},
    error::Error,
};
use uuid::Uuid;

use super::auth::bearer_claims;
use crate::{AppState, error::ApiError, guard::Place};

pub const SCHOOL_HEADER: &str = "x-school-id";

pub struct Tenant {
    pub tx: Tx,
    /// The school's place, held as long as the transaction.
    _place: Place,
    pub school_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
}

impl Tenant {
    pub fn require(&self, capability: Capability) -> Result<(), ApiError> {
        Ok(self.role.require(capability)?)
    }

    pub fn actor(&self) -> Actor {
        Actor {
            school_id: self.school_id,
            user_id: self.user_id,
        }
    }

    pub async fn commit(self) -> Result<(), ApiError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let claims = bearer_claims(parts, state)?;
        let mut headers = parts.headers.get_all(SCHOOL_HEADER).iter();
        let header = headers.next().ok_or_else(|| {
            ApiError::bad_request(
                "school_not_selected",
                "send X-School-ID with the id of your school",
            )
        })?;
        // Two headers are ambiguous (a proxy may read the other one): refuse.
        let school_id = headers
            .next()
            .is_none()
            .then_some(header)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| Uuid::parse_str(value.trim()).ok())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_school_id",
                    "send one X-School-ID holding a school id (a UUID)",
                )
            })?;
        let place = state.guard.enter(school_id).await?;
        // BEGIN, the tenant's settings and the membership check: one round trip.
        let (tx, role) = db::begin_member(&state.pool, school_id, claims.sub).await?;
        let Some(role) = role else {
            drop(tx);
            return Err(not_a_member(state, claims.sub).await);
        };
        tracing::Span::current().record("school_id", tracing::field::display(school_id));
        Ok(Self {
            tx,
            _place: place,
            school_id,
            user_id: claims.sub,
            role,
        })
    }
}

/// The same answer whether the school exists or not; but a token whose
/// account is gone is no token at all (401, as on every other route).
pub(crate) async fn not_a_member(state: &AppState, user_id: Uuid) -> ApiError {
    match user::find(&state.pool, user_id).await {
        Ok(Some(_)) => {
            Error::forbidden("not_a_member", "you are not a member of that school").into()
        }
        Ok(None) => ApiError::unauthorized("the account behind this token no longer exists"),
        Err(err) => err.into(),
    }
}
