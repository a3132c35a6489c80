//! Receipts: every posted payment's RCT number (gapless per school and
//! year) and GET /payments/{id}/receipt as JSON and as PDF.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::{class_of, generate},
    receipt_pdf::pdf_text,
};

/// A school whose one student (with a primary guardian who has an email
/// address) is invoiced Term 1 and Term 2 2025 (18,500.00 each); the worker
/// running. Returns the owner, a bursar, the student and the invoices.
pub async fn two_terms(app: &TestApp) -> (Member, Member, String, Vec<Value>) {
    app.start_worker();
    let (owner, class) = class_of(app, 0).await;
    let student = owner
        .create("/students", json!({
            "admission_no": "ADM-2025-001", "first_name": "Amani", "last_name": "Otieno", "class_id": class,
            "primary_guardian": {"first_name": "Grace", "last_name": "Otieno", "email": "grace@example.com"}}))
        .await;
    generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    generate(&owner, json!({"class_id": class, "term": 2, "year": 2025})).await;
    let (_, invoices) = owner.get_json("/invoices").await;
    let mut invoices = invoices.as_array().unwrap().clone();
    invoices.sort_by_key(|i| i["term"].as_i64());
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    (
        owner,
        bursar,
        student["id"].as_str().unwrap().to_string(),
        invoices,
    )
}

pub async fn posted(member: &Member, body: Value) -> Value {
    let payment = member.create("/payments", body).await;
    let path = format!("/payments/{}", payment["id"].as_str().unwrap());
    member
        .eventually(&path, |p| p["posting_status"] == "POSTED")
        .await
}

async fn receipt(member: &Member, payment: &Value) -> Value {
    let (status, receipt) = member
        .get_json(&format!(
            "/payments/{}/receipt",
            payment["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    receipt
}

async fn receipt_pdf(member: &Member, payment: &Value) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = member
        .request(
            reqwest::Method::GET,
            &format!("/payments/{}/receipt", payment["id"].as_str().unwrap()),
        )
        .header("Accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    (headers, response.bytes().await.unwrap().to_vec())
}

pub fn this_year() -> i32 {
    use chrono::Datelike;
    Utc::now().with_timezone(&chrono_tz::Africa::Nairobi).year()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_numbers_are_gapless_per_year_when_payments_post_at_once_cash_included() {
    let app = TestApp::spawn().await;
    let (owner, bursar, student, _) = two_terms(&app).await;
    let bodies: Vec<Value> = (0..6)
        .map(|i| match i % 3 {
            0 => json!({"student_id": student, "amount": "1000.00", "method": "CASH"}),
            1 => json!({"student_id": student, "amount": "1500.00", "method": "MPESA", "txn_ref": format!("QKH94M1Z{i:02}")}),
            _ => json!({"student_id": student, "amount": "700.00", "method": "CHEQUE"}),
        })
        .collect();
    let payments =
        futures_util::future::join_all(bodies.into_iter().map(|body| posted(&bursar, body))).await;
    let mut numbers: Vec<String> = payments
        .iter()
        .map(|p| p["receipt_no"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    let year = this_year();
    let expected: Vec<String> = (1..=6).map(|n| format!("RCT-{year}-{n:05}")).collect();
    assert_eq!(numbers, expected);
    let cash = payments.iter().find(|p| p["method"] == "CASH").unwrap();
    assert!(cash["receipt_no"].is_string(), "cash payments get receipts");
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_or_failed_payment_has_no_receipt() {
    let app = TestApp::spawn().await;
    // No worker: what is recorded stays PENDING.
    let (owner, _class) = class_of(&app, 1).await;
    let (_, students) = owner.get_json("/students").await;
    let student = students[0]["id"].as_str().unwrap();
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let pending = bursar
        .create(
            "/payments",
            json!({"student_id": student, "amount": "500.00", "method": "CASH"}),
        )
        .await;
    assert_eq!(pending["posting_status"], "PENDING");
    assert!(pending["receipt_no"].is_null());
    let path = format!("/payments/{}/receipt", pending["id"].as_str().unwrap());
    assert_problem(
        bursar.get(&path).await,
        StatusCode::CONFLICT,
        "payment_not_posted",
    )
    .await;

    let failed = bursar
        .create(
            "/payments",
            json!({"student_id": student, "amount": "600.00", "method": "CASH"}),
        )
        .await;
    let mut tx = app.tenant_tx(owner.school).await;
    sqlx::query("UPDATE payments SET posting_status = 'FAILED' WHERE id = $1")
        .bind(failed["id"].as_str().unwrap().parse::<Uuid>().unwrap())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let path = format!("/payments/{}/receipt", failed["id"].as_str().unwrap());
    assert_problem(
        bursar.get(&path).await,
        StatusCode::CONFLICT,
        "payment_not_posted",
    )
    .await;
    assert_problem(
        bursar
            .get(&format!("/payments/{}/receipt", Uuid::now_v7()))
            .await,
        StatusCode::NOT_FOUND,
        "payment_not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receipt_shows_the_posted_lines_and_the_balance_right_after_posting() {
    let app = TestApp::spawn().await;
    let (owner, bursar, student, invoices) = two_terms(&app).await;
    let payment = posted(
        &bursar,
        json!({"student_id": student, "amount": "38000.00", "method": "MPESA", "txn_ref": "QKH94M1Z11"}),
    )
    .await;
    let first = receipt(&bursar, &payment).await;
    assert_eq!(first["receipt_no"], payment["receipt_no"]);
    assert_eq!(first["status"], "POSTED");
    assert_eq!(first["amount"], "38000.00");
    assert_eq!(
        first["amount_in_words"],
        "Thirty-eight thousand shillings only"
    );
    assert_eq!(first["method"], "MPESA");
    assert_eq!(first["txn_ref"], "QKH94M1Z11");
    assert_eq!(first["school"]["name"], "Imara Academy");
    assert_eq!(first["student"]["name"], "Amani Otieno");
    assert_eq!(first["student"]["admission_no"], "ADM-2025-001");
    assert_eq!(first["student"]["class"], "Grade 4 East");
    let allocation = first["allocation"].as_array().unwrap();
    assert_eq!(allocation.len(), 2);
    for (line, invoice) in allocation.iter().zip(&invoices) {
        assert_eq!(line["invoice_id"], invoice["id"]);
        assert_eq!(line["invoice_number"], invoice["number"]);
        assert_eq!(line["term"], invoice["term"]);
        assert_eq!(line["amount"], "18500.00");
    }
    assert_eq!(first["credit"], "1000.00");
    assert_eq!(first["balance_after"], "-1000.00");

    // The allocation is the payment's own 1100 and 2000 lines.
    let id: Uuid = payment["id"].as_str().unwrap().parse().unwrap();
    let mut tx = app.tenant_tx(owner.school).await;
    let lines: Vec<(String, Option<Uuid>, rust_decimal::Decimal)> = sqlx::query_as(
        "SELECT a.code, l.invoice_id, l.credit FROM journal_entries e
           JOIN journal_lines l ON l.school_id = e.school_id AND l.journal_entry_id = e.id
           JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
          WHERE e.source_type = 'payment' AND e.source_id = $1 AND a.code IN ('1100', '2000')
          ORDER BY a.code, l.credit",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let from_ledger: Vec<(String, Option<String>, String)> = lines
        .into_iter()
        .map(|(code, invoice, credit)| (code, invoice.map(|i| i.to_string()), credit.to_string()))
        .collect();
    let mut from_receipt: Vec<(String, Option<String>, String)> = allocation
        .iter()
        .map(|l| {
            (
                "1100".to_string(),
                l["invoice_id"].as_str().map(str::to_string),
                l["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    from_receipt.push(("2000".into(), None, "1000.00".into()));
    let mut from_ledger_sorted = from_ledger.clone();
    from_ledger_sorted.sort();
    from_receipt.sort();
    assert_eq!(from_receipt, from_ledger_sorted);

    // A later payment changes the student's balance, not this receipt.
    generate(
        &owner,
        json!({"student_id": student, "term": 3, "year": 2025}),
    )
    .await;
    posted(
        &bursar,
        json!({"student_id": student, "amount": "500.00", "method": "CASH"}),
    )
    .await;
    let again = receipt(&bursar, &payment).await;
    assert_eq!(again["balance_after"], "-1000.00");
    assert_eq!(again["receipt_no"], first["receipt_no"]);
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receipt_as_pdf_parses_and_carries_the_receipt_facts() {
    let app = TestApp::spawn().await;
    let (owner, bursar, student, invoices) = two_terms(&app).await;
    let payment = posted(
        &bursar,
        json!({"invoice_id": invoices[0]["id"], "amount": "18500.00", "method": "CASH"}),
    )
    .await;
    let receipt_no = payment["receipt_no"].as_str().unwrap();
    let (headers, pdf) = receipt_pdf(&bursar, &payment).await;
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        format!("inline; filename=\"{receipt_no}.pdf\"").as_str()
    );
    let text = pdf_text(&pdf);
    for fact in [
        receipt_no,
        "OFFICIAL RECEIPT",
        "Imara Academy",
        "Amani Otieno",
        "ADM-2025-001",
        "KES 18,500.00",
        "Eighteen thousand five hundred shillings only",
        invoices[0]["number"].as_str().unwrap(),
        "Balance due: KES 18,500.00",
    ] {
        assert!(text.contains(fact), "{fact:?} missing from:\n{text}");
    }
    assert!(!text.contains("REVERSED"));
    // Any other Accept gets JSON.
    let response = bursar
        .request(
            reqwest::Method::GET,
            &format!("/payments/{}/receipt", payment["id"].as_str().unwrap()),
        )
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["student"]["id"], student.as_str());
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversed_payments_receipt_says_reversed_with_the_date_and_reason() {
    let app = TestApp::spawn().await;
    let (owner, bursar, _student, invoices) = two_terms(&app).await;
    let payment = posted(
        &bursar,
        json!({"invoice_id": invoices[0]["id"], "amount": "18500.00", "method": "CHEQUE"}),
    )
    .await;
    let reversed = bursar
        .post(
            &format!("/payments/{}/reverse", payment["id"].as_str().unwrap()),
            json!({"reason": "Cheque returned unpaid"}),
        )
        .await;
    assert_eq!(reversed.status(), StatusCode::OK);
    let json = receipt(&bursar, &payment).await;
    assert_eq!(json["status"], "REVERSED");
    assert_eq!(json["reversal_reason"], "Cheque returned unpaid");
    assert!(json["reversed_at"].is_string());
    assert_eq!(json["receipt_no"], payment["receipt_no"]);
    let (_, pdf) = receipt_pdf(&bursar, &payment).await;
    let text = pdf_text(&pdf);
    assert!(text.contains("REVERSED"), "{text}");
    assert!(text.contains("Cheque returned unpaid"), "{text}");
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_schools_payment_has_no_receipt_here() {
    let app = TestApp::spawn().await;
    let (_owner, bursar, student, _) = two_terms(&app).await;
    let payment = posted(
        &bursar,
        json!({"student_id": student, "amount": "300.00", "method": "CASH"}),
    )
    .await;
    let stranger = app
        .owner_with_school("stranger@example.com", "Baraka School")
        .await;
    let response = stranger
        .get(&format!(
            "/payments/{}/receipt",
            payment["id"].as_str().unwrap()
        ))
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "payment_not_found").await;
}
