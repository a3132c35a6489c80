//! `?limit=&after=` read and checked once for every list: a limit outside
//! 1..=500 is 400 `invalid_limit`, a malformed one 400 `invalid_query`.

use axum::{extract::FromRequestParts, http::request::Parts};
use shared::page;

use super::Query;
use crate::{error::ApiError, openapi::PageParams};

/// The page a list handler answers; documented by `openapi::PageParams`.
pub struct PageRequest(pub page::PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for PageRequest {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(params) = Query::<PageParams>::from_request_parts(parts, state).await?;
        Ok(Self(page::PageRequest::new(params.limit, params.after)?))
    }
}
