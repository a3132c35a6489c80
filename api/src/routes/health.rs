//! Liveness and readiness for orchestrators.

use axum::{extract::State, http::StatusCode};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, error::ApiError, extract::Json};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations side", responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations side",
    responses((status = 200, description = "`{\"status\": \"ready\"}`: the database answers", body = Health)),
    extensions(("x-problem-codes" = json!({"503": ["database_unavailable"]}))))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    // One simple-protocol message: whole behind a transaction pooler too.
    sqlx::raw_sql("SELECT 1")
        .execute(&state.pool)
        .await
        .map_err(|_| {
            ApiError::http(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database does not answer",
            )
        })?;
    Ok(Json(Health { status: "ready" }))
}
