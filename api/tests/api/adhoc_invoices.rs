//! One-off (ADHOC) invoices and cancelling an unpaid invoice: numbering,
//! posting, credit, the refusals, and the books after each step.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::{generate, invoiced},
};

fn uniform(student: &Value) -> Value {
    json!({"student_id": student, "term": 1, "year": 2025,
           "lines": [{"name": "Uniform", "amount": "3500.00"}], "memo": "Two sets"})
}

async fn charge(owner: &Member, body: Value) -> Value {
    let response = owner.post("/invoices", body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer
}

async fn cancel(owner: &Member, invoice: &Value) -> reqwest::Response {
    let path = format!("/invoices/{}/cancel", invoice["id"].as_str().unwrap());
    owner
        .post(&path, json!({"reason": "Charged to the wrong pupil"}))
        .await
}

async fn student_balance(owner: &Member, student: &Value) -> (Value, Value) {
    let student = student.as_str().unwrap();
    let (_, record) = owner.get_json(&format!("/students/{student}")).await;
    let (_, statement) = owner
        .get_json(&format!("/students/{student}/statement"))
        .await;
    (record["balance"].clone(), statement["balance"].clone())
}

async fn posted(owner: &Member, payment: &Value) {
    let path = format!("/payments/{}", payment["id"].as_str().unwrap());
    owner
        .eventually(&path, |p| p["posting_status"] == "POSTED")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_off_charge_beside_the_term_invoice_takes_the_next_number_and_is_posted() {
    let app = TestApp::spawn().await;
    let (owner, term) = invoiced(&app).await;
    let student = &term["student_id"];
    let adhoc = charge(&owner, uniform(student)).await;
    assert_eq!(adhoc["kind"], "ADHOC");
    assert_eq!(adhoc["number"], "INV-2025-00002");
    assert_eq!(adhoc["total"], "3500.00");
    assert_eq!(adhoc["status"], "UNPAID");
    assert_eq!(adhoc["memo"], "Two sets");
    assert_eq!(term["kind"], "TERM");

    // Not limited to one per term: a trip the same term is a third invoice.
    let trip = charge(
        &owner,
        json!({"student_id": student, "term": 1, "year": 2025, "due_date": "2025-03-01",
        "lines": [{"name": "Trip to Hell's Gate", "amount": 1200.5, "account_code": "4010"}]}),
    )
    .await;
    assert_eq!(trip["number"], "INV-2025-00003");
    assert_eq!(trip["due_date"], "2025-03-01");

    let (_, lines) = owner
        .get_json(&format!(
            "/invoices/{}/lines",
            adhoc["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(lines[0]["name"], "Uniform");
    assert_eq!(lines[0]["fee_item_id"], Value::Null);
    let (_, accounts) = owner.get_json("/ledger/accounts").await;
    let other = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Other Charges")
        .expect("a line with no account books to Other Charges");
    assert_eq!(other["type"], "INCOME");
    assert_eq!(lines[0]["income_account_id"], other["id"]);

    let (_, adhocs) = owner.get_json("/invoices?kind=ADHOC").await;
    assert_eq!(adhocs.as_array().unwrap().len(), 2);
    assert_eq!(
        student_balance(&owner, student).await,
        (json!("23200.50"), json!("23200.50"))
    );
    let books = assert_books_right(&app, &owner).await;
    assert_eq!(books.receivable.to_string(), "23200.50");

    // Generating the term again still sees the TERM invoice, not the ADHOC ones.
    let (_, students) = owner.get_json("/students").await;
    let class = &students[0]["class_id"];
    let again = generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    assert_eq!(again["result"]["created"], 0);
    assert_eq!(again["result"]["already_invoiced"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_off_charge_uses_the_students_credit_like_term_invoices() {
    let app = TestApp::spawn().await;
    let (owner, term) = invoiced(&app).await;
    let student = &term["student_id"];
    let payment = owner
        .create(
            "/payments",
            json!({"student_id": student, "amount": "20000", "method": "CASH"}),
        )
        .await;
    posted(&owner, &payment).await;
    let adhoc = charge(&owner, uniform(student)).await;
    assert_eq!(
        (adhoc["paid"].as_str(), adhoc["status"].as_str()),
        (Some("1500.00"), Some("PARTIAL"))
    );
    assert_eq!(student_balance(&owner, student).await.0, "2000.00");
    assert_books_right(&app, &owner).await;

    // Credit applied is money on the invoice: it cannot be cancelled.
    assert_problem(
        cancel(&owner, &adhoc).await,
        StatusCode::CONFLICT,
        "invoice_has_payments",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_off_charge_with_bad_lines_or_another_schools_student_is_refused() {
    let app = TestApp::spawn().await;
    let (owner, term) = invoiced(&app).await;
    let student = &term["student_id"];
    let line = |name: &str, amount: Value, code: Option<&str>| {
        json!({"student_id": student, "term": 1, "year": 2025,
               "lines": [{"name": name, "amount": amount, "account_code": code}]})
    };
    for (body, status, code) in [
        (
            json!({"student_id": student, "lines": []}),
            StatusCode::BAD_REQUEST,
            "invalid_lines",
        ),
        (
            line("Uniform", json!(0), None),
            StatusCode::BAD_REQUEST,
            "invalid_amount",
        ),
        (
            line("Uniform", json!("-50"), None),
            StatusCode::BAD_REQUEST,
            "invalid_amount",
        ),
        (
            line("Uniform", json!("10.005"), None),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            line("  ", json!(100), None),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            line("Uniform", json!(100), Some("4999")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_account",
        ),
        (
            line("Uniform", json!(100), Some("1000")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_an_income_account",
        ),
        (
            json!({"student_id": student, "term": 4, "year": 2025, "lines": [{"name": "Uniform", "amount": 1}]}),
            StatusCode::BAD_REQUEST,
            "invalid_term",
        ),
    ] {
        assert_problem(owner.post("/invoices", body).await, status, code).await;
    }
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"name": format!("Item {i}"), "amount": 1}))
        .collect();
    let response = owner
        .post("/invoices", json!({"student_id": student, "lines": many}))
        .await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_lines").await;

    let other = app
        .owner_with_school("other@example.com", "Other Academy")
        .await;
    let theirs = other.student("OTH-001").await;
    let response = owner.post("/invoices", uniform(&json!(theirs))).await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_student",
    )
    .await;
    // Their member cannot cancel our invoice: it is not there for them.
    assert_problem(
        cancel(&other, &term).await,
        StatusCode::NOT_FOUND,
        "invoice_not_found",
    )
    .await;

    let (_, invoices) = owner.get_json("/invoices").await;
    assert_eq!(invoices.as_array().unwrap().len(), 1, "nothing was issued");
    // The refused attempts gave no number away.
    assert_eq!(
        charge(&owner, uniform(student)).await["number"],
        "INV-2025-00002"
    );
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teachers_and_viewers_may_neither_charge_nor_cancel() {
    let app = TestApp::spawn().await;
    let (owner, term) = invoiced(&app).await;
    for role in ["TEACHER", "VIEWER"] {
        let member = owner
            .add_member(&format!("{}@example.com", role.to_lowercase()), role)
            .await;
        let response = member.post("/invoices", uniform(&term["student_id"])).await;
        assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
        assert_problem(
            cancel(&member, &term).await,
            StatusCode::FORBIDDEN,
            "insufficient_role",
        )
        .await;
    }
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    charge(&bursar, uniform(&term["student_id"])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_unpaid_invoice_reverses_its_entry_and_never_reuses_its_number() {
    let app = TestApp::spawn().await;
    let (owner, term) = invoiced(&app).await;
    let student = &term["student_id"];
    let before = assert_books_right(&app, &owner).await;
    let adhoc = charge(&owner, uniform(student)).await;

    let response = cancel(&owner, &adhoc).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cancelled: Value = response.json().await.unwrap();
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["number"], "INV-2025-00002");
    assert_eq!(cancelled["cancel_reason"], "Charged to the wrong pupil");
    assert!(cancelled["cancelled_at"].is_string());

    let after = assert_books_right(&app, &owner).await;
    assert_eq!(
        after.receivable, before.receivable,
        "1100 is back where it was"
    );
    let (_, journal) = owner.get_json("/ledger/journal").await;
    let reversal = journal
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source_type"] == "invoice_cancellation")
        .expect("a reversing entry");
    assert_eq!(reversal["source_id"], adhoc["id"]);
    assert_eq!(reversal["memo"], "Invoice INV-2025-00002 cancelled");
    let receivable = reversal["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["account_code"] == "1100")
        .unwrap();
    assert_eq!(receivable["credit"], "3500.00");

    // No longer owed: the balance and the statement are the term's alone.
    assert_eq!(
        student_balance(&owner, student).await,
        (json!("18500.00"), json!("18500.00"))
    );
    let (_, open) = owner.get_json("/invoices?status=UNPAID").await;
    assert_eq!(open.as_array().unwrap().len(), 1);

    // Twice: refused, nothing changes.
    assert_problem(
        cancel(&owner, &adhoc).await,
        StatusCode::CONFLICT,
        "invoice_not_open",
    )
    .await;
    assert_eq!(assert_books_right(&app, &owner).await, after);

    // The next invoice takes the next number; the cancelled one keeps its own.
    assert_eq!(
        charge(&owner, uniform(student)).await["number"],
        "INV-2025-00003"
    );

    // A cancelled invoice takes no payment.
    let response = owner
        .post(
            "/payments",
            json!({"invoice_id": adhoc["id"], "amount": 100, "method": "CASH"}),
        )
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invoice_cancelled",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_with_money_on_it_cannot_be_cancelled() {
    let app = TestApp::spawn().await;
    let (owner, term) = invoiced(&app).await;
    let student = &term["student_id"];
    let part = owner
        .create(
            "/payments",
            json!({"invoice_id": term["id"], "amount": "5000", "method": "CASH"}),
        )
        .await;
    posted(&owner, &part).await;
    assert_problem(
        cancel(&owner, &term).await,
        StatusCode::CONFLICT,
        "invoice_has_payments",
    )
    .await;

    let adhoc = charge(&owner, uniform(student)).await;
    let whole = owner
        .create(
            "/payments",
            json!({"invoice_id": adhoc["id"], "amount": "3500", "method": "CASH"}),
        )
        .await;
    posted(&owner, &whole).await;
    let (_, paid) = owner
        .get_json(&format!("/invoices/{}", adhoc["id"].as_str().unwrap()))
        .await;
    assert_eq!(paid["status"], "PAID");
    assert_problem(
        cancel(&owner, &adhoc).await,
        StatusCode::CONFLICT,
        "invoice_has_payments",
    )
    .await;
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_charge_with_the_same_idempotency_key_is_issued_once() {
    let app = TestApp::spawn().await;
    let (owner, term) = invoiced(&app).await;
    let send = || {
        owner
            .request(Method::POST, "/invoices")
            .header("Idempotency-Key", "uniform-ADM-2025-001")
            .json(&uniform(&term["student_id"]))
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let (_, invoices) = owner.get_json("/invoices").await;
    assert_eq!(invoices.as_array().unwrap().len(), 2);
    assert_books_right(&app, &owner).await;
}
