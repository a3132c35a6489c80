//! Prometheus scrape endpoint.

use std::sync::Arc;

use axum::{Extension, extract::State, http::header::CONTENT_TYPE, response::IntoResponse};
use shared::metrics;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, metrics::HttpMetrics};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(scrape))
}

/// Prometheus text exposition: HTTP requests by route template and status,
/// their latency, and open SSE streams.
#[utoipa::path(get, path = "/metrics", tag = "operations side", responses(
    (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String),
))]
async fn scrape(
    State(state): State<AppState>,
    Extension(http): Extension<Arc<HttpMetrics>>,
) -> impl IntoResponse {
    let mut out = String::new();
    http.render(&mut out);
    metrics::gauge(
        &mut out,
        "schoolops_sse_subscribers",
        "Open GET /events streams in this process.",
        &[],
        [(vec![], state.hub.streams() as f64)],
    );
    ([(CONTENT_TYPE, metrics::CONTENT_TYPE)], out)
}
