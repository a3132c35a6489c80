//! The worker's own small HTTP server, for orchestrators and Prometheus:
//! /healthz (the process is up), /readyz (the database answers) and
//! /metrics. No business routes, no auth: bind it where only they reach.

use std::time::Duration;

use axum::{
    Json, Router,
    extract::State,
    http::{
        HeaderMap, StatusCode,
        header::{ACCEPT, CONTENT_TYPE},
    },
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use sqlx::PgPool;
use tokio::net::TcpListener;

pub fn router(pool: PgPool) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(scrape))
        .with_state(pool)
}

/// Serves for the life of the process, so /healthz still answers while
/// in-flight jobs drain after SIGTERM.
pub async fn serve(listener: TcpListener, pool: PgPool) -> std::io::Result<()> {
    axum::serve(listener, router(pool)).await
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(pool): State<PgPool>) -> Response {
    let answered = tokio::time::timeout(
        Duration::from_secs(3),
        sqlx::raw_sql("SELECT 1").execute(&pool),
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
async fn scrape(State(pool): State<PgPool>, headers: HeaderMap) -> impl IntoResponse {
    let content_type =
        shared::metrics::content_type(headers.get(ACCEPT).and_then(|accept| accept.to_str().ok()));
    let text = crate::metrics::render(&pool, content_type).await;
    ([(CONTENT_TYPE, content_type)], text)
}
