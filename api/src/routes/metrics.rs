//! Prometheus scrape endpoint.

use std::sync::Arc;

use axum::{
    Extension,
    extract::State,
    http::{
        HeaderMap,
        header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE},
    },
    response::IntoResponse,
};
use shared::metrics;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, error::ApiError, metrics::HttpMetrics};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(scrape))
}

/// Prometheus text exposition: HTTP requests by route template and status,
/// their latency, and open SSE streams. OpenMetrics when `Accept` asks for it.
/// With METRICS_TOKEN set, only a scrape sending it as a bearer token.
#[utoipa::path(get, path = "/metrics", tag = "operations side", responses(
    (status = 200, description = "Prometheus text format 0.0.4, or OpenMetrics 1.0 when asked for", content_type = "text/plain", body = String),
), extensions(("x-problem-codes" = json!({"401": ["invalid_token"]}))))]
async fn scrape(
    State(state): State<AppState>,
    Extension(http): Extension<Arc<HttpMetrics>>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if !metrics::scrape_allowed(state.metrics_token.as_ref(), authorization) {
        return Err(ApiError::unauthorized(
            "this scrape needs the metrics token",
        ));
    }
    let content_type =
        metrics::content_type(headers.get(ACCEPT).and_then(|accept| accept.to_str().ok()));
    let body = http.render(state.hub.streams(), content_type);
    Ok(([(CONTENT_TYPE, content_type)], body))
}
