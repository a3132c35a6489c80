use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_and_readyz_answer_ok_with_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-request-id"));
    let response = app.request(Method::GET, "/readyz").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn openapi_document_is_3_1_and_lists_every_route() {
    let app = TestApp::spawn().await;
    let doc: Value = app
        .request(Method::GET, "/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/auth/register",
        "/auth/login",
        "/auth/refresh",
        "/auth/me",
        "/schools",
        "/schools/my",
        "/members",
        "/classes",
        "/classes/{id}",
        "/guardians",
        "/guardians/{id}",
        "/students",
        "/students/{id}",
        "/fees/structures",
        "/fees/structures/{id}",
        "/grade-levels",
        "/terms",
        "/terms/{id}",
        "/healthz",
        "/invoices/generate",
        "/invoices",
        "/invoices/{id}",
        "/invoices/{id}/lines",
        "/payments",
        "/payments/{id}",
        "/ledger/accounts",
        "/ledger/journal",
        "/ledger/trial-balance",
        "/students/{id}/statement",
        "/operations",
        "/operations/{id}",
        "/notifications/send",
        "/notifications",
        "/notifications/{id}",
        "/events",
        "/events/ticket",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let params = &doc["paths"]["/classes"]["get"]["parameters"];
    assert!(
        params
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "X-School-ID" && p["in"] == "header")
    );
}

#[tokio::test]
async fn docs_page_points_at_the_openapi_document() {
    let app = TestApp::spawn().await;
    let response = app
        .request(Method::GET, "/docs/swagger-initializer.js")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("/openapi.json"));
}

/// The value of the sample line that starts with `series` (name and labels).
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let response = app.request(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status_and_open_sse_streams() {
    let app = TestApp::spawn().await;
    let (owner, school) = app
        .owner_with_school("metrics@example.com", "Metrics School")
        .await;
    for _ in 0..3 {
        let id = uuid::Uuid::new_v4();
        let response = app
            .as_member(Method::GET, &format!("/students/{id}"), &owner, school)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    app.request(Method::GET, "/no/such/route/42")
        .send()
        .await
        .unwrap();
    let stream =
        crate::sse::EventStream::open(app.as_member(Method::GET, "/events", &owner, school)).await;

    let metrics = scrape(&app).await;
    assert_eq!(
        sample(
            &metrics,
            r#"schoolops_http_requests_total{method="GET",route="/students/{id}",status="404"}"#
        ),
        Some(3.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"schoolops_http_requests_total{method="POST",route="/schools",status="201"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &metrics,
            r#"schoolops_http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(1.0)
    );
    // Raw paths never become labels: one series per template, whatever the ids.
    assert!(!metrics.contains("/no/such/route") && !metrics.contains(&school.to_string()));
    assert_eq!(
        sample(
            &metrics,
            r#"schoolops_http_request_duration_seconds_count{method="GET",route="/students/{id}"}"#
        ),
        Some(3.0)
    );
    assert!(metrics.contains(
        r#"schoolops_http_request_duration_seconds_bucket{method="GET",route="/students/{id}",le="+Inf"} 3"#
    ));
    assert_eq!(sample(&metrics, "schoolops_sse_subscribers"), Some(1.0));

    drop(stream);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let metrics = scrape(&app).await;
        if sample(&metrics, "schoolops_sse_subscribers") == Some(0.0) {
            // The earlier scrape is counted too, under its own template.
            assert!(
                sample(
                    &metrics,
                    r#"schoolops_http_requests_total{method="GET",route="/metrics",status="200"}"#
                )
                .is_some_and(|n| n >= 1.0)
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the SSE gauge never went back to 0"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
