//! Corrections to payments: reversing a POSTED payment (POST
//! /payments/{id}/reverse) and refunding a student's credit (POST
//! /students/{id}/refunds), with the books checked after each step.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::{class_of, generate},
};

/// One student invoiced Term 1 and Term 2 2025 (18,500.00 each), the
/// worker running; returns the owner, the student and the invoices.
async fn two_terms(app: &TestApp) -> (Member, String, Vec<Value>) {
    app.start_worker();
    let (owner, class) = class_of(app, 1).await;
    generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    generate(&owner, json!({"class_id": class, "term": 2, "year": 2025})).await;
    let (_, invoices) = owner.get_json("/invoices").await;
    let mut invoices = invoices.as_array().unwrap().clone();
    invoices.sort_by_key(|i| i["term"].as_i64());
    let student = invoices[0]["student_id"].as_str().unwrap().to_string();
    (owner, student, invoices)
}

async fn paid(owner: &Member, body: Value) -> Value {
    let payment = owner.create("/payments", body).await;
    let path = format!("/payments/{}", payment["id"].as_str().unwrap());
    owner
        .eventually(&path, |p| p["posting_status"] == "POSTED")
        .await
}

async fn reverse(owner: &Member, payment: &Value) -> reqwest::Response {
    owner
        .post(
            &format!("/payments/{}/reverse", payment["id"].as_str().unwrap()),
            json!({"reason": "Cheque returned unpaid"}),
        )
        .await
}

async fn invoice(owner: &Member, invoice: &Value) -> (String, String) {
    let (_, now) = owner
        .get_json(&format!("/invoices/{}", invoice["id"].as_str().unwrap()))
        .await;
    (
        now["paid"].as_str().unwrap().to_string(),
        now["status"].as_str().unwrap().to_string(),
    )
}

async fn balance(owner: &Member, student: &str) -> String {
    let (_, detail) = owner.get_json(&format!("/students/{student}")).await;
    detail["balance"].as_str().unwrap().to_string()
}

async fn reversing_entries(app: &TestApp, owner: &Member, payment: &Value) -> i64 {
    let id: Uuid = payment["id"].as_str().unwrap().parse().unwrap();
    let mut tx = app.tenant_tx(owner.school).await;
    let n = sqlx::query_scalar(
        "SELECT count(*) FROM journal_entries WHERE source_type = 'payment_reversal' AND source_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reversing_a_payment_that_paid_an_invoice_reopens_it_and_puts_1100_back() {
    let app = TestApp::spawn().await;
    let (owner, student, invoices) = two_terms(&app).await;
    let before = assert_books_right(&app, &owner).await;
    let payment = paid(
        &owner,
        json!({"invoice_id": invoices[0]["id"], "amount": "18500.00", "method": "CHEQUE"}),
    )
    .await;
    assert_eq!(
        invoice(&owner, &invoices[0]).await,
        ("18500.00".into(), "PAID".into())
    );
    assert_books_right(&app, &owner).await;

    let answer = reverse(&owner, &payment).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let reversed: Value = answer.json().await.unwrap();
    assert_eq!(reversed["posting_status"], "REVERSED");
    assert_eq!(reversed["reversal_reason"], "Cheque returned unpaid");
    assert!(reversed["reversed_at"].is_string() && reversed["reversed_by"].is_string());
    assert_eq!(
        invoice(&owner, &invoices[0]).await,
        ("0.00".into(), "UNPAID".into())
    );
    assert_eq!(balance(&owner, &student).await, "37000.00");
    let after = assert_books_right(&app, &owner).await;
    assert_eq!(
        (after.receivable, after.cash),
        (before.receivable, before.cash)
    );
    let (_, statement) = owner
        .get_json(&format!("/students/{student}/statement"))
        .await;
    assert_eq!(statement["balance"], "37000.00");
    assert_eq!(
        statement["lines"].as_array().unwrap().last().unwrap()["source_type"],
        "payment_reversal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reversing_a_payment_split_across_two_invoices_and_credit_reopens_both_and_takes_the_credit_back()
 {
    let app = TestApp::spawn().await;
    let (owner, student, invoices) = two_terms(&app).await;
    let payment = paid(&owner, json!({"student_id": student, "amount": "38000.00", "method": "MPESA", "txn_ref": "QKH94M1Z11"})).await;
    assert_eq!(invoice(&owner, &invoices[0]).await.1, "PAID");
    assert_eq!(invoice(&owner, &invoices[1]).await.1, "PAID");
    assert_eq!(balance(&owner, &student).await, "-1000.00");
    assert_books_right(&app, &owner).await;

    assert_eq!(reverse(&owner, &payment).await.status(), StatusCode::OK);
    assert_eq!(
        invoice(&owner, &invoices[0]).await,
        ("0.00".into(), "UNPAID".into())
    );
    assert_eq!(
        invoice(&owner, &invoices[1]).await,
        ("0.00".into(), "UNPAID".into())
    );
    assert_eq!(balance(&owner, &student).await, "37000.00");
    let books = assert_books_right(&app, &owner).await;
    assert_eq!(books.unearned, shared::domain::money::Money::ZERO);

    // The M-Pesa code stays reserved: the reversed payment keeps it.
    let again = owner
        .post("/payments", json!({"student_id": student, "amount": "100", "method": "MPESA", "txn_ref": "QKH94M1Z11"}))
        .await;
    assert_problem(again, StatusCode::CONFLICT, "duplicate_payment_reference").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reversing_twice_even_at_once_writes_one_entry_and_answers_the_same_payment() {
    let app = TestApp::spawn().await;
    let (owner, _, invoices) = two_terms(&app).await;
    let payment = paid(
        &owner,
        json!({"invoice_id": invoices[0]["id"], "amount": "5000", "method": "CASH"}),
    )
    .await;
    let (a, b) = tokio::join!(reverse(&owner, &payment), reverse(&owner, &payment));
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let first: Value = a.json().await.unwrap();
    assert_eq!(first, b.json::<Value>().await.unwrap());
    let third = reverse(&owner, &payment).await;
    assert_eq!(third.status(), StatusCode::OK);
    assert_eq!(third.json::<Value>().await.unwrap(), first);
    assert_eq!(reversing_entries(&app, &owner, &payment).await, 1);
    assert_eq!(
        invoice(&owner, &invoices[0]).await,
        ("0.00".into(), "UNPAID".into())
    );
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_payment_cannot_be_reversed() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let student = owner.student("ADM-001").await;
    let payment = owner
        .create(
            "/payments",
            json!({"student_id": student, "amount": "100", "method": "CASH"}),
        )
        .await;
    assert_problem(
        reverse(&owner, &payment).await,
        StatusCode::CONFLICT,
        "payment_not_posted",
    )
    .await;
    let (_, now) = owner
        .get_json(&format!("/payments/{}", payment["id"].as_str().unwrap()))
        .await;
    assert_eq!(now["posting_status"], "PENDING");
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_schools_payment_is_not_found_and_teachers_and_viewers_may_not_reverse_or_refund() {
    let app = TestApp::spawn().await;
    let (owner, student, invoices) = two_terms(&app).await;
    let payment = paid(
        &owner,
        json!({"invoice_id": invoices[0]["id"], "amount": "20000", "method": "CASH"}),
    )
    .await;
    let other = app
        .owner_with_school("other@example.com", "Other School")
        .await;
    assert_problem(
        reverse(&other, &payment).await,
        StatusCode::NOT_FOUND,
        "payment_not_found",
    )
    .await;
    let refund = json!({"amount": "100", "method": "CASH", "reason": "Overpaid"});
    let elsewhere = other
        .post(&format!("/students/{student}/refunds"), refund.clone())
        .await;
    assert_problem(elsewhere, StatusCode::NOT_FOUND, "student_not_found").await;
    for role in ["TEACHER", "VIEWER"] {
        let member = owner
            .add_member(&format!("{role}@example.com").to_lowercase(), role)
            .await;
        assert_problem(
            reverse(&member, &payment).await,
            StatusCode::FORBIDDEN,
            "insufficient_role",
        )
        .await;
        let refused = member
            .post(&format!("/students/{student}/refunds"), refund.clone())
            .await;
        assert_problem(refused, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
    let (_, now) = owner
        .get_json(&format!("/payments/{}", payment["id"].as_str().unwrap()))
        .await;
    assert_eq!(now["posting_status"], "POSTED");
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_within_the_credit_pays_it_out_of_cash_and_one_over_it_is_refused() {
    let app = TestApp::spawn().await;
    let (owner, student, invoices) = two_terms(&app).await;
    paid(
        &owner,
        json!({"invoice_id": invoices[0]["id"], "amount": "20000", "method": "CASH"}),
    )
    .await;
    let before = assert_books_right(&app, &owner).await;
    assert_eq!(before.unearned.to_string(), "1500.00");
    let path = format!("/students/{student}/refunds");

    let over = owner
        .post(
            &path,
            json!({"amount": "1500.01", "method": "CASH", "reason": "Overpaid"}),
        )
        .await;
    assert_problem(over, StatusCode::CONFLICT, "refund_exceeds_credit").await;
    let no_ref = owner
        .post(
            &path,
            json!({"amount": "100", "method": "MPESA", "reason": "Overpaid"}),
        )
        .await;
    assert_problem(no_ref, StatusCode::BAD_REQUEST, "txn_ref_required").await;
    assert_eq!(assert_books_right(&app, &owner).await, before);

    let send = || {
        owner
            .request(Method::POST, &path)
            .header("Idempotency-Key", "refund-0001")
            .json(&json!({"amount": "1000", "method": "MPESA", "txn_ref": "rkt52n8q03", "reason": "Overpaid Term 1"}))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        (first["amount"].as_str(), first["txn_ref"].as_str()),
        (Some("1000.00"), Some("RKT52N8Q03"))
    );
    let retry = send().await.unwrap();
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.json::<Value>().await.unwrap(), first);

    let after = assert_books_right(&app, &owner).await;
    assert_eq!(after.unearned.to_string(), "500.00");
    assert_eq!(after.cash.to_string(), "19000.00");
    let (_, refunds) = owner.get_json(&path).await;
    assert_eq!(refunds.as_array().unwrap().len(), 1);
    assert_eq!(balance(&owner, &student).await, "18000.00");
    let (_, statement) = owner
        .get_json(&format!("/students/{student}/statement"))
        .await;
    assert_eq!(statement["balance"], "18000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_whose_credit_was_since_refunded_cannot_be_reversed() {
    let app = TestApp::spawn().await;
    let (owner, student, invoices) = two_terms(&app).await;
    let payment = paid(
        &owner,
        json!({"invoice_id": invoices[0]["id"], "amount": "20000", "method": "CHEQUE"}),
    )
    .await;
    let refunded = owner
        .post(
            &format!("/students/{student}/refunds"),
            json!({"amount": "1000", "method": "CASH", "reason": "Overpaid"}),
        )
        .await;
    assert_eq!(refunded.status(), StatusCode::CREATED);
    let before = assert_books_right(&app, &owner).await;
    assert_problem(
        reverse(&owner, &payment).await,
        StatusCode::CONFLICT,
        "credit_already_used",
    )
    .await;
    assert_eq!(assert_books_right(&app, &owner).await, before);
    assert_eq!(invoice(&owner, &invoices[0]).await.1, "PAID");
}
