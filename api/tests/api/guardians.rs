use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn guardian_phone_numbers_are_normalised() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    for (input, stored) in [
        ("0712 345 678", "+254712345678"),
        ("254110123456", "+254110123456"),
        ("+254712345678", "+254712345678"),
    ] {
        let guardian = owner.create("/guardians", json!({"first_name": "Jane", "last_name": "Doe", "phone": input, "email": "Jane@Example.com"}))
            .await;
        assert_eq!(guardian["phone"], stored);
        assert_eq!(guardian["email"], "jane@example.com");
    }
    let (status, list) = owner.get_json("/guardians").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_number_that_is_not_a_kenyan_mobile_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let response = owner
        .post(
            "/guardians",
            json!({"first_name": "Jane", "last_name": "Doe", "phone": "0812345678"}),
        )
        .await;
    let body = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    assert!(body["detail"].as_str().unwrap().contains("Kenyan mobile"));
}

#[tokio::test]
async fn a_guardian_of_another_id_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let response = owner
        .get(&format!("/guardians/{}", uuid::Uuid::new_v4()))
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "guardian_not_found").await;
}
