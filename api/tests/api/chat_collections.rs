//! The chat's collections answer counts what the ledger counts: a payment
//! is received once it is posted (1000 = posted payments), so one still
//! pending or one whose posting failed is not in the term's figure.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    chat::{ask, new_chat},
    helpers::{Member, TestApp},
    invoicing::class_of,
};

/// A payment row as the api writes one, in a posting state no worker will
/// change: no job is queued for it.
async fn unposted_payment(
    app: &TestApp,
    recorded_by: &Member,
    student: Uuid,
    amount: &str,
    paid_at: &str,
    posting_status: &str,
) {
    let mut tx = app.tenant_tx(recorded_by.school).await;
    sqlx::query(
        "INSERT INTO payments (school_id, id, student_id, amount, method, paid_at, posting_status, recorded_by)
         VALUES (app_school_id(), $1, $2, $3::numeric, 'CASH', $4::timestamptz, $5, $6)",
    )
    .bind(Uuid::now_v7())
    .bind(student)
    .bind(amount)
    .bind(paid_at)
    .bind(posting_status)
    .bind(recorded_by.user_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_count_as_received_only_payments_posted_to_the_ledger() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, _class) = class_of(&app, 1).await;
    let (_, students) = owner.get_json("/students?q=ADM-2025-001").await;
    let student: Uuid = students[0]["id"].as_str().unwrap().parse().unwrap();
    let (_, terms) = owner.get_json("/terms").await;
    let term = terms
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == 1)
        .unwrap()
        .clone();
    let year = term["year"].as_i64().unwrap();
    let paid_at = format!("{}T09:00:00+03:00", term["starts_on"].as_str().unwrap());

    let response = owner
        .post("/payments", json!({"student_id": student, "amount": "1000.00", "method": "CASH", "paid_at": paid_at}))
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let payment: Value = response.json().await.unwrap();
    let path = format!("/payments/{}", payment["id"].as_str().unwrap());
    owner
        .eventually(&path, |p| p["posting_status"] == "POSTED")
        .await;
    unposted_payment(&app, &owner, student, "200.00", &paid_at, "PENDING").await;
    unposted_payment(&app, &owner, student, "30.00", &paid_at, "FAILED").await;

    let chat = new_chat(&owner).await;
    let answer = ask(
        &owner,
        chat,
        &format!("how much have we collected in term 1 {year}?"),
    )
    .await;
    assert_eq!(answer["action"]["intent"], "collections", "{answer}");
    assert_eq!(
        answer["action"]["result"]["received_in_term"], "1000.00",
        "{answer}"
    );
    let content = answer["content"].as_str().unwrap();
    assert!(content.contains(": KES 1,000.00."), "{content}");
}
