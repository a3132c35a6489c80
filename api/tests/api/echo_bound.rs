//! An error never hands back more than a short piece of what was sent.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn error_details_echo_at_most_64_characters_of_the_input() {
    let app = TestApp::spawn().await;
    let bursar = app.owner_with_school("bursar@imara.ac.ke", "Imara").await;
    let student = bursar.student("ADM-1").await;
    let huge = "Q".repeat(20_000);
    let cases = [
        json!({"student_id": student, "amount": "10", "method": huge, "txn_ref": "A1"}),
        json!({"student_id": student, "amount": huge, "method": "MPESA", "txn_ref": "A1"}),
        json!({"student_id": huge, "amount": "10", "method": "MPESA", "txn_ref": "A1"}),
    ];
    for body in cases {
        let response = bursar.post("/payments", body).await;
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(!detail.contains(&"Q".repeat(65)), "{detail}");
        assert!(detail.chars().count() <= 401, "{} characters", detail.len());
    }
    let path = format!("/students/{}", "Z".repeat(3000));
    let response = bursar.get(&path).await;
    let problem: serde_json::Value = response.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(!detail.contains(&"Z".repeat(65)), "{detail}");
}
