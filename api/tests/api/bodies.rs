//! Request bodies must be JSON objects. serde reads a struct from an array
//! of its fields in order too, so before this check `[null, null]` sent to
//! PATCH /students/{id} took the student out of their class (found by the
//! contract fuzzer's negative data).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn a_body_that_is_an_array_or_a_scalar_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner_with_school("owner@example.com", "Imara").await;
    let class = owner.grade_4_east().await;
    let student = owner.student("ADM-1").await;
    let path = format!("/students/{student}");
    let moved = owner.patch(&path, json!({"class_id": class})).await;
    assert_eq!(moved.status(), StatusCode::OK);

    for body in [
        json!([null, null]),
        json!([class, "ACTIVE"]),
        json!("x"),
        json!(7),
    ] {
        let response = owner.patch(&path, body).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    }
    let response = owner
        .post("/classes", json!(["Grade 5", "Grade 5", 2025, null]))
        .await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;

    let (_, after) = owner.get_json(&path).await;
    assert_eq!(after["class_id"], json!(class), "{after}");
}

/// One level down as well (found by the contract fuzzer once the
/// schedule's example gave it a valid body to mutate).
#[tokio::test]
async fn a_nested_object_sent_as_a_list_of_its_fields_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner_with_school("owner@example.com", "Imara").await;
    let schedule = json!({"name": "Balances", "cron": "0 8 * * 1", "audience": [null, null]});
    let response = owner.post("/reminders/schedules", schedule).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    let notification = json!({"type": "IN_APP", "subject": "Fees", "body": "Due", "audience": [null, null, null, false]});
    let response = owner.post("/notifications/send", notification).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    let fees = json!({"name": "Grade 4", "items": [["Tuition", "9000.00", false, null]]});
    let response = owner.post("/fees/structures", fees).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    let student = json!({"admission_no": "ADM-9", "first_name": "Brian", "last_name": "Otieno",
                         "primary_guardian": ["Mary", "Otieno", null, null, null]});
    let response = owner.post("/students", student).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;

    // The same fields as objects are read as before.
    let schedule =
        json!({"name": "Balances", "cron": "0 8 * * 1", "audience": {"min_balance": "500.00"}});
    let response = owner.post("/reminders/schedules", schedule).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}
