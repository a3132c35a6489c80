//! GET /openapi.json (OpenAPI 3.1, generated from the handlers) and a
//! human docs page at /docs.

use std::sync::Arc;

use axum::{Router, response::Html, routing::get};

use crate::AppState;

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>SchoolOps API</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
  <script id="api-reference" data-url="/openapi.json"></script>
  <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
  <noscript>The interactive reference needs JavaScript; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
</body>
</html>"#;

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
        .route("/docs", get(|| async { Html(DOCS_PAGE) }))
}
