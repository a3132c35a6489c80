//! Request bodies must be JSON objects. serde reads a struct from an array
//! of its fields in order too, so before this check `[null, null]` sent to
//! PATCH /students/{id} took the student out of their class (found by the
//! contract fuzzer's negative data).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn a_body_that_is_an_array_or_a_scalar_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (owner, school) = app.owner_with_school("owner@example.com", "Imara").await;
    let class = app.grade_4_east(&owner, school).await;
    let student = app.student(&owner, school, "ADM-1").await;
    let path = format!("/students/{student}");
    let moved = app
        .as_member(Method::PATCH, &path, &owner, school)
        .json(&json!({"class_id": class}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);

    for body in [
        json!([null, null]),
        json!([class, "ACTIVE"]),
        json!("x"),
        json!(7),
    ] {
        let response = app
            .as_member(Method::PATCH, &path, &owner, school)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    }
    let response = app
        .as_member(Method::POST, "/classes", &owner, school)
        .json(&json!(["Grade 5", "Grade 5", 2025, null]))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;

    let (_, after) = app.get_json(&owner, school, &path).await;
    assert_eq!(after["class_id"], json!(class), "{after}");
}
