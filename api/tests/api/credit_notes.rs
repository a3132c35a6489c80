//! Credit notes (POST /invoices/{id}/credit-notes): numbering, the limits
//! of the balance and of each line, what they do to an invoice, 1100 and
//! 4900, cancelling an invoice that has them, roles and Idempotency-Key,
//! with the books checked after each step.

use chrono::{Datelike, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::domain::{
    calendar,
    credit_note::{self, Kind, NewCreditNote},
    money::Money,
};
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::invoiced,
};

/// A school with one student charged a one-off invoice for term 1 of 2025:
/// Tuition 15,000.00 and Lunch 3,500.00. Returns the owner and the invoice.
async fn charged(app: &TestApp) -> (Member, Value) {
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let student = owner.student("ADM-2025-001").await;
    let invoice = owner
        .create(
            "/invoices",
            json!({"student_id": student, "term": 1, "year": 2025, "lines": [
                {"name": "Tuition", "amount": "15000.00"}, {"name": "Lunch", "amount": "3500.00"}]}),
        )
        .await;
    (owner, invoice)
}

fn path(invoice: &Value) -> String {
    format!("/invoices/{}/credit-notes", invoice["id"].as_str().unwrap())
}

async fn credit(member: &Member, invoice: &Value, body: Value) -> reqwest::Response {
    member.post(&path(invoice), body).await
}

async fn credited(member: &Member, invoice: &Value, body: Value) -> Value {
    let response = credit(member, invoice, body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer
}

fn bursary(amount: &str) -> Value {
    json!({"amount": amount, "kind": "BURSARY", "reason": "County bursary, Term 1"})
}

async fn invoice_now(member: &Member, invoice: &Value) -> Value {
    let (_, now) = member
        .get_json(&format!("/invoices/{}", invoice["id"].as_str().unwrap()))
        .await;
    now
}

/// Rows written for credit notes: (notes, their journal entries, the CN counters' sum).
async fn written(app: &TestApp, member: &Member) -> (i64, i64, i64) {
    let mut tx = app.tenant_tx(member.school).await;
    let counts = sqlx::query_as(
        "SELECT (SELECT count(*) FROM credit_notes),
                (SELECT count(*) FROM journal_entries WHERE source_type = 'credit_note'),
                (SELECT coalesce(sum(last_no), 0)::bigint FROM document_counters WHERE series = 'CN')",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    counts
}

fn this_year() -> i32 {
    calendar::today_in_kenya().year()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_notes_are_numbered_without_gaps_and_a_refused_one_takes_no_number() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = charged(&app).await;
    let year = this_year();
    let first = credited(&owner, &invoice, bursary("5000")).await;
    assert_eq!(first["number"], format!("CN-{year}-00001"));
    assert_eq!(first["kind"], "BURSARY");
    assert_eq!(first["amount"], "5000.00");
    assert_eq!(first["invoice_id"], invoice["id"]);
    assert_eq!(first["student_id"], invoice["student_id"]);
    assert_eq!(first["lines"], json!([]));

    let refused = credit(&owner, &invoice, bursary("13500.01")).await;
    assert_problem(refused, StatusCode::CONFLICT, "credit_exceeds_balance").await;
    let second = credited(
        &owner,
        &invoice,
        json!({"amount": 500, "kind": "WAIVER", "reason": "Sibling waiver"}),
    )
    .await;
    assert_eq!(
        second["number"],
        format!("CN-{year}-00002"),
        "the refused note gave its number back"
    );
    assert_eq!(second["kind"], "WAIVER");
    assert_eq!(second["amount"], "500.00", "a number is read as an amount");

    let now = invoice_now(&owner, &invoice).await;
    assert_eq!(
        (&now["credited"], &now["balance"], &now["status"]),
        (&json!("5500.00"), &json!("13000.00"), &json!("PARTIAL"))
    );
    let books = assert_books_right(&app, &owner).await;
    assert_eq!(books.discounts.to_string(), "5500.00");
    assert_eq!(books.receivable.to_string(), "13000.00");

    // The statement shows each note as a line that lowers the balance.
    let student = invoice["student_id"].as_str().unwrap();
    let (_, statement) = owner
        .get_json(&format!("/students/{student}/statement"))
        .await;
    let lines = statement["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3, "{statement}");
    assert_eq!(lines[1]["source_type"], "credit_note");
    assert_eq!(lines[1]["source_id"], first["id"]);
    assert_eq!(
        lines[1]["description"],
        format!("Credit note CN-{year}-00001 (BURSARY) on invoice INV-2025-00001")
    );
    assert_eq!(
        (&lines[1]["credit"], &lines[1]["balance"]),
        (&json!("5000.00"), &json!("13500.00"))
    );
    assert_eq!(statement["balance"], "13000.00");

    let (_, listed) = owner
        .get_json(&format!("/credit-notes?student_id={student}"))
        .await;
    let numbers: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [format!("CN-{year}-00001"), format!("CN-{year}-00002")]
    );
    let (_, bursaries) = owner.get_json("/credit-notes?kind=BURSARY").await;
    assert_eq!(bursaries.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_note_numbers_run_per_year_of_issue() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = charged(&app).await;
    let year = this_year();
    let first = credited(&owner, &invoice, bursary("100")).await;

    // Issued on a date in another year, a note starts that year's series.
    let owner_id: Uuid = first["issued_by"].as_str().unwrap().parse().unwrap();
    let invoice_id: Uuid = invoice["id"].as_str().unwrap().parse().unwrap();
    let new = NewCreditNote {
        amount: Money::parse("200").unwrap(),
        reason: "Bursary for next year, issued early".into(),
        kind: Kind::Bursary,
        lines: None,
    };
    let other_year = year + 1;
    let mut tx = app.tenant_tx(owner.school).await;
    let next_year = credit_note::issue(
        &mut tx,
        owner_id,
        invoice_id,
        &new,
        NaiveDate::from_ymd_opt(other_year, 1, 6).unwrap(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(next_year.number, format!("CN-{other_year}-00001"));

    let again = credited(&owner, &invoice, bursary("300")).await;
    assert_eq!(again["number"], format!("CN-{year}-00002"));
    let books = assert_books_right(&app, &owner).await;
    assert_eq!(books.discounts.to_string(), "600.00");
    assert!(books.numbering_gaps.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_note_beyond_the_balance_or_with_a_bad_field_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = charged(&app).await;
    let over = credit(&owner, &invoice, bursary("18500.01")).await;
    let problem = assert_problem(over, StatusCode::CONFLICT, "credit_exceeds_balance").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("KES 18,500.00"),
        "{problem}"
    );
    for (body, status, code) in [
        (bursary("0"), StatusCode::BAD_REQUEST, "invalid_amount"),
        (bursary("-5"), StatusCode::BAD_REQUEST, "invalid_amount"),
        (
            json!({"amount": "10", "kind": "BURSARY", "reason": "   "}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"amount": "10", "kind": "BURSARY", "reason": "x".repeat(501)}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"amount": "10", "kind": "GIFT", "reason": "A gift"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"amount": "10", "reason": "No kind"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ] {
        assert_problem(credit(&owner, &invoice, body).await, status, code).await;
    }
    let nowhere = owner
        .post(
            &format!("/invoices/{}/credit-notes", Uuid::now_v7()),
            bursary("10"),
        )
        .await;
    assert_problem(nowhere, StatusCode::NOT_FOUND, "invoice_not_found").await;

    assert_eq!(written(&app, &owner).await, (0, 0, 0));
    let now = invoice_now(&owner, &invoice).await;
    assert_eq!(
        (&now["credited"], &now["status"]),
        (&json!("0.00"), &json!("UNPAID"))
    );
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_note_on_a_part_paid_invoice_takes_off_what_is_left_and_a_full_credit_makes_it_paid()
 {
    let app = TestApp::spawn().await;
    let (owner, invoice) = invoiced(&app).await;
    let payment = owner
        .create(
            "/payments",
            json!({"invoice_id": invoice["id"], "amount": "8500.00", "method": "CASH"}),
        )
        .await;
    owner
        .eventually(
            &format!("/payments/{}", payment["id"].as_str().unwrap()),
            |p| p["posting_status"] == "POSTED",
        )
        .await;
    let now = invoice_now(&owner, &invoice).await;
    assert_eq!(
        (&now["balance"], &now["status"]),
        (&json!("10000.00"), &json!("PARTIAL"))
    );

    // What the family still owes is the limit, not the invoice's total.
    let over = credit(&owner, &invoice, bursary("10000.01")).await;
    assert_problem(over, StatusCode::CONFLICT, "credit_exceeds_balance").await;
    credited(&owner, &invoice, bursary("4000")).await;
    let now = invoice_now(&owner, &invoice).await;
    assert_eq!(
        (
            &now["paid"],
            &now["credited"],
            &now["balance"],
            &now["status"]
        ),
        (
            &json!("8500.00"),
            &json!("4000.00"),
            &json!("6000.00"),
            &json!("PARTIAL")
        )
    );
    assert_books_right(&app, &owner).await;

    credited(
        &owner,
        &invoice,
        json!({"amount": "6000.00", "kind": "DISCOUNT", "reason": "Staff child discount"}),
    )
    .await;
    let now = invoice_now(&owner, &invoice).await;
    assert_eq!(
        (&now["credited"], &now["balance"], &now["status"]),
        (&json!("10000.00"), &json!("0.00"), &json!("PAID"))
    );
    // A PAID invoice has nothing left to credit.
    let nothing_left = credit(&owner, &invoice, bursary("1")).await;
    assert_problem(nothing_left, StatusCode::CONFLICT, "credit_exceeds_balance").await;

    let books = assert_books_right(&app, &owner).await;
    assert_eq!(books.receivable, Money::ZERO);
    assert_eq!(books.discounts.to_string(), "10000.00");
    let student = invoice["student_id"].as_str().unwrap();
    let (_, detail) = owner.get_json(&format!("/students/{student}")).await;
    assert_eq!(detail["balance"], "0.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_note_lines_name_invoice_lines_add_up_to_the_amount_and_stay_within_each_line() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = charged(&app).await;
    let note = |lines: Value, amount: &str| json!({"amount": amount, "kind": "WAIVER", "reason": "Lunch waived for the term", "lines": lines});
    for (body, status, code) in [
        (
            note(json!([{"item": "Transport", "amount": "100"}]), "100"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_invoice_line",
        ),
        (
            note(json!([{"item": "Lunch", "amount": "100"}]), "200"),
            StatusCode::BAD_REQUEST,
            "invalid_lines",
        ),
        (
            note(
                json!([{"item": "Lunch", "amount": "100"}, {"item": "LUNCH", "amount": "100"}]),
                "200",
            ),
            StatusCode::BAD_REQUEST,
            "invalid_lines",
        ),
        (
            note(json!([]), "100"),
            StatusCode::BAD_REQUEST,
            "invalid_lines",
        ),
        (
            note(json!([{"item": "Lunch", "amount": "0"}]), "100"),
            StatusCode::BAD_REQUEST,
            "invalid_amount",
        ),
        (
            note(json!([{"item": "Lunch", "amount": "3500.01"}]), "3500.01"),
            StatusCode::CONFLICT,
            "credit_exceeds_line",
        ),
        (
            note(json!(["Lunch"]), "100"),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ] {
        assert_problem(credit(&owner, &invoice, body).await, status, code).await;
    }
    assert_eq!(written(&app, &owner).await, (0, 0, 0));

    let first = credited(
        &owner,
        &invoice,
        note(
            json!([{"item": " lunch ", "amount": "2000"}, {"item": "Tuition", "amount": "1000"}]),
            "3000",
        ),
    )
    .await;
    let (_, lines) = owner
        .get_json(&format!(
            "/invoices/{}/lines",
            invoice["id"].as_str().unwrap()
        ))
        .await;
    let lunch = lines
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Lunch")
        .unwrap()
        .clone();
    let mut stored: Vec<(String, String)> = first["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["item"].as_str().unwrap().to_string(),
                l["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    stored.sort();
    assert_eq!(
        stored,
        [
            ("Lunch".to_string(), "2000.00".to_string()),
            ("Tuition".to_string(), "1000.00".to_string())
        ]
    );

    // Earlier notes count against a line: 1,500.00 of Lunch is left.
    let too_much = credit(
        &owner,
        &invoice,
        note(json!([{"item": "Lunch", "amount": "1500.01"}]), "1500.01"),
    )
    .await;
    let problem = assert_problem(too_much, StatusCode::CONFLICT, "credit_exceeds_line").await;
    assert!(problem["detail"].as_str().unwrap().contains("KES 1,500.00"));
    let by_id = credited(
        &owner,
        &invoice,
        note(json!([{"item": lunch["id"], "amount": "1500"}]), "1500"),
    )
    .await;
    assert_eq!(by_id["lines"][0]["invoice_line_id"], lunch["id"]);

    let (status, notes) = owner.get_json(&path(&invoice)).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&Value> = notes.as_array().unwrap().iter().map(|n| &n["id"]).collect();
    assert_eq!(ids, [&first["id"], &by_id["id"]]);
    assert_eq!(notes[0]["lines"].as_array().unwrap().len(), 2);
    let now = invoice_now(&owner, &invoice).await;
    assert_eq!(now["credited"], "4500.00");
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_invoice_with_credit_notes_reverses_them_with_it() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = charged(&app).await;
    credited(&owner, &invoice, bursary("5000")).await;
    credited(
        &owner,
        &invoice,
        json!({"amount": "3500", "kind": "WAIVER", "reason": "Lunch waived",
               "lines": [{"item": "Lunch", "amount": "3500"}]}),
    )
    .await;
    assert_books_right(&app, &owner).await;

    let cancelled = owner
        .post(
            &format!("/invoices/{}/cancel", invoice["id"].as_str().unwrap()),
            json!({"reason": "Charged to the wrong pupil"}),
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let cancelled: Value = cancelled.json().await.unwrap();
    assert_eq!(cancelled["status"], "CANCELLED");

    // 1100 and 4900 are back where they were before the invoice.
    let books = assert_books_right(&app, &owner).await;
    assert_eq!(books.receivable, Money::ZERO);
    assert_eq!(books.discounts, Money::ZERO);
    assert_eq!(books.credit_notes, Money::ZERO);
    let student = invoice["student_id"].as_str().unwrap();
    let (_, statement) = owner
        .get_json(&format!("/students/{student}/statement"))
        .await;
    assert_eq!(statement["balance"], "0.00");
    let last = statement["lines"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["source_type"], "invoice_cancellation");
    assert_eq!(last["credit"], "10000.00", "only what was still owed");

    // The notes stay as the record; the invoice takes no more.
    let (_, notes) = owner.get_json(&path(&invoice)).await;
    assert_eq!(notes.as_array().unwrap().len(), 2);
    let closed = credit(&owner, &invoice, bursary("1")).await;
    assert_problem(closed, StatusCode::CONFLICT, "invoice_not_open").await;
    assert_eq!(written(&app, &owner).await, (2, 2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teachers_and_viewers_may_not_issue_credit_notes_but_a_bursar_may() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = charged(&app).await;
    for role in ["TEACHER", "VIEWER"] {
        let member = owner
            .add_member(&format!("{}@example.com", role.to_lowercase()), role)
            .await;
        let refused = credit(&member, &invoice, bursary("100")).await;
        assert_problem(refused, StatusCode::FORBIDDEN, "insufficient_role").await;
        // Reading them is open to every member.
        let (status, _) = member.get_json(&path(&invoice)).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(written(&app, &owner).await, (0, 0, 0));
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let note = credited(&bursar, &invoice, bursary("100")).await;
    assert_eq!(note["number"], format!("CN-{}-00001", this_year()));
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_credit_note_under_the_same_idempotency_key_is_the_same_note_written_once() {
    let app = TestApp::spawn().await;
    let (owner, invoice) = charged(&app).await;
    let send = |body: Value| {
        owner
            .request(reqwest::Method::POST, &path(&invoice))
            .header("Idempotency-Key", "cn-bursary-0001")
            .json(&body)
            .send()
    };
    let first = send(bursary("2500")).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send(bursary("2500")).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);
    assert_eq!(written(&app, &owner).await, (1, 1, 1));
    assert_eq!(invoice_now(&owner, &invoice).await["credited"], "2500.00");

    let other = send(bursary("2600")).await.unwrap();
    assert_problem(
        other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(written(&app, &owner).await, (1, 1, 1));
    assert_books_right(&app, &owner).await;
}
