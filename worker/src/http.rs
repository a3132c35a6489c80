//! The worker's own small HTTP server, for orchestrators and Prometheus:
//! /healthz (the process is up), /readyz (the database answers) and
//! /metrics. No business routes; /metrics asks for METRICS_TOKEN when it
//! is set, the rest for nothing: bind it where only they reach.

use std::time::Duration;

use axum::{
    Json, Router,
    extract::State,
    http::{
        HeaderMap, StatusCode,
        header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE},
    },
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use shared::secret::Secret;
use sqlx::PgPool;
use tokio::net::TcpListener;

#[derive(Clone)]
struct Http {
    pool: PgPool,
    metrics_token: Option<Secret<String>>,
}

pub fn router(pool: PgPool, metrics_token: Option<Secret<String>>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(scrape))
        .with_state(Http {
            pool,
            metrics_token,
        })
}

/// Serves for the life of the process, so /healthz still answers while
/// in-flight jobs drain after SIGTERM.
pub async fn serve(
    listener: TcpListener,
    pool: PgPool,
    metrics_token: Option<Secret<String>>,
) -> std::io::Result<()> {
    axum::serve(listener, router(pool, metrics_token)).await
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(http): State<Http>) -> Response {
    let answered = tokio::time::timeout(
        Duration::from_secs(3),
        sqlx::raw_sql("SELECT 1").execute(&http.pool),
    )
    .await;
    match answered {
        Ok(Ok(_)) => Json(json!({"status": "ready"})).into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "detail": "the database does not answer"})),
        )
            .into_response(),
    }
}

/// OpenMetrics when `Accept` asks for it, the classic text format otherwise.
async fn scrape(State(http): State<Http>, headers: HeaderMap) -> Response {
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if !shared::metrics::scrape_allowed(http.metrics_token.as_ref(), authorization) {
        return (
            StatusCode::UNAUTHORIZED,
            [(WWW_AUTHENTICATE, "Bearer")],
            Json(
                json!({"status": "unauthorized", "detail": "this scrape needs the metrics token"}),
            ),
        )
            .into_response();
    }
    let content_type =
        shared::metrics::content_type(headers.get(ACCEPT).and_then(|accept| accept.to_str().ok()));
    let text = crate::metrics::render(&http.pool, content_type).await;
    ([(CONTENT_TYPE, content_type)], text).into_response()
}
