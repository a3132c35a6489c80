use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp, assert_problem},
    invoicing::{generate, invoiced},
};

async fn pay(session: &Member, body: Value) -> Value {
    session.create("/payments", body).await
}

async fn posted(session: &Member, payment: &Value) -> Value {
    let path = format!("/payments/{}", payment["id"].as_str().unwrap());
    session
        .eventually(&path, |p| p["posting_status"] == "POSTED")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_is_recorded_pending_then_posted_against_the_invoice() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = invoiced(&app).await;
    let payment = pay(&owner, json!({"invoice_id": invoice["id"], "amount": 10000, "method": "MPESA", "txn_ref": "MPESA-DEMO-001"})).await;
    assert_eq!(payment["amount"], "10000.00");
    assert_eq!(payment["student_id"], invoice["student_id"]);
    posted(&owner, &payment).await;
    let (_, after) = owner
        .get_json(&format!("/invoices/{}", invoice["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        (
            after["paid"].as_str(),
            after["balance"].as_str(),
            after["status"].as_str()
        ),
        (Some("10000.00"), Some("8500.00"), Some("PARTIAL"))
    );
    let (_, student) = owner
        .get_json(&format!(
            "/students/{}",
            invoice["student_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(student["balance"], "8500.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_mpesa_reference_twice_is_a_conflict_and_posts_once() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = invoiced(&app).await;
    let body = json!({"student_id": invoice["student_id"], "amount": "500.00", "method": "MPESA", "txn_ref": "QKH94M1Z11"});
    let first = pay(&owner, body.clone()).await;
    let again = owner
        .request(Method::POST, "/payments")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::CONFLICT, "duplicate_payment_reference").await;
    posted(&owner, &first).await;
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_returns_the_first_answer_and_refuses_a_different_body() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = invoiced(&app).await;
    let body = json!({"invoice_id": invoice["id"], "amount": 1000, "method": "CASH"});
    let send = |body: Value| {
        owner
            .request(Method::POST, "/payments")
            .header("Idempotency-Key", "till-7-0001")
            .json(&body)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let retry = send(body.clone()).await.unwrap();
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.json::<Value>().await.unwrap(), first);
    let changed = send(json!({"invoice_id": invoice["id"], "amount": 2000, "method": "CASH"}))
        .await
        .unwrap();
    assert_problem(
        changed,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overpayment_becomes_credit_that_the_next_invoice_uses() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = invoiced(&app).await;
    let student = invoice["student_id"].as_str().unwrap().to_string();
    let payment = pay(
        &owner,
        json!({"student_id": student, "amount": "20000.00", "method": "BANK", "txn_ref": "EQ-123"}),
    )
    .await;
    posted(&owner, &payment).await;
    let (_, detail) = owner.get_json(&format!("/students/{student}")).await;
    assert_eq!(detail["balance"], "-1500.00", "1,500 held as credit");

    let operation = generate(
        &owner,
        json!({"student_id": student, "term": 2, "year": 2025}),
    )
    .await;
    assert_eq!(operation["result"]["credit_applied"], "1500.00");
    let (_, invoices) = owner
        .get_json(&format!("/invoices?student_id={student}&term=2"))
        .await;
    assert_eq!(
        (invoices[0]["paid"].as_str(), invoices[0]["status"].as_str()),
        (Some("1500.00"), Some("PARTIAL"))
    );
    let (_, detail) = owner.get_json(&format!("/students/{student}")).await;
    assert_eq!(detail["balance"], "17000.00");
    let (_, statement) = owner
        .get_json(&format!("/students/{student}/statement"))
        .await;
    let balances: Vec<&str> = statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["balance"].as_str().unwrap())
        .collect();
    assert_eq!(balances, ["18500.00", "-1500.00", "17000.00"]);
    assert_eq!(statement["balance"], "17000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_payment_fills_the_oldest_invoice_first() {
    let app = TestApp::spawn().await;
    let (owner, first) = invoiced(&app).await;
    let student = first["student_id"].as_str().unwrap().to_string();
    generate(
        &owner,
        json!({"student_id": student, "term": 2, "year": 2025}),
    )
    .await;
    let payment = pay(
        &owner,
        json!({"student_id": student, "amount": "20000", "method": "CASH"}),
    )
    .await;
    posted(&owner, &payment).await;
    let (_, invoices) = owner
        .get_json(&format!("/invoices?student_id={student}"))
        .await;
    let by_term = |term: i64| {
        invoices
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["term"] == term)
            .unwrap()
            .clone()
    };
    assert_eq!(by_term(1)["status"], "PAID");
    assert_eq!(by_term(2)["paid"], "1500.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_payments_are_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = invoiced(&app).await;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;
    let id = invoice["id"].clone();
    let cases = [
        (
            json!({"invoice_id": id, "amount": 0, "method": "CASH"}),
            StatusCode::BAD_REQUEST,
            "invalid_amount",
        ),
        (
            json!({"invoice_id": id, "amount": -5, "method": "CASH"}),
            StatusCode::BAD_REQUEST,
            "invalid_amount",
        ),
        (
            json!({"invoice_id": id, "amount": "10.005", "method": "CASH"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"invoice_id": id, "amount": 1e30, "method": "CASH"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"invoice_id": id, "amount": "NaN", "method": "CASH"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"invoice_id": id, "amount": 10, "method": "BITCOIN"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"invoice_id": id, "amount": 10, "method": "MPESA"}),
            StatusCode::BAD_REQUEST,
            "txn_ref_required",
        ),
        (
            json!({"invoice_id": id, "amount": 10, "method": "BANK", "txn_ref": "x".repeat(65)}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"amount": 10, "method": "CASH"}),
            StatusCode::BAD_REQUEST,
            "invalid_target",
        ),
        (
            json!({"invoice_id": Uuid::new_v4(), "amount": 10, "method": "CASH"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_invoice",
        ),
        (
            json!({"student_id": Uuid::new_v4(), "amount": 10, "method": "CASH"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_student",
        ),
        (
            json!({"invoice_id": id, "amount": 10, "method": "CASH", "paid_at": "2999-01-01T00:00:00Z"}),
            StatusCode::BAD_REQUEST,
            "invalid_paid_at",
        ),
    ];
    for (body, status, code) in cases {
        let response = owner
            .request(Method::POST, "/payments")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(response, status, code).await;
    }
    let by_teacher = teacher
        .at(owner.school)
        .post(
            "/payments",
            json!({"invoice_id": id, "amount": 10, "method": "CASH"}),
        )
        .await;
    assert_problem(by_teacher, StatusCode::FORBIDDEN, "insufficient_role").await;
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments, json!([]));
}
