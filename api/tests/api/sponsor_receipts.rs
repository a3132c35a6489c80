//! Sponsors paying through POST /payments: with sponsor_id it is the
//! sponsor's payment path. The books are checked after each money step.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    adjustments::{adjust, invoice_of},
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::{class_of, generate},
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
async fn teachers_and_viewers_cannot_pay_for_a_sponsor_through_payments() {
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
    created(bursar.post("/payments", body).await).await;
    let books = assert_books_right(&app, &bursar).await;
    assert_eq!(books.cash.to_string(), "500.00");
}
