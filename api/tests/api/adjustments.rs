//! Standing adjustments (POST/GET/DELETE /adjustments) and the sibling
//! discount (PUT /fees/sibling-discount): what the next generation takes
//! off, as negative lines on 4900, and the books after each step. The
//! school's default fees: Tuition 15,000, Activity 2,000, Exam 1,500.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::{class_of, generate},
};

/// A school with one student in Grade 4 East, the worker running, and a
/// bursar; returns the bursar, the class and the student.
pub async fn school_with_bursar(app: &TestApp) -> (Member, Uuid, String) {
    app.start_worker();
    let (owner, class) = class_of(app, 1).await;
    let bursar = owner.add_member("bursar@imara.ac.ke", "BURSAR").await;
    let (_, students) = bursar.get_json("/students").await;
    let student = students[0]["id"].as_str().unwrap().to_string();
    (bursar, class, student)
}

pub async fn adjust(bursar: &Member, body: Value) -> Value {
    let response = bursar.post("/adjustments", body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer
}

/// The student's invoice for the term, and its lines by name.
pub async fn invoice_of(
    member: &Member,
    student: &str,
    term: i64,
) -> (Value, HashMap<String, String>) {
    let (_, invoices) = member
        .get_json(&format!("/invoices?student_id={student}&term={term}"))
        .await;
    let invoice = invoices[0].clone();
    let (_, lines) = member
        .get_json(&format!(
            "/invoices/{}/lines",
            invoice["id"].as_str().unwrap()
        ))
        .await;
    let lines = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (invoice, lines)
}

fn account(trial: &Value, code: &str) -> Value {
    trial["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == code)
        .map_or(Value::Null, |a| a["balance"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_percent_of_tuition_and_an_amount_off_become_negative_lines_on_4900_at_the_next_generation()
 {
    let app = TestApp::spawn().await;
    let (bursar, class, student) = school_with_bursar(&app).await;
    let bursary = adjust(
        &bursar,
        json!({"student_id": student, "kind": "BURSARY", "percent": "50",
        "item": "tuition", "reason": "County bursary 2026"}),
    )
    .await;
    assert_eq!(bursary["percent"], "50.00");
    assert!(bursary["ended_at"].is_null());
    adjust(
        &bursar,
        json!({"student_id": student, "kind": "DISCOUNT", "amount": 1000,
        "reason": "Staff child"}),
    )
    .await;

    generate(&bursar, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let (invoice, lines) = invoice_of(&bursar, &student, 1).await;
    assert_eq!(invoice["total"], "10000.00");
    assert_eq!(invoice["balance"], "10000.00");
    assert_eq!(invoice["sponsored"], "0.00");
    assert_eq!(
        lines["Bursary: County bursary 2026 (50% of tuition)"],
        "-7500.00"
    );
    assert_eq!(
        lines["Discount: Staff child (KES 1,000.00 off fees)"],
        "-1000.00"
    );
    assert_eq!(lines["Tuition"], "15000.00");
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.receivable.to_string(), "10000.00");
    let trial = bursar.trial_balance().await;
    // Contra-income: a debit balance on an INCOME account reads negative.
    assert_eq!(account(&trial, "4900"), "-8500.00", "{trial}");
    let (_, detail) = bursar.get_json(&format!("/students/{student}")).await;
    assert_eq!(detail["balance"], "10000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_percent_rounds_half_up_to_the_cent_and_amounts_never_take_an_invoice_below_zero() {
    let app = TestApp::spawn().await;
    let (bursar, class, student) = school_with_bursar(&app).await;
    bursar
        .create(
            "/fees/structures",
            json!({"name": "Grade 4 fees", "level": "Grade 4", "items": [
            {"name": "Tuition", "amount": "1234.55", "income_account": "4000"},
            {"name": "Activity Fee", "amount": "2000.00", "income_account": "4010"}]}),
        )
        .await;
    // 10% of 1,234.55 is 123.455: half a cent rounds up. An amount larger
    // than its line takes the line and no more; the last takes what is
    // left of the invoice and no more.
    adjust(
        &bursar,
        json!({"student_id": student, "kind": "DISCOUNT", "percent": "10",
        "item": "Tuition", "reason": "Early payment"}),
    )
    .await;
    adjust(
        &bursar,
        json!({"student_id": student, "kind": "DISCOUNT", "amount": "5000",
        "item": "Activity Fee", "reason": "Activities waived"}),
    )
    .await;
    adjust(
        &bursar,
        json!({"student_id": student, "kind": "BURSARY", "amount": "50000",
        "reason": "Full scholarship"}),
    )
    .await;
    generate(&bursar, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let (invoice, lines) = invoice_of(&bursar, &student, 1).await;
    assert_eq!(lines["Discount: Early payment (10% of Tuition)"], "-123.46");
    assert_eq!(
        lines["Discount: Activities waived (KES 5,000.00 off Activity Fee)"],
        "-2000.00"
    );
    assert_eq!(
        lines["Bursary: Full scholarship (KES 50,000.00 off fees)"],
        "-1111.09"
    );
    assert_eq!(invoice["total"], "0.00");
    assert_eq!(invoice["status"], "PAID");
    assert_books_right(&app, &bursar).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_bursary_gives_a_paid_invoice_of_zero_and_books_that_balance() {
    let app = TestApp::spawn().await;
    let (bursar, class, student) = school_with_bursar(&app).await;
    adjust(
        &bursar,
        json!({"student_id": student, "kind": "BURSARY", "percent": 100,
        "reason": "Presidential bursary"}),
    )
    .await;
    let operation = generate(&bursar, json!({"class_id": class, "term": 1, "year": 2025})).await;
    assert_eq!(operation["result"]["created"], 1, "{operation}");
    assert_eq!(operation["result"]["levels"][0]["adjustments"], 1);
    assert_eq!(
        operation["result"]["levels"][0]["adjusted_amount"],
        "18500.00"
    );
    let (invoice, lines) = invoice_of(&bursar, &student, 1).await;
    assert_eq!(
        (&invoice["total"], &invoice["balance"], &invoice["status"]),
        (&json!("0.00"), &json!("0.00"), &json!("PAID"))
    );
    assert_eq!(
        lines["Bursary: Presidential bursary (100% of fees)"],
        "-18500.00"
    );
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.receivable.to_string(), "0.00");
    let trial = bursar.trial_balance().await;
    assert_eq!(account(&trial, "4900"), "-18500.00", "{trial}");
    let (_, detail) = bursar.get_json(&format!("/students/{student}")).await;
    assert_eq!(detail["balance"], "0.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_term_limited_adjustment_applies_to_that_term_only() {
    let app = TestApp::spawn().await;
    let (bursar, class, student) = school_with_bursar(&app).await;
    adjust(
        &bursar,
        json!({"student_id": student, "kind": "DISCOUNT", "percent": 10,
        "term": 2, "year": 2025, "reason": "Term 2 hardship"}),
    )
    .await;
    generate(&bursar, json!({"class_id": class, "term": 1, "year": 2025})).await;
    generate(&bursar, json!({"class_id": class, "term": 2, "year": 2025})).await;
    let (first, lines) = invoice_of(&bursar, &student, 1).await;
    assert_eq!(first["total"], "18500.00");
    assert!(lines.values().all(|amount| !amount.starts_with('-')));
    let (second, lines) = invoice_of(&bursar, &student, 2).await;
    assert_eq!(second["total"], "16650.00");
    assert_eq!(lines["Discount: Term 2 hardship (10% of fees)"], "-1850.00");
    assert_books_right(&app, &bursar).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_adjustment_stops_applying_and_the_issued_invoice_keeps_its_line() {
    let app = TestApp::spawn().await;
    let (bursar, class, student) = school_with_bursar(&app).await;
    let discount = adjust(
        &bursar,
        json!({"student_id": student, "kind": "DISCOUNT",
        "amount": "2500.00", "reason": "Early payment"}),
    )
    .await;
    generate(&bursar, json!({"class_id": class, "term": 1, "year": 2025})).await;

    let path = format!("/adjustments/{}", discount["id"].as_str().unwrap());
    let response = bursar.delete(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let ended: Value = response.json().await.unwrap();
    assert!(ended["ended_at"].is_string() && ended["ended_by"].is_string());
    let again: Value = bursar.delete(&path).await.json().await.unwrap();
    assert_eq!(
        again["ended_at"], ended["ended_at"],
        "ending twice changes nothing"
    );

    generate(&bursar, json!({"class_id": class, "term": 2, "year": 2025})).await;
    let (first, lines) = invoice_of(&bursar, &student, 1).await;
    assert_eq!(first["total"], "16000.00");
    assert_eq!(
        lines["Discount: Early payment (KES 2,500.00 off fees)"],
        "-2500.00"
    );
    let (second, _) = invoice_of(&bursar, &student, 2).await;
    assert_eq!(second["total"], "18500.00");

    let (_, active) = bursar
        .get_json(&format!("/adjustments?student_id={student}&active=true"))
        .await;
    assert_eq!(active, json!([]));
    let (_, all) = bursar
        .get_json(&format!("/adjustments?student_id={student}"))
        .await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_books_right(&app, &bursar).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generate_preview_and_the_chats_preview_show_the_adjustments_and_their_total() {
    use shared::{
        chat::{action::Plan, preview},
        domain::invoice::generate::{self, GenerateInvoices},
    };
    let app = TestApp::spawn().await;
    let (bursar, class, student) = school_with_bursar(&app).await;
    adjust(
        &bursar,
        json!({"student_id": student, "kind": "BURSARY", "percent": "20",
        "item": "Tuition", "reason": "CDF bursary"}),
    )
    .await;
    let request = GenerateInvoices {
        student_id: None,
        class_id: Some(class),
        term: 1,
        year: 2025,
        include_optional: HashMap::new(),
    };
    let mut tx = app.tenant_tx(bursar.school).await;
    let previewed = generate::preview(&mut tx, &request).await.unwrap();
    assert_eq!(previewed.total_amount.to_string(), "15500.00");
    assert_eq!(previewed.adjustments, 1);
    assert_eq!(previewed.adjusted_amount.to_string(), "3000.00");
    assert_eq!(previewed.levels[0].adjustments, 1);
    assert_eq!(previewed.levels[0].adjusted_amount.to_string(), "3000.00");
    let (text, figures) = preview::preview(&mut tx, &Plan::GenerateInvoices(request))
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(figures.total.to_string(), "15500.00");
    assert!(text.contains("KES 3,000.00 (1 applied)"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adjustment_with_both_or_neither_measure_or_a_bad_percent_item_or_student_is_refused() {
    let app = TestApp::spawn().await;
    let (bursar, _, student) = school_with_bursar(&app).await;
    let base = |extra: Value| {
        let mut body = json!({"student_id": student, "kind": "DISCOUNT", "reason": "Hardship"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    for (extra, status, code) in [
        (
            json!({"percent": 10, "amount": 100}),
            StatusCode::BAD_REQUEST,
            "invalid_adjustment",
        ),
        (json!({}), StatusCode::BAD_REQUEST, "invalid_adjustment"),
        (
            json!({"percent": "100.01"}),
            StatusCode::BAD_REQUEST,
            "invalid_percent",
        ),
        (
            json!({"percent": 0}),
            StatusCode::BAD_REQUEST,
            "invalid_percent",
        ),
        (
            json!({"amount": "-5"}),
            StatusCode::BAD_REQUEST,
            "invalid_amount",
        ),
        (
            json!({"percent": 10, "term": 4}),
            StatusCode::BAD_REQUEST,
            "invalid_term",
        ),
        (
            json!({"percent": 10, "item": "Swimming"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_fee_item",
        ),
        (
            json!({"percent": 10, "sponsor_id": Uuid::now_v7()}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_sponsor",
        ),
        (
            json!({"percent": 10, "student_id": Uuid::now_v7()}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_student",
        ),
        (
            json!({"percent": 10, "reason": "  "}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
    ] {
        let response = bursar.post("/adjustments", base(extra.clone())).await;
        assert_problem(response, status, code).await;
    }
    assert_problem(
        bursar
            .get(&format!("/adjustments/{}", Uuid::now_v7()))
            .await,
        StatusCode::NOT_FOUND,
        "adjustment_not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teachers_and_viewers_may_read_but_not_write_adjustments_sponsors_or_the_sibling_discount()
{
    let app = TestApp::spawn().await;
    let (owner, _) = class_of(&app, 1).await;
    let bursar = owner.add_member("bursar@imara.ac.ke", "BURSAR").await;
    let (_, students) = bursar.get_json("/students").await;
    let student = students[0]["id"].as_str().unwrap().to_string();
    let adjustment = adjust(
        &bursar,
        json!({"student_id": student, "kind": "DISCOUNT",
        "percent": 5, "reason": "Hardship"}),
    )
    .await;
    let sponsor = bursar.create("/sponsors", json!({"name": "CDF"})).await;
    for (email, role) in [
        ("teacher@imara.ac.ke", "TEACHER"),
        ("viewer@imara.ac.ke", "VIEWER"),
    ] {
        let member = owner.add_member(email, role).await;
        assert_problem(
            member
                .post(
                    "/adjustments",
                    json!({"student_id": student, "kind": "DISCOUNT", "percent": 5, "reason": "x"}),
                )
                .await,
            StatusCode::FORBIDDEN,
            "insufficient_role",
        )
        .await;
        assert_problem(
            member
                .delete(&format!(
                    "/adjustments/{}",
                    adjustment["id"].as_str().unwrap()
                ))
                .await,
            StatusCode::FORBIDDEN,
            "insufficient_role",
        )
        .await;
        assert_problem(
            member.post("/sponsors", json!({"name": "NGO"})).await,
            StatusCode::FORBIDDEN,
            "insufficient_role",
        )
        .await;
        assert_problem(
            member
                .post(
                    &format!("/sponsors/{}/payments", sponsor["id"].as_str().unwrap()),
                    json!({"amount": 100, "method": "CASH"}),
                )
                .await,
            StatusCode::FORBIDDEN,
            "insufficient_role",
        )
        .await;
        let response = member
            .request(reqwest::Method::PUT, "/fees/sibling-discount")
            .json(&json!({"percent": 10, "from_child": 2}))
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
        let (status, list) = member
            .get_json(&format!("/adjustments?student_id={student}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
    }
}

/// A guardian with children admitted in this order, each a student of
/// Grade 4 East; returns their ids.
async fn children(
    bursar: &Member,
    class: Uuid,
    guardian: Uuid,
    admissions: &[&str],
) -> Vec<String> {
    let mut ids = Vec::new();
    for admission_no in admissions {
        let student = bursar
            .create(
                "/students",
                json!({"admission_no": admission_no, "first_name": "Child",
                "last_name": "Wanjiru", "class_id": class, "primary_guardian_id": guardian}),
            )
            .await;
        ids.push(student["id"].as_str().unwrap().to_string());
    }
    ids
}

async fn put_sibling_discount(bursar: &Member, body: Value) -> Value {
    let response = bursar
        .request(reqwest::Method::PUT, "/fees/sibling-discount")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sibling_discount_goes_to_the_second_and_third_active_child_by_admission_order() {
    let app = TestApp::spawn().await;
    let (bursar, class, only_child) = school_with_bursar(&app).await;
    let mother = bursar.guardian("Mary").await;
    // Admitted first but suspended: not counted, not invoiced.
    let suspended = children(&bursar, class, mother, &["ADM-2025-101"]).await;
    let response = bursar
        .patch(
            &format!("/students/{}", suspended[0]),
            json!({"status": "SUSPENDED"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let kids = children(
        &bursar,
        class,
        mother,
        &["ADM-2025-102", "ADM-2025-103", "ADM-2025-104"],
    )
    .await;
    let rule = put_sibling_discount(&bursar, json!({"percent": "10", "from_child": 2})).await;
    assert_eq!(rule["percent"], "10.00");
    let (_, read) = bursar.get_json("/fees/sibling-discount").await;
    assert_eq!(read["from_child"], 2);

    generate(&bursar, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let (first, lines) = invoice_of(&bursar, &kids[0], 1).await;
    assert_eq!(first["total"], "18500.00");
    assert!(lines.values().all(|amount| !amount.starts_with('-')));
    let (second, lines) = invoice_of(&bursar, &kids[1], 1).await;
    assert_eq!(second["total"], "16650.00");
    assert_eq!(lines["Sibling discount (2nd child, 10%)"], "-1850.00");
    let (third, lines) = invoice_of(&bursar, &kids[2], 1).await;
    assert_eq!(third["total"], "16650.00");
    assert_eq!(lines["Sibling discount (3rd child, 10%)"], "-1850.00");
    let (alone, _) = invoice_of(&bursar, &only_child, 1).await;
    assert_eq!(alone["total"], "18500.00");
    assert_books_right(&app, &bursar).await;

    // Turned off: the next term charges every child in full.
    let response = bursar.delete("/fees/sibling-discount").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), Value::Null);
    generate(&bursar, json!({"class_id": class, "term": 2, "year": 2025})).await;
    let (second, _) = invoice_of(&bursar, &kids[1], 2).await;
    assert_eq!(second["total"], "18500.00");
    assert_books_right(&app, &bursar).await;
}
