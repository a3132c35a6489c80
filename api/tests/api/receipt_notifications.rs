//! The RECEIPT notification: when the school sends receipts
//! (`receipt_channel` IN_APP or EMAIL), each posted payment gives one
//! notification with one delivery to the student's primary guardian.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    helpers::{Member, TestApp, assert_books_right},
    receipts::{posted, two_terms},
};

async fn receipt_notifications(member: &Member) -> Vec<Value> {
    let (_, notifications) = member.get_json("/notifications").await;
    notifications
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "RECEIPT")
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_receipts_in_app_a_posted_payment_sends_one_receipt_to_the_primary_guardian() {
    let app = TestApp::spawn().await;
    let (owner, bursar, student, _) = two_terms(&app).await;
    posted(
        &bursar,
        json!({"student_id": student, "amount": "100.00", "method": "CASH"}),
    )
    .await;
    assert!(
        receipt_notifications(&bursar).await.is_empty(),
        "NONE sends nothing"
    );
    let response = owner
        .patch(
            &format!("/schools/{}", owner.school),
            json!({"receipt_channel": "IN_APP"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let payment = posted(
        &bursar,
        json!({"student_id": student, "amount": "2000.00", "method": "CASH"}),
    )
    .await;
    let receipts = receipt_notifications(&bursar).await;
    assert_eq!(receipts.len(), 1);
    let notification = &receipts[0];
    assert_eq!(notification["type"], "IN_APP");
    assert_eq!(notification["recipients"], 1);
    assert_eq!(notification["sent"], 1);
    let receipt_no = payment["receipt_no"].as_str().unwrap();
    assert!(
        notification["subject"]
            .as_str()
            .unwrap()
            .contains(receipt_no)
    );
    let (_, detail) = bursar
        .get_json(&format!(
            "/notifications/{}",
            notification["id"].as_str().unwrap()
        ))
        .await;
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["status"], "SENT");
    assert!(detail["body"].as_str().unwrap().contains("KES 2,000.00"));
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_receipts_by_email_a_posted_payment_emails_one_receipt_to_the_primary_guardian() {
    let app = TestApp::spawn().await;
    let (owner, bursar, student, _) = two_terms(&app).await;
    let response = owner
        .patch(
            &format!("/schools/{}", owner.school),
            json!({"receipt_channel": "EMAIL"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    posted(
        &bursar,
        json!({"student_id": student, "amount": "2000.00", "method": "CASH"}),
    )
    .await;
    let receipts = receipt_notifications(&bursar).await;
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0]["type"], "EMAIL");
    assert_eq!(receipts[0]["recipients"], 1);
    let path = format!("/notifications/{}", receipts[0]["id"].as_str().unwrap());
    let detail = bursar
        .eventually(&path, |n| n["deliveries"][0]["status"] == "SENT")
        .await;
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["address"], "grace@example.com");
    assert_eq!(deliveries[0]["channel"], "EMAIL");
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_by_email_to_a_guardian_without_email_fails_with_the_reason_and_no_guardian_gets_none()
 {
    let app = TestApp::spawn().await;
    let (owner, bursar, _, _) = two_terms(&app).await;
    let response = owner
        .patch(
            &format!("/schools/{}", owner.school),
            json!({"receipt_channel": "EMAIL"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let no_email = owner
        .create("/students", json!({
            "admission_no": "ADM-2025-002", "first_name": "Baraka", "last_name": "Mwangi",
            "primary_guardian": {"first_name": "Peter", "last_name": "Mwangi", "phone": "0712345678"}}))
        .await;
    let no_guardian = owner
        .create(
            "/students",
            json!({"admission_no": "ADM-2025-003", "first_name": "Chebet", "last_name": "Kip"}),
        )
        .await;
    posted(
        &bursar,
        json!({"student_id": no_guardian["id"], "amount": "300.00", "method": "CASH"}),
    )
    .await;
    assert!(receipt_notifications(&bursar).await.is_empty());
    posted(
        &bursar,
        json!({"student_id": no_email["id"], "amount": "300.00", "method": "CASH"}),
    )
    .await;
    let receipts = receipt_notifications(&bursar).await;
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0]["failed"], 1);
    let (_, detail) = bursar
        .get_json(&format!(
            "/notifications/{}",
            receipts[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(detail["deliveries"][0]["status"], "FAILED");
    assert_eq!(
        detail["deliveries"][0]["error"],
        "the guardian has no email address"
    );
}
