//! Money under attack, beyond payments.rs: duplicates raced, keys reused
//! by another member, references disguised by case, payments against what
//! may not be paid, and amounts at the edge of numeric(14,2).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::{class_of, generate},
};

/// A school with two pupils, each with a Term 1 2025 invoice of 18,500.00.
async fn invoiced(app: &TestApp) -> (Member, Vec<Value>) {
    app.start_worker();
    let (owner, class) = class_of(app, 2).await;
    generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let (_, invoices) = owner.get_json("/invoices").await;
    (owner, invoices.as_array().unwrap().clone())
}

async fn payments(session: &Member) -> Vec<Value> {
    let (_, rows) = session.get_json("/payments").await;
    rows.as_array().unwrap().clone()
}

async fn posted(session: &Member, payment: &Value) -> Value {
    let path = format!("/payments/{}", payment["id"].as_str().unwrap());
    session
        .eventually(&path, |p| p["posting_status"] != "PENDING")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_mpesa_reference_sent_concurrently_is_recorded_and_posted_once() {
    let app = TestApp::spawn().await;
    let (owner, invoices) = invoiced(&app).await;
    let body = json!({"invoice_id": invoices[0]["id"], "amount": "1000.00", "method": "MPESA", "txn_ref": "QKH94M1Z11"});
    let send = || owner.request(Method::POST, "/payments").json(&body).send();
    let answers = futures_util::future::join_all((0..8).map(|_| send())).await;
    let mut created = 0;
    for answer in answers {
        let answer = answer.unwrap();
        if answer.status() == StatusCode::CREATED {
            created += 1;
        } else {
            assert_problem(answer, StatusCode::CONFLICT, "duplicate_payment_reference").await;
        }
    }
    assert_eq!(created, 1);
    let recorded = payments(&owner).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        posted(&owner, &recorded[0]).await["posting_status"],
        "POSTED"
    );
    let (_, invoice) = owner
        .get_json(&format!(
            "/invoices/{}",
            invoices[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(invoice["paid"], "1000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mpesa_reference_in_other_case_or_padding_is_still_a_duplicate() {
    let app = TestApp::spawn().await;
    let (owner, invoices) = invoiced(&app).await;
    let pay = |txn_ref: &str| {
        owner.request(Method::POST, "/payments")
            .json(&json!({"invoice_id": invoices[0]["id"], "amount": 500, "method": "MPESA", "txn_ref": txn_ref}))
            .send()
    };
    let first = pay("QKH94M1Z11").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["txn_ref"], "QKH94M1Z11");
    for disguised in ["qkh94m1z11", " QKH94M1Z11 ", "Qkh94M1z11"] {
        let again = pay(disguised).await.unwrap();
        assert_problem(again, StatusCode::CONFLICT, "duplicate_payment_reference").await;
    }
    assert_eq!(payments(&owner).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_with_one_idempotency_key_record_one_payment() {
    let app = TestApp::spawn().await;
    let (owner, invoices) = invoiced(&app).await;
    let body = json!({"invoice_id": invoices[0]["id"], "amount": 700, "method": "CASH"});
    let send = || {
        owner
            .request(Method::POST, "/payments")
            .header("Idempotency-Key", "till-7-0042")
            .json(&body)
            .send()
    };
    let answers = futures_util::future::join_all((0..6).map(|_| send())).await;
    let mut bodies = Vec::new();
    for answer in answers {
        let answer = answer.unwrap();
        if answer.status() == StatusCode::CREATED {
            bodies.push(answer.json::<Value>().await.unwrap());
        } else {
            assert_problem(answer, StatusCode::CONFLICT, "idempotency_key_in_use").await;
        }
    }
    assert!(!bodies.is_empty());
    assert!(
        bodies.iter().all(|b| b["id"] == bodies[0]["id"]),
        "{bodies:?}"
    );
    let recorded = payments(&owner).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["id"], bodies[0]["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_members_idempotency_key_neither_replays_nor_blocks_their_payment() {
    let app = TestApp::spawn().await;
    let (owner, invoices) = invoiced(&app).await;
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let pay = |session: &Member, amount: i64| {
        session
            .at(owner.school)
            .request(Method::POST, "/payments")
            .header("Idempotency-Key", "receipt-0001")
            .json(&json!({"invoice_id": invoices[0]["id"], "amount": amount, "method": "CASH"}))
            .send()
    };
    let mine = pay(&owner, 100).await.unwrap();
    assert_eq!(mine.status(), StatusCode::CREATED);
    let mine: Value = mine.json().await.unwrap();
    let theirs = pay(&bursar, 250).await.unwrap();
    assert_eq!(theirs.status(), StatusCode::CREATED);
    let theirs: Value = theirs.json().await.unwrap();
    assert_ne!(
        theirs["id"], mine["id"],
        "the owner's answer was replayed to the bursar"
    );
    assert_eq!(theirs["amount"], "250.00");
    assert_eq!(payments(&owner).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_against_a_cancelled_invoice_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (owner, invoices) = invoiced(&app).await;
    let cancel = format!("/invoices/{}/cancel", invoices[0]["id"].as_str().unwrap());
    let cancelled = owner
        .post(&cancel, json!({"reason": "Issued in error"}))
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let response = owner
        .post(
            "/payments",
            json!({"invoice_id": invoices[0]["id"], "amount": 100, "method": "CASH"}),
        )
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invoice_cancelled",
    )
    .await;
    assert!(payments(&owner).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_pupils_invoice_paid_in_another_pupils_name_is_refused() {
    let app = TestApp::spawn().await;
    let (owner, invoices) = invoiced(&app).await;
    let response = owner.post("/payments", json!({"invoice_id": invoices[0]["id"], "student_id": invoices[1]["student_id"], "amount": 100, "method": "CASH"})).await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invoice_student_mismatch",
    )
    .await;
    assert!(payments(&owner).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_for_a_withdrawn_pupil_is_recorded_against_their_arrears() {
    let app = TestApp::spawn().await;
    let (owner, invoices) = invoiced(&app).await;
    let student = invoices[0]["student_id"].as_str().unwrap();
    let withdraw = owner
        .patch(
            &format!("/students/{student}"),
            json!({"status": "WITHDRAWN"}),
        )
        .await;
    assert_eq!(withdraw.status(), StatusCode::OK);
    // Cash received for a pupil who left still has to reach the books.
    let payment = owner
        .create(
            "/payments",
            json!({"student_id": student, "amount": "18500.00", "method": "CASH"}),
        )
        .await;
    assert_eq!(posted(&owner, &payment).await["posting_status"], "POSTED");
    let (_, detail) = owner.get_json(&format!("/students/{student}")).await;
    assert_eq!(detail["balance"], "0.00");
    // But no new term is billed to them.
    let again = owner
        .request(Method::POST, "/invoices/generate")
        .header("Prefer", "wait=20")
        .json(&json!({"student_id": student, "term": 2, "year": 2025}))
        .send()
        .await
        .unwrap();
    let status = again.status();
    let body: Value = again.json().await.unwrap();
    let (_, term_2) = owner
        .get_json(&format!("/invoices?student_id={student}&term=2"))
        .await;
    assert_eq!(term_2, json!([]), "{status} {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overpayment_named_against_one_invoice_leaves_the_others_alone() {
    let app = TestApp::spawn().await;
    let (owner, invoices) = invoiced(&app).await;
    let student = invoices[0]["student_id"].as_str().unwrap().to_string();
    generate(
        &owner,
        json!({"student_id": student, "term": 2, "year": 2025}),
    )
    .await;
    let (_, mine) = owner
        .get_json(&format!("/invoices?student_id={student}"))
        .await;
    let term = |t: i64| {
        mine.as_array()
            .unwrap()
            .iter()
            .find(|i| i["term"] == t)
            .unwrap()
            .clone()
    };
    let payment = owner
        .create(
            "/payments",
            json!({"invoice_id": term(2)["id"], "amount": "20000", "method": "CASH"}),
        )
        .await;
    posted(&owner, &payment).await;
    let (_, after) = owner
        .get_json(&format!("/invoices?student_id={student}"))
        .await;
    let after = |t: i64| {
        after
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["term"] == t)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (after(2)["status"].as_str(), after(2)["paid"].as_str()),
        (Some("PAID"), Some("18500.00"))
    );
    assert_eq!(
        (after(1)["status"].as_str(), after(1)["paid"].as_str()),
        (Some("UNPAID"), Some("0.00"))
    );
    let (_, detail) = owner.get_json(&format!("/students/{student}")).await;
    assert_eq!(
        detail["balance"], "17000.00",
        "18,500 owed on term 1 less 1,500 credit"
    );
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_largest_amount_numeric_14_2_holds_posts_and_the_next_one_up_is_refused() {
    let app = TestApp::spawn().await;
    let (owner, invoices) = invoiced(&app).await;
    let student = invoices[0]["student_id"].as_str().unwrap();
    let too_big = owner
        .post(
            "/payments",
            json!({"student_id": student, "amount": "1000000000000.00", "method": "CASH"}),
        )
        .await;
    assert_problem(too_big, StatusCode::BAD_REQUEST, "invalid_body").await;
    let payment = owner
        .create(
            "/payments",
            json!({"student_id": student, "amount": "999999999999.99", "method": "CASH"}),
        )
        .await;
    assert_eq!(posted(&owner, &payment).await["posting_status"], "POSTED");
    let (_, detail) = owner.get_json(&format!("/students/{student}")).await;
    assert_eq!(detail["balance"], "-999999981499.99");
    assert_books_right(&app, &owner).await;
}
