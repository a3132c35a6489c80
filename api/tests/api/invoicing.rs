use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Member, TestApp, assert_problem};

/// A school with "Grade 4 East" (2025) holding `n` active students.
pub async fn class_of(app: &TestApp, n: usize) -> (Member, Uuid) {
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let class = owner.grade_4_east().await;
    for i in 1..=n {
        owner.create("/students", json!({
            "admission_no": format!("ADM-2025-{i:03}"), "first_name": format!("Pupil{i}"), "last_name": "Otieno", "class_id": class
        }))
        .await;
    }
    (owner, class)
}

/// One student invoiced for term 1 of 2025 (18,500.00), with the worker
/// running; returns the owner and the invoice.
pub async fn invoiced(app: &TestApp) -> (Member, Value) {
    app.start_worker();
    let (owner, class) = class_of(app, 1).await;
    generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let (_, invoices) = owner.get_json("/invoices").await;
    (owner, invoices[0].clone())
}

pub async fn generate(session: &Member, body: Value) -> Value {
    let response = session
        .request(Method::POST, "/invoices/generate")
        .header("Prefer", "wait=20")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "Prefer: wait returns the finished operation"
    );
    assert!(
        response
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("/operations/")
    );
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generating_term_invoices_for_a_class_copies_lines_and_numbers_them_without_gaps() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 3).await;
    let operation = generate(
        &owner,
        json!({"class_id": class, "term": 1, "year": 2025, "include_optional": {"Lunch": true}}),
    )
    .await;
    assert_eq!(operation["status"], "succeeded", "{operation}");
    assert_eq!(operation["result"]["created"], 3);
    assert_eq!(operation["progress"]["done"], 3);

    let (_, invoices) = owner
        .get_json(&format!("/invoices?class_id={class}&term=1&year=2025"))
        .await;
    let numbers: Vec<&str> = invoices
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        ["INV-2025-00001", "INV-2025-00002", "INV-2025-00003"]
    );
    for invoice in invoices.as_array().unwrap() {
        assert_eq!(
            invoice["total"], "24500.00",
            "Tuition + Activity + Exam + Lunch, no Transport"
        );
        assert_eq!(invoice["status"], "UNPAID");
        assert_eq!(invoice["balance"], "24500.00");
    }
    let (_, lines) = owner
        .get_json(&format!(
            "/invoices/{}/lines",
            invoices[0]["id"].as_str().unwrap()
        ))
        .await;
    let names: Vec<&str> = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Lunch") && !names.contains(&"Transport"),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generating_twice_for_the_same_term_creates_nothing_new() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 2).await;
    let body = json!({"class_id": class, "term": 1, "year": 2025});
    generate(&owner, body.clone()).await;
    let again = generate(&owner, body).await;
    assert_eq!(again["result"]["created"], 0);
    assert_eq!(again["result"]["already_invoiced"], 2);
    let (_, invoices) = owner.get_json("/invoices").await;
    assert_eq!(invoices.as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_generations_keep_invoice_numbers_gapless_and_unique() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 6).await;
    let other = owner
        .create(
            "/classes",
            json!({"name": "Grade 5 West", "level": "Grade 5", "academic_year": 2025}),
        )
        .await;
    for i in 1..=6 {
        owner.create("/students", json!({"admission_no": format!("G5-{i}"), "first_name": "P", "last_name": "Q", "class_id": other["id"]})).await;
    }
    let a = generate(&owner, json!({"class_id": class, "term": 2, "year": 2026}));
    let b = generate(
        &owner,
        json!({"class_id": other["id"], "term": 2, "year": 2026}),
    );
    let c = generate(&owner, json!({"class_id": class, "term": 2, "year": 2026}));
    let (a, b, c) = tokio::join!(a, b, c);
    let created: i64 = [a, b, c]
        .iter()
        .map(|o| o["result"]["created"].as_i64().unwrap())
        .sum();
    assert_eq!(created, 12);
    let (_, invoices) = owner.get_json("/invoices?year=2026").await;
    let mut numbers: Vec<String> = invoices
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=12).map(|n| format!("INV-2026-{n:05}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_most_specific_fee_structure_wins() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 1).await;
    owner.create("/fees/structures", json!({"name": "All levels T2 2026", "term": 2, "year": 2026, "items": [{"name": "Tuition", "amount": 100, "income_account": "4000"}]})).await;
    owner.create("/fees/structures", json!({"name": "Grade 4 T2 2026", "level": "Grade 4", "term": 2, "year": 2026, "items": [{"name": "Tuition", "amount": 400, "income_account": "4000"}]})).await;
    owner.create("/fees/structures", json!({"name": "All levels T3 2026", "term": 3, "year": 2026, "items": [{"name": "Tuition", "amount": 300, "income_account": "4000"}]})).await;
    generate(&owner, json!({"class_id": class, "term": 2, "year": 2026})).await;
    generate(&owner, json!({"class_id": class, "term": 3, "year": 2026})).await;
    generate(&owner, json!({"class_id": class, "term": 1, "year": 2027})).await;
    let total = |term: i64, year: i64, invoices: &Value| {
        invoices
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["term"] == term && i["year"] == year)
            .unwrap()["total"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (_, invoices) = owner.get_json("/invoices").await;
    assert_eq!(total(2, 2026, &invoices), "400.00", "level + term + year");
    assert_eq!(total(3, 2026, &invoices), "300.00", "term + year");
    assert_eq!(
        total(1, 2027, &invoices),
        "18500.00",
        "the default template"
    );
}

#[tokio::test]
async fn generation_requests_are_checked_before_anything_is_queued() {
    let app = TestApp::spawn().await;
    let (owner, class) = class_of(&app, 1).await;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;
    let cases = [
        (
            json!({"term": 1, "year": 2025}),
            StatusCode::BAD_REQUEST,
            "invalid_target",
        ),
        (
            json!({"class_id": class, "student_id": Uuid::new_v4(), "term": 1, "year": 2025}),
            StatusCode::BAD_REQUEST,
            "invalid_target",
        ),
        (
            json!({"class_id": class, "term": 4, "year": 2025}),
            StatusCode::BAD_REQUEST,
            "invalid_term",
        ),
        (
            json!({"class_id": Uuid::new_v4(), "term": 1, "year": 2025}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_class",
        ),
        (
            json!({"class_id": class, "term": 1, "year": 2025, "include_optional": {"Swimming": true}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_optional_item",
        ),
    ];
    for (body, status, code) in cases {
        let response = owner
            .request(Method::POST, "/invoices/generate")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(response, status, code).await;
    }
    let by_teacher = teacher
        .at(owner.school)
        .post(
            "/invoices/generate",
            json!({"class_id": class, "term": 1, "year": 2025}),
        )
        .await;
    assert_problem(by_teacher, StatusCode::FORBIDDEN, "insufficient_role").await;
    let (_, operations) = owner.get_json("/operations").await;
    assert_eq!(operations, json!([]), "nothing was queued");
}

#[tokio::test]
async fn without_prefer_wait_the_answer_is_202_with_a_queued_operation() {
    let app = TestApp::spawn().await;
    let (owner, class) = class_of(&app, 1).await;
    let response = owner
        .post(
            "/invoices/generate",
            json!({"class_id": class, "term": 1, "year": 2025}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let operation: Value = response.json().await.unwrap();
    assert_eq!(operation["status"], "queued");
    assert_eq!(
        location,
        format!("/operations/{}", operation["id"].as_str().unwrap())
    );
    // With no worker running, it stays queued, and the job is in the queue.
    let (_, polled) = owner.get_json(&location).await;
    assert_eq!(polled["status"], "queued");
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE job_type = 'invoices.generate'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(queued, 1);
    app.start_worker();
    let done = owner
        .eventually(&location, |op| op["status"] == "succeeded")
        .await;
    assert_eq!(done["result"]["created"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoice_numbers_keep_counting_past_99999_in_a_year() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 2).await;
    let mut tx = app.tenant_tx(owner.school).await;
    sqlx::query("INSERT INTO invoice_counters (school_id, year, last_no) VALUES (app_school_id(), 2025, 99998)")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let operation = generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    assert_eq!(operation["result"]["created"], 2);
    let (_, invoices) = owner.get_json("/invoices").await;
    let numbers: Vec<&str> = invoices
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["INV-2025-99999", "INV-2025-100000"]);
}
