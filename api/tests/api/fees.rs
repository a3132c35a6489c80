use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

fn grade_4_term_2() -> Value {
    json!({"name": "Grade 4 Term 2 2026", "level": "Grade 4", "term": 2, "year": 2026, "items": [
        {"name": "Tuition", "amount": "18000", "income_account": "4000"},
        {"name": "Swimming", "amount": 1500.5, "optional": true}
    ]})
}

#[tokio::test]
async fn a_bursar_defines_a_fee_structure_for_a_level_and_term() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let structure = bursar.create("/fees/structures", grade_4_term_2()).await;
    assert_eq!(structure["level"], "Grade 4");
    assert_eq!(structure["term"], 2);
    assert_eq!(structure["year"], 2026);
    assert_eq!(structure["items"][0]["amount"], "18000.00");
    assert_eq!(structure["items"][0]["income_account_code"], "4000");
    // An item without an account gets a new income head of its own name.
    assert_eq!(structure["items"][1]["amount"], "1500.50");
    assert_eq!(structure["items"][1]["income_account_code"], "4050");
    assert_eq!(structure["items"][1]["income_account_name"], "Swimming");
    let (_, all) = bursar.get_json("/fees/structures").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn teachers_and_viewers_cannot_create_or_change_fee_structures() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let (_, structures) = owner.get_json("/fees/structures").await;
    let default_path = format!("/fees/structures/{}", structures[0]["id"].as_str().unwrap());
    for role in ["TEACHER", "VIEWER"] {
        let session = owner
            .add_member(&format!("{}@example.com", role.to_lowercase()), role)
            .await;
        let create = session
            .request(Method::POST, "/fees/structures")
            .json(&grade_4_term_2())
            .send()
            .await
            .unwrap();
        assert_problem(create, StatusCode::FORBIDDEN, "insufficient_role").await;
        let change = session.patch(&default_path, json!({"name": "x"})).await;
        assert_problem(change, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
}

#[tokio::test]
async fn updating_a_structure_replaces_its_items() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let structure = owner.create("/fees/structures", grade_4_term_2()).await;
    let path = format!("/fees/structures/{}", structure["id"].as_str().unwrap());
    let response = owner.patch(&path, json!({"name": "Grade 4 T2", "items": [{"name": "Tuition", "amount": "19000.00", "income_account": "4000"}]})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["name"], "Grade 4 T2");
    assert_eq!(updated["items"].as_array().unwrap().len(), 1);
    assert_eq!(updated["items"][0]["amount"], "19000.00");
}

#[tokio::test]
async fn bad_fee_structures_are_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let cases = [
        (
            json!({"name": "x", "items": [{"name": "Tuition", "amount": "-5"}]}),
            StatusCode::BAD_REQUEST,
            "invalid_amount",
        ),
        (
            json!({"name": "x", "items": [{"name": "Tuition", "amount": "10.005"}]}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"name": "x", "items": []}),
            StatusCode::BAD_REQUEST,
            "invalid_items",
        ),
        (
            json!({"name": "x", "term": 4, "items": [{"name": "T", "amount": 1}]}),
            StatusCode::BAD_REQUEST,
            "invalid_term",
        ),
        (
            json!({"name": "x", "level": "Form 9", "items": [{"name": "T", "amount": 1}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_level",
        ),
        (
            json!({"name": "x", "year": 2027, "items": [{"name": "T", "amount": 1, "income_account": "1000"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_an_income_account",
        ),
        (
            json!({"name": "x", "year": 2027, "items": [{"name": "T", "amount": 1, "income_account": "4999"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_account",
        ),
        (
            json!({"name": "x", "year": 2027, "items": [{"name": "T", "amount": 1}, {"name": "T", "amount": 2}]}),
            StatusCode::CONFLICT,
            "duplicate_fee_item",
        ),
    ];
    for (body, status, code) in cases {
        let response = owner
            .request(Method::POST, "/fees/structures")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(response, status, code).await;
    }
    owner.create("/fees/structures", grade_4_term_2()).await;
    let again = owner
        .request(Method::POST, "/fees/structures")
        .json(&grade_4_term_2())
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::CONFLICT, "duplicate_fee_structure").await;
}
