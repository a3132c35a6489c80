//! Sponsor receipts and sponsors paying through POST /payments: family and
//! sponsor payments share one gapless RCT series; a sponsor receipt shows
//! what the payment's journal entry applied and what the sponsor still
//! owes, as JSON and as a PDF; POST /payments with sponsor_id is the
//! sponsor's payment path. The books are checked after each money step.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    adjustments::{adjust, invoice_of},
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::{class_of, generate},
    receipt_pdf::pdf_text,
    receipts::{posted, this_year},
    sponsors::{sponsor, sponsored_two_terms},
};

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

async fn created(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn receipt_json(member: &Member, payment: &Value) -> Value {
    let (status, receipt) = member
        .get_json(&format!("/sponsor-payments/{}/receipt", id(payment)))
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    receipt
}

async fn receipt_pdf(member: &Member, payment: &Value) -> String {
    let response = member
        .request(
            reqwest::Method::GET,
            &format!("/sponsor-payments/{}/receipt", id(payment)),
        )
        .header("Accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    pdf_text(&response.bytes().await.unwrap())
}

/// Two pupils (Pupil1 and Pupil2 Otieno), each with half of Tuition
/// (7,500.00) carried by one sponsor for Term 1 2025: the sponsor owes
/// 15,000.00. Returns the owner, the bursar, the sponsor and the students.
async fn two_pupils_sponsored(app: &TestApp) -> (Member, Member, String, Vec<String>) {
    app.start_worker();
    let (owner, class) = class_of(app, 2).await;
    owner
        .patch(
            &format!("/schools/{}", owner.school),
            json!({"paybill": "522533"}),
        )
        .await;
    let bursar = owner.add_member("bursar@imara.ac.ke", "BURSAR").await;
    let sponsor = sponsor(&bursar).await;
    let (_, students) = bursar.get_json("/students").await;
    let students: Vec<String> = students
        .as_array()
        .unwrap()
        .iter()
        .map(|s| id(s).to_string())
        .collect();
    for student in &students {
        adjust(
            &bursar,
            json!({"student_id": student, "kind": "BURSARY", "percent": 50,
            "item": "Tuition", "sponsor_id": sponsor, "reason": "County bursary 2025"}),
        )
        .await;
    }
    generate(&bursar, json!({"class_id": class, "term": 1, "year": 2025})).await;
    (owner, bursar, sponsor, students)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn family_and_sponsor_payments_take_one_gapless_rct_series_in_the_order_they_post() {
    let app = TestApp::spawn().await;
    let (bursar, sponsor, student) = sponsored_two_terms(&app).await;
    let family = |amount: &str| json!({"student_id": student, "amount": amount, "method": "CASH"});
    let mut numbers = Vec::new();
    numbers.push(posted(&bursar, family("1000")).await["receipt_no"].clone());
    let paid = created(
        bursar
            .post(
                &format!("/sponsors/{sponsor}/payments"),
                json!({"amount": "2000", "method": "CHEQUE"}),
            )
            .await,
    )
    .await;
    numbers.push(paid["receipt_no"].clone());
    numbers.push(posted(&bursar, family("1500")).await["receipt_no"].clone());
    let paid = created(
        bursar
            .post(
                "/payments",
                json!({"sponsor_id": sponsor, "amount": "3000", "method": "BANK", "txn_ref": "EFT-2025-0314"}),
            )
            .await,
    )
    .await;
    numbers.push(paid["receipt_no"].clone());
    let (_, again) = bursar
        .get_json(&format!("/sponsor-payments/{}", id(&paid)))
        .await;
    assert_eq!(again["receipt_no"], paid["receipt_no"]);
    numbers.push(posted(&bursar, family("700")).await["receipt_no"].clone());

    let year = this_year();
    let expected: Vec<Value> = (1..=5)
        .map(|n| json!(format!("RCT-{year}-{n:05}")))
        .collect();
    assert_eq!(numbers, expected);
    let books = assert_books_right(&app, &bursar).await;
    assert!(books.numbering_gaps.is_empty());
    assert_eq!(books.sponsor_receivable.to_string(), "10000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sponsor_receipt_shows_what_the_payment_applied_per_student_and_what_the_sponsor_still_owes()
 {
    let app = TestApp::spawn().await;
    let (_, bursar, sponsor, students) = two_pupils_sponsored(&app).await;
    let paid = created(
        bursar
            .post(
                &format!("/sponsors/{sponsor}/payments"),
                json!({"amount": "10000.50", "method": "BANK", "txn_ref": "EFT-2025-0314"}),
            )
            .await,
    )
    .await;
    assert_books_right(&app, &bursar).await;

    let receipt = receipt_json(&bursar, &paid).await;
    assert_eq!(receipt["receipt_no"], paid["receipt_no"]);
    assert_eq!(receipt["status"], "POSTED");
    assert_eq!(receipt["sponsor"]["name"], "Nairobi County Bursary");
    assert_eq!(receipt["sponsor"]["contact"], "0722000111");
    assert_eq!(receipt["school"]["paybill"], "522533");
    assert_eq!(receipt["amount"], "10000.50");
    assert_eq!(
        receipt["amount_in_words"],
        "Ten thousand shillings and fifty cents only"
    );
    assert_eq!(receipt["method"], "BANK");
    assert_eq!(receipt["txn_ref"], "EFT-2025-0314");
    assert_eq!(receipt["owed_after"], "4999.50");

    // The allocation is what the payment applied, share by share.
    let allocation = receipt["allocation"].as_array().unwrap();
    let applied = paid["applied"].as_array().unwrap();
    assert_eq!(allocation.len(), 2);
    for (line, share) in allocation.iter().zip(applied) {
        assert_eq!(line["invoice_id"], share["invoice_id"]);
        assert_eq!(line["student_id"], share["student_id"]);
        assert_eq!(line["amount"], share["amount"]);
    }
    let amounts: Vec<&str> = allocation
        .iter()
        .map(|l| l["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["7500.00", "2500.50"]);
    let mut paid_for: Vec<&str> = allocation
        .iter()
        .map(|l| l["student_id"].as_str().unwrap())
        .collect();
    paid_for.sort();
    let mut all: Vec<&str> = students.iter().map(String::as_str).collect();
    all.sort();
    assert_eq!(paid_for, all);
    let (invoice, _) = invoice_of(&bursar, allocation[0]["student_id"].as_str().unwrap(), 1).await;
    assert_eq!(allocation[0]["invoice_number"], invoice["number"]);
    assert!(
        allocation[0]["student_name"]
            .as_str()
            .unwrap()
            .ends_with("Otieno")
    );

    // The sponsor's payments: this one, as GET /sponsor-payments/{id} has it.
    let (_, one) = bursar
        .get_json(&format!("/sponsor-payments/{}", id(&paid)))
        .await;
    assert_eq!(one, paid);
    let (status, list) = bursar
        .get_json(&format!("/sponsors/{sponsor}/payments"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!([paid]));
    let (_, owed) = bursar.get_json(&format!("/sponsors/{sponsor}")).await;
    assert_eq!(owed["balance"], receipt["owed_after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sponsor_receipt_pdf_names_the_sponsor_and_the_students_and_says_reversed_after_a_reversal()
 {
    let app = TestApp::spawn().await;
    let (_, bursar, sponsor, _) = two_pupils_sponsored(&app).await;
    let paid = created(
        bursar
            .post(
                &format!("/sponsors/{sponsor}/payments"),
                json!({"amount": "15000", "method": "CHEQUE", "txn_ref": "CHQ 001234"}),
            )
            .await,
    )
    .await;
    let text = receipt_pdf(&bursar, &paid).await;
    for expected in [
        "OFFICIAL RECEIPT",
        paid["receipt_no"].as_str().unwrap(),
        "Received from",
        "Nairobi County Bursary",
        "Pupil1 Otieno (ADM-2025-001)",
        "Pupil2 Otieno (ADM-2025-002)",
        "KES 15,000.00",
        "Fifteen thousand shillings only",
        "M-Pesa Paybill 522533",
        "Sponsor owes nothing more",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains("REVERSED"), "{text}");

    let response = bursar
        .post(
            &format!("/sponsor-payments/{}/reverse", id(&paid)),
            json!({"reason": "Cheque returned unpaid"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_books_right(&app, &bursar).await;
    let receipt = receipt_json(&bursar, &paid).await;
    assert_eq!(receipt["status"], "REVERSED");
    assert_eq!(receipt["reversal_reason"], "Cheque returned unpaid");
    assert!(receipt["reversed_at"].is_string());
    // The receipt reprints as it was issued: what the sponsor owed then.
    assert_eq!(receipt["owed_after"], "0.00");
    let text = receipt_pdf(&bursar, &paid).await;
    assert!(text.contains("REVERSED"), "{text}");
    assert!(text.contains("Cheque returned unpaid"), "{text}");
    assert!(text.contains("Nairobi County Bursary"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_with_sponsor_id_settles_the_oldest_share_first_as_the_sponsor_path_does() {
    let app = TestApp::spawn().await;
    let (bursar, sponsor, student) = sponsored_two_terms(&app).await;
    let send = |body: Value| {
        bursar
            .request(reqwest::Method::POST, "/payments")
            .header("Idempotency-Key", "county-eft-0314")
            .json(&body)
            .send()
    };
    let body = json!({"sponsor_id": sponsor, "amount": "10000", "method": "BANK", "txn_ref": "EFT-2025-0314"});
    let paid = created(send(body.clone()).await.unwrap()).await;
    let (first, _) = invoice_of(&bursar, &student, 1).await;
    let (second, _) = invoice_of(&bursar, &student, 2).await;
    assert_eq!(paid["sponsor_id"], json!(sponsor));
    assert_eq!(paid["amount"], "10000.00");
    assert_eq!(paid["applied"][0]["invoice_id"], first["id"]);
    assert_eq!(paid["applied"][0]["amount"], "7500.00");
    assert_eq!(paid["applied"][1]["invoice_id"], second["id"]);
    assert_eq!(paid["applied"][1]["amount"], "2500.00");
    assert_eq!(
        first["balance"], "11000.00",
        "the family's part is untouched"
    );
    // A retry under the same key is the first answer, recorded once.
    let again = created(send(body).await.unwrap()).await;
    assert_eq!(again, paid);
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.sponsor_receivable.to_string(), "5000.00");
    assert_eq!(books.cash.to_string(), "10000.00");

    // The sponsor path answers the same shape for the rest.
    let rest = created(
        bursar
            .post(
                &format!("/sponsors/{sponsor}/payments"),
                json!({"amount": "5000", "method": "CASH"}),
            )
            .await,
    )
    .await;
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&rest), keys(&paid));
    assert_eq!(rest["applied"][0]["invoice_id"], second["id"]);
    let (_, list) = bursar
        .get_json(&format!("/sponsors/{sponsor}/payments"))
        .await;
    assert_eq!(list, json!([paid, rest]));
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.sponsor_receivable.to_string(), "0.00");

    assert_problem(
        bursar
            .post(
                "/payments",
                json!({"sponsor_id": sponsor, "amount": "1", "method": "CASH"}),
            )
            .await,
        StatusCode::CONFLICT,
        "payment_exceeds_sponsor_balance",
    )
    .await;
    assert_problem(
        bursar
            .post(
                "/payments",
                json!({"sponsor_id": uuid::Uuid::now_v7(), "amount": "1", "method": "CASH"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_sponsor",
    )
    .await;
    assert_books_right(&app, &bursar).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_naming_a_sponsor_and_a_student_or_invoice_is_refused() {
    let app = TestApp::spawn().await;
    let (bursar, sponsor, student) = sponsored_two_terms(&app).await;
    let (invoice, _) = invoice_of(&bursar, &student, 1).await;
    for target in [
        json!({"student_id": student}),
        json!({"invoice_id": invoice["id"]}),
    ] {
        let mut body = json!({"sponsor_id": sponsor, "amount": "500", "method": "CASH"});
        body.as_object_mut()
            .unwrap()
            .extend(target.as_object().unwrap().clone());
        let problem = assert_problem(
            bursar.post("/payments", body).await,
            StatusCode::BAD_REQUEST,
            "invalid_target",
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("sponsor_id alone"),
            "{problem}"
        );
    }
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.cash.to_string(), "0.00");
    assert_eq!(books.sponsor_receivable.to_string(), "15000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teachers_and_viewers_cannot_pay_for_a_sponsor_through_payments_but_can_read_its_receipt() {
    let app = TestApp::spawn().await;
    let (owner, bursar, sponsor, _) = two_pupils_sponsored(&app).await;
    let teacher = owner.add_member("teacher@imara.ac.ke", "TEACHER").await;
    let viewer = owner.add_member("viewer@imara.ac.ke", "VIEWER").await;
    let body = json!({"sponsor_id": sponsor, "amount": "500", "method": "CASH"});
    for member in [&teacher, &viewer] {
        assert_problem(
            member.post("/payments", body.clone()).await,
            StatusCode::FORBIDDEN,
            "insufficient_role",
        )
        .await;
    }
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.cash.to_string(), "0.00");
    let paid = created(bursar.post("/payments", body).await).await;
    for member in [&teacher, &viewer] {
        let receipt = receipt_json(member, &paid).await;
        assert_eq!(receipt["receipt_no"], paid["receipt_no"]);
    }
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.cash.to_string(), "500.00");
}
