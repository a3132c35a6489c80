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

/// Every operation the api serves, as (method, path): the OpenAPI document
/// must list exactly these, and the router must route each of them.
const OPERATIONS: &[(&str, &str)] = &[
    ("get", "/auth/me"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/register"),
    ("get", "/chats"),
    ("post", "/chats"),
    ("get", "/chats/{id}/messages"),
    ("post", "/chats/{id}/messages"),
    ("post", "/chats/{id}/messages/{message_id}/cancel"),
    ("post", "/chats/{id}/messages/{message_id}/confirm"),
    ("post", "/chats/{id}/messages/{message_id}/retry"),
    ("get", "/classes"),
    ("post", "/classes"),
    ("get", "/classes/{id}"),
    ("get", "/events"),
    ("post", "/events/ticket"),
    ("get", "/fees/structures"),
    ("post", "/fees/structures"),
    ("get", "/fees/structures/{id}"),
    ("patch", "/fees/structures/{id}"),
    ("get", "/grade-levels"),
    ("get", "/guardians"),
    ("post", "/guardians"),
    ("get", "/guardians/{id}"),
    ("patch", "/guardians/{id}"),
    ("get", "/healthz"),
    ("get", "/invoices"),
    ("post", "/invoices"),
    ("post", "/invoices/generate"),
    ("get", "/invoices/{id}"),
    ("post", "/invoices/{id}/cancel"),
    ("post", "/invoices/{id}/credit-notes"),
    ("get", "/invoices/{id}/credit-notes"),
    ("get", "/credit-notes"),
    ("get", "/invoices/{id}/lines"),
    ("get", "/ledger/accounts"),
    ("get", "/ledger/journal"),
    ("get", "/ledger/trial-balance"),
    ("get", "/reports/defaulters"),
    ("get", "/reports/aged-receivables"),
    ("get", "/reports/collections"),
    ("get", "/reports/class-summary"),
    ("get", "/invitations"),
    ("post", "/invitations/{id}/accept"),
    ("post", "/invitations/{id}/decline"),
    ("get", "/members"),
    ("post", "/members"),
    ("patch", "/members/{user_id}"),
    ("delete", "/members/{user_id}"),
    ("get", "/members/invitations"),
    ("delete", "/members/invitations/{id}"),
    ("get", "/metrics"),
    ("get", "/notifications"),
    ("post", "/notifications/send"),
    ("get", "/notifications/{id}"),
    ("get", "/operations"),
    ("get", "/operations/{id}"),
    ("get", "/payments"),
    ("post", "/payments"),
    ("post", "/payments/{id}/reverse"),
    ("get", "/payments/{id}"),
    ("get", "/payments/{id}/receipt"),
    ("get", "/readyz"),
    ("get", "/reminders/runs"),
    ("get", "/reminders/runs/{id}"),
    ("get", "/reminders/schedules"),
    ("post", "/reminders/schedules"),
    ("get", "/reminders/schedules/{id}"),
    ("patch", "/reminders/schedules/{id}"),
    ("delete", "/reminders/schedules/{id}"),
    ("post", "/schools"),
    ("get", "/schools/my"),
    ("patch", "/schools/{id}"),
    ("get", "/students"),
    ("post", "/students"),
    ("post", "/students/{id}/refunds"),
    ("get", "/students/{id}"),
    ("patch", "/students/{id}"),
    ("get", "/students/{id}/refunds"),
    ("post", "/adjustments"),
    ("get", "/adjustments"),
    ("get", "/adjustments/{id}"),
    ("delete", "/adjustments/{id}"),
    ("get", "/fees/sibling-discount"),
    ("put", "/fees/sibling-discount"),
    ("delete", "/fees/sibling-discount"),
    ("post", "/sponsors"),
    ("get", "/sponsors"),
    ("get", "/sponsors/{id}"),
    ("get", "/sponsors/{id}/statement"),
    ("get", "/sponsors/{id}/payments"),
    ("get", "/sponsor-payments/{id}"),
    ("get", "/sponsor-payments/{id}/receipt"),
    ("post", "/sponsors/{id}/payments"),
    ("post", "/sponsor-payments/{id}/reverse"),
    ("get", "/students/{id}/statement"),
    ("get", "/terms"),
    ("patch", "/terms/{id}"),
];

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

    // The document lists exactly the operations above: none missing, none extra.
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| ["get", "post", "put", "patch", "delete"].contains(&key.as_str()))
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut expected: Vec<(String, String)> = OPERATIONS
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected, "the OpenAPI document's operations");

    // And the router routes each one: a request without credentials (any
    // id, an empty body) reaches a handler or its extractors, never the
    // router's "no such route" or "method not allowed".
    let id = uuid::Uuid::new_v4().to_string();
    for (method, path) in OPERATIONS {
        let url = path
            .replace("{id}", &id)
            .replace("{message_id}", &id)
            .replace("{user_id}", &id);
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = app
            .request(method.clone(), &url)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            !matches!(
                body["code"].as_str(),
                Some("route_not_found" | "method_not_allowed")
            ),
            "{method} {url} is documented but not routed: {status} {body}"
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
    let owner = app
        .owner_with_school("metrics@example.com", "Metrics School")
        .await;
    let school = owner.school;
    for _ in 0..3 {
        let id = uuid::Uuid::new_v4();
        let response = owner.get(&format!("/students/{id}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    app.request(Method::GET, "/no/such/route/42")
        .send()
        .await
        .unwrap();
    let stream = shared::testing::EventStream::open(owner.request(Method::GET, "/events")).await;

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
    // prometheus-client writes `le` before the family's labels.
    assert!(metrics.contains(
        r#"schoolops_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/students/{id}"} 3"#
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

#[tokio::test]
async fn with_a_metrics_token_only_a_scrape_that_sends_it_reads_the_metrics() {
    let token = "scrape-token-0123456789abcdef";
    let app = TestApp::spawn_with_metrics_token(token).await;
    for refused in [
        None,
        Some("Bearer wrong-token-0123456789abcdef".to_string()),
        Some(format!("Basic {token}")),
        Some(token.to_string()),
    ] {
        let mut request = app.request(Method::GET, "/metrics");
        if let Some(value) = &refused {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        let body =
            crate::helpers::assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token")
                .await;
        assert!(!body.to_string().contains("schoolops_"), "{refused:?}");
    }
    let response = app
        .request(Method::GET, "/metrics")
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("schoolops_http_requests_total")
    );
    // Health and readiness stay open to the orchestrator.
    let health = app.request(Method::GET, "/readyz").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
