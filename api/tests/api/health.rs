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
    let response = app.request(Method::GET, "/docs").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("/openapi.json"));
}
