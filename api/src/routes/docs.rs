//! GET /openapi.json (OpenAPI 3.1, generated from the handlers) and a
//! human docs page at /docs: Swagger UI, its scripts and styles served
//! from the binary (pinned by the crate's version), so it renders on a
//! school network with no internet.

use std::sync::Arc;

use axum::{Router, routing::get};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::AppState;

pub fn router(api: utoipa::openapi::OpenApi) -> Router<AppState> {
    let document = Arc::new(api.to_json().expect("the OpenAPI document serialises"));
    Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let document = Arc::clone(&document);
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        (*document).clone(),
                    )
                }
            }),
        )
        .merge(
            // validator "none": Swagger UI would otherwise fetch a badge from
            // an outside validator.
            SwaggerUi::new("/docs").config(Config::new(["/openapi.json"]).validator_url("none")),
        )
}
