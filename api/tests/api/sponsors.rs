//! Sponsors: a sponsored adjustment's share is owed by the sponsor on 1150
//! (the invoice's `sponsored`), never asked of the family; sponsor
//! payments settle shares oldest first; the statement; cancelling. The
//! books are checked after each money step.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    adjustments::{adjust, invoice_of, school_with_bursar},
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::generate,
};

pub async fn sponsor(bursar: &Member) -> String {
    let sponsor = bursar
        .create(
            "/sponsors",
            json!({"name": "Nairobi County Bursary", "contact": "0722000111"}),
        )
        .await;
    assert_eq!(sponsor["balance"], "0.00");
    sponsor["id"].as_str().unwrap().to_string()
}

async fn pay(bursar: &Member, sponsor: &str, body: Value) -> reqwest::Response {
    bursar
        .post(&format!("/sponsors/{sponsor}/payments"), body)
        .await
}

async fn cancel(bursar: &Member, invoice: &Value) -> reqwest::Response {
    bursar
        .post(
            &format!("/invoices/{}/cancel", invoice["id"].as_str().unwrap()),
            json!({"reason": "Left the school"}),
        )
        .await
}

/// A sponsored half of Tuition (7,500.00 of 18,500.00) for terms 1 and 2.
pub async fn sponsored_two_terms(app: &TestApp) -> (Member, String, String) {
    let (bursar, class, student) = school_with_bursar(app).await;
    let sponsor = sponsor(&bursar).await;
    adjust(
        &bursar,
        json!({"student_id": student, "kind": "BURSARY", "percent": 50,
        "item": "Tuition", "sponsor_id": sponsor, "reason": "County bursary 2025"}),
    )
    .await;
    generate(&bursar, json!({"class_id": class, "term": 1, "year": 2025})).await;
    generate(&bursar, json!({"class_id": class, "term": 2, "year": 2025})).await;
    (bursar, sponsor, student)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sponsored_share_is_owed_on_1150_and_the_family_is_only_ever_asked_for_the_rest() {
    let app = TestApp::spawn().await;
    let (bursar, class, student) = school_with_bursar(&app).await;
    let sponsor = sponsor(&bursar).await;
    adjust(
        &bursar,
        json!({"student_id": student, "kind": "BURSARY", "percent": 50,
        "item": "Tuition", "sponsor_id": sponsor, "reason": "County bursary 2025"}),
    )
    .await;
    generate(&bursar, json!({"class_id": class, "term": 1, "year": 2025})).await;

    let (invoice, lines) = invoice_of(&bursar, &student, 1).await;
    assert_eq!(invoice["total"], "18500.00");
    assert_eq!(invoice["sponsored"], "7500.00");
    assert_eq!(invoice["balance"], "11000.00");
    assert_eq!(invoice["status"], "UNPAID");
    assert!(lines.values().all(|amount| !amount.starts_with('-')));
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.receivable.to_string(), "11000.00");
    assert_eq!(books.sponsor_receivable.to_string(), "7500.00");

    // What the family is asked for: the student's balance (chat, the
    // student page), the statement and the reminders' audience.
    let (_, detail) = bursar.get_json(&format!("/students/{student}")).await;
    assert_eq!(detail["balance"], "11000.00");
    let (_, statement) = bursar
        .get_json(&format!("/students/{student}/statement"))
        .await;
    assert_eq!(statement["balance"], "11000.00");
    let mut tx = app.tenant_tx(bursar.school).await;
    let audience = shared::domain::notification::balance_audience(&mut tx, Some(class))
        .await
        .unwrap();
    let chat_balance = shared::domain::student::balance(&mut tx, student.parse().unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audience.owed.to_string(), "11000.00");
    assert_eq!(chat_balance.to_string(), "11000.00");

    let (_, owed) = bursar.get_json(&format!("/sponsors/{sponsor}")).await;
    assert_eq!(owed["balance"], "7500.00");
    let (_, statement) = bursar
        .get_json(&format!("/sponsors/{sponsor}/statement"))
        .await;
    assert_eq!(statement["charged"], "7500.00");
    assert_eq!(statement["balance"], "7500.00");
    let movement = &statement["movements"][0];
    assert_eq!(movement["kind"], "CHARGE");
    assert_eq!(movement["student_id"], student.as_str());
    assert_eq!(movement["invoice_number"], invoice["number"]);
    assert_eq!(movement["admission_no"], "ADM-2025-001");
    assert_eq!(movement["amount"], "7500.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sponsor_payment_settles_the_oldest_share_first_and_more_than_owed_is_refused() {
    let app = TestApp::spawn().await;
    let (bursar, sponsor, student) = sponsored_two_terms(&app).await;
    let before = assert_books_right(&app, &bursar).await;
    assert_eq!(before.sponsor_receivable.to_string(), "15000.00");

    assert_problem(
        pay(
            &bursar,
            &sponsor,
            json!({"amount": "15000.01", "method": "CASH"}),
        )
        .await,
        StatusCode::CONFLICT,
        "payment_exceeds_sponsor_balance",
    )
    .await;

    let response = pay(
        &bursar,
        &sponsor,
        json!({"amount": "10000.00", "method": "BANK",
        "txn_ref": "EFT-001"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let payment: Value = response.json().await.unwrap();
    let (first, _) = invoice_of(&bursar, &student, 1).await;
    let (second, _) = invoice_of(&bursar, &student, 2).await;
    assert_eq!(payment["applied"][0]["invoice_id"], first["id"]);
    assert_eq!(payment["applied"][0]["amount"], "7500.00");
    assert_eq!(payment["applied"][1]["invoice_id"], second["id"]);
    assert_eq!(payment["applied"][1]["amount"], "2500.00");
    // The family's invoices are untouched by the sponsor's money.
    assert_eq!(first["balance"], "11000.00");
    assert_eq!(second["balance"], "11000.00");

    let after = assert_books_right(&app, &bursar).await;
    assert_eq!(after.sponsor_receivable.to_string(), "5000.00");
    assert_eq!(after.cash.to_string(), "10000.00");
    assert_eq!(after.receivable, before.receivable);

    assert_problem(
        pay(
            &bursar,
            &sponsor,
            json!({"amount": "100", "method": "BANK", "txn_ref": "EFT-001"}),
        )
        .await,
        StatusCode::CONFLICT,
        "duplicate_payment_reference",
    )
    .await;
    assert_problem(
        pay(
            &bursar,
            &sponsor,
            json!({"amount": "5000.01", "method": "CASH"}),
        )
        .await,
        StatusCode::CONFLICT,
        "payment_exceeds_sponsor_balance",
    )
    .await;
    let response = pay(
        &bursar,
        &sponsor,
        json!({"amount": "5000", "method": "CHEQUE"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.sponsor_receivable.to_string(), "0.00");

    let (_, statement) = bursar
        .get_json(&format!("/sponsors/{sponsor}/statement"))
        .await;
    assert_eq!(
        (
            &statement["charged"],
            &statement["paid"],
            &statement["balance"]
        ),
        (&json!("15000.00"), &json!("15000.00"), &json!("0.00"))
    );
    let kinds: Vec<(&str, &str)> = statement["movements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["kind"].as_str().unwrap(), m["balance"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("CHARGE", "7500.00"),
            ("CHARGE", "15000.00"),
            ("PAYMENT", "5000.00"),
            ("PAYMENT", "0.00")
        ]
    );
    assert_problem(
        pay(&bursar, &sponsor, json!({"amount": "1", "method": "CASH"})).await,
        StatusCode::CONFLICT,
        "payment_exceeds_sponsor_balance",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_sponsor_payment_under_one_idempotency_key_is_recorded_once() {
    let app = TestApp::spawn().await;
    let (bursar, sponsor, _) = sponsored_two_terms(&app).await;
    let send = || {
        bursar
            .request(
                reqwest::Method::POST,
                &format!("/sponsors/{sponsor}/payments"),
            )
            .header("Idempotency-Key", "sponsor-cheque-17")
            .json(&json!({"amount": "3000", "method": "CHEQUE"}))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let second = send().await.unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.cash.to_string(), "3000.00");
    assert_eq!(books.sponsor_receivable.to_string(), "12000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_invoice_closes_its_unpaid_sponsor_share_but_not_one_the_sponsor_paid_on() {
    let app = TestApp::spawn().await;
    let (bursar, sponsor, student) = sponsored_two_terms(&app).await;
    let response = pay(
        &bursar,
        &sponsor,
        json!({"amount": "7500", "method": "CASH"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let (first, _) = invoice_of(&bursar, &student, 1).await;
    let (second, _) = invoice_of(&bursar, &student, 2).await;
    assert_problem(
        cancel(&bursar, &first).await,
        StatusCode::CONFLICT,
        "invoice_has_payments",
    )
    .await;
    let response = cancel(&bursar, &second).await;
    assert_eq!(response.status(), StatusCode::OK);
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.sponsor_receivable.to_string(), "0.00");
    assert_eq!(books.receivable.to_string(), "11000.00");
    let (_, statement) = bursar
        .get_json(&format!("/sponsors/{sponsor}/statement"))
        .await;
    assert_eq!(statement["balance"], "0.00");
    assert_eq!(
        statement["movements"].as_array().unwrap().last().unwrap()["kind"],
        "CANCELLED"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sponsor_name_is_unique_and_an_unknown_sponsor_is_not_found() {
    let app = TestApp::spawn().await;
    let (bursar, _, _) = school_with_bursar(&app).await;
    sponsor(&bursar).await;
    assert_problem(
        bursar
            .post("/sponsors", json!({"name": "nairobi county bursary"}))
            .await,
        StatusCode::CONFLICT,
        "duplicate_sponsor",
    )
    .await;
    let (_, all) = bursar.get_json("/sponsors").await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let missing = uuid::Uuid::now_v7();
    assert_problem(
        bursar.get(&format!("/sponsors/{missing}/statement")).await,
        StatusCode::NOT_FOUND,
        "sponsor_not_found",
    )
    .await;
    assert_problem(
        pay(
            &bursar,
            &missing.to_string(),
            json!({"amount": "1", "method": "CASH"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "sponsor_not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reversing_a_bounced_sponsor_cheque_reopens_the_shares_it_paid_and_takes_the_cash_back() {
    let app = TestApp::spawn().await;
    let (bursar, sponsor, _) = sponsored_two_terms(&app).await;
    let response = pay(
        &bursar,
        &sponsor,
        json!({"amount": "9000", "method": "CHEQUE"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let payment: Value = response.json().await.unwrap();
    assert_eq!(
        assert_books_right(&app, &bursar)
            .await
            .sponsor_receivable
            .to_string(),
        "6000.00"
    );

    let path = format!(
        "/sponsor-payments/{}/reverse",
        payment["id"].as_str().unwrap()
    );
    let response = bursar
        .post(&path, json!({"reason": "Cheque returned unpaid"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let reversed: Value = response.json().await.unwrap();
    assert_eq!(reversed["reversal_reason"], "Cheque returned unpaid");
    assert_eq!(reversed["applied"].as_array().unwrap().len(), 2);
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.sponsor_receivable.to_string(), "15000.00");
    assert_eq!(books.cash.to_string(), "0.00");

    // A second call changes nothing.
    let again: Value = bursar
        .post(&path, json!({"reason": "Cheque returned unpaid"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["reversed_at"], reversed["reversed_at"]);
    assert_books_right(&app, &bursar).await;
    let (_, statement) = bursar
        .get_json(&format!("/sponsors/{sponsor}/statement"))
        .await;
    assert_eq!(
        (&statement["paid"], &statement["balance"]),
        (&json!("0.00"), &json!("15000.00"))
    );
    assert_eq!(
        statement["movements"].as_array().unwrap().last().unwrap()["kind"],
        "REVERSAL"
    );
    // The reopened shares can be paid again.
    let response = pay(
        &bursar,
        &sponsor,
        json!({"amount": "15000", "method": "CASH"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_books_right(&app, &bursar).await;
}
