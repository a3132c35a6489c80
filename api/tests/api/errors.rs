use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn malformed_json_wrong_types_and_missing_fields_are_400_problems() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let malformed = owner
        .request(Method::POST, "/guardians")
        .header("content-type", "application/json")
        .body("{\"first_name\": ")
        .send()
        .await
        .unwrap();
    assert_problem(malformed, StatusCode::BAD_REQUEST, "malformed_json").await;
    let wrong_type = owner
        .post("/guardians", json!({"first_name": 5, "last_name": "Doe"}))
        .await;
    assert_problem(wrong_type, StatusCode::BAD_REQUEST, "invalid_body").await;
    let missing = owner
        .post("/guardians", json!({"first_name": "Jane"}))
        .await;
    assert_problem(missing, StatusCode::BAD_REQUEST, "invalid_body").await;
    let unknown_field = owner
        .post(
            "/guardians",
            json!({"first_name": "Jane", "last_name": "Doe", "school_id": school}),
        )
        .await;
    assert_problem(unknown_field, StatusCode::BAD_REQUEST, "invalid_body").await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let too_deep = owner
        .request(Method::POST, "/guardians")
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(too_deep.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_a_non_json_body_is_415() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let huge = json!({"first_name": "x".repeat(300 * 1024), "last_name": "Doe"});
    let response = owner
        .request(Method::POST, "/guardians")
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let form = owner
        .request(Method::POST, "/guardians")
        .header("content-type", "text/plain")
        .body("first_name=Jane")
        .send()
        .await
        .unwrap();
    assert_problem(
        form,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_same_shape() {
    let app = TestApp::spawn().await;
    let missing = app
        .request(Method::GET, "/no-such-thing")
        .send()
        .await
        .unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "route_not_found").await;
    let method = app
        .request(Method::DELETE, "/healthz")
        .send()
        .await
        .unwrap();
    assert_problem(method, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn names_with_control_or_direction_characters_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    for name in ["Ja\u{202E}ne", "Ja\u{0000}ne", "Ja\nne"] {
        let response = owner
            .post(
                "/guardians",
                json!({"first_name": name, "last_name": "Doe"}),
            )
            .await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_field").await;
    }
    let sql_looking = owner
        .create(
            "/guardians",
            json!({"first_name": "Robert'); DROP TABLE students;--", "last_name": "Tables"}),
        )
        .await;
    assert_eq!(
        sql_looking["first_name"],
        "Robert'); DROP TABLE students;--"
    );
}
