//! Prometheus scrape endpoint.

use std::sync::Arc;

use axum::{
    Extension,
    extract::State,
    http::{
        HeaderMap,
        header::{ACCEPT, CONTENT_TYPE},
    },
    response::IntoResponse,
};
use shared::metrics;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, metrics::HttpMetrics};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(scrape))
}

/// Prometheus text exposition: HTTP requests by route template and status,
/// their latency, and open SSE streams. OpenMetrics when `Accept` asks for it.
#[utoipa::path(get, path = "/metrics", tag = "operations side", responses(
    (status = 200, description = "Prometheus text format 0.0.4, or OpenMetrics 1.0 when asked for", content_type = "text/plain", body = String),
))]
async fn scrape(
    State(state): State<AppState>,
    Extension(http): Extension<Arc<HttpMetrics>>,
    headers: HeaderMap,
) -> impl IntoResponse {
    let content_type =
        metrics::content_type(headers.get(ACCEPT).and_then(|accept| accept.to_str().ok()));
    let body = http.render(state.hub.streams(), content_type);
    ([(CONTENT_TYPE, content_type)], body)
}
