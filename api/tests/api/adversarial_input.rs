//! Hostile input (OWASP API4, API8), beyond errors.rs and payments.rs:
//! every bad value is a 4xx problem with a code, never a 500, and is not
//! written.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Member, TestApp, assert_problem};

async fn school(app: &TestApp) -> Member {
    app.owner_with_school("owner@example.com", "Imara Academy")
        .await
}

async fn post_raw(s: &Member, path: &str, body: String) -> reqwest::Response {
    s.request(Method::POST, path)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_deeply_nested_amount_is_refused_without_exhausting_the_stack() {
    let app = TestApp::spawn().await;
    let owner = school(&app).await;
    let student = owner.student("ADM-001").await;
    for depth in [200, 50_000] {
        let amount = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let body =
            format!(r#"{{"student_id": "{student}", "method": "CASH", "amount": {amount}}}"#);
        let response = post_raw(&owner, "/payments", body).await;
        let status = response.status();
        let problem: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "depth {depth}: {problem}");
        assert!(
            problem["code"] == "malformed_json" || problem["code"] == "invalid_body",
            "depth {depth}: {problem}"
        );
    }
    let objects = format!("{}{}", r#"{"a":"#.repeat(20_000), "}".repeat(20_000));
    let response = post_raw(
        &owner,
        "/notifications/send",
        format!(r#"{{"type": "IN_APP", "subject": "x", "body": "y", "audience": {objects}}}"#),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments, json!([]));
}

#[tokio::test]
async fn huge_arrays_under_the_body_limit_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let owner = school(&app).await;
    let ids: Vec<Uuid> = (0..5001).map(|_| Uuid::new_v4()).collect();
    let response = owner.post("/notifications/send", json!({"type": "IN_APP", "subject": "x", "body": "y", "audience": {"student_ids": ids}})).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_audience").await;
    let items: Vec<Value> = (0..51)
        .map(|i| json!({"name": format!("Item {i}"), "amount": 1}))
        .collect();
    let response = owner
        .post(
            "/fees/structures",
            json!({"name": "Big", "level": "Grade 4", "term": 2, "year": 2025, "items": items}),
        )
        .await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_items").await;
    // Eighty thousand zeros: cheap to send, refused by type before any work.
    let zeros = format!("[{}0]", "0,".repeat(80_000));
    let response = post_raw(
        &owner,
        "/fees/structures",
        format!(
            r#"{{"name": "Big", "level": "Grade 4", "term": 2, "year": 2025, "items": {zeros}}}"#
        ),
    )
    .await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    let (_, notifications) = owner.get_json("/notifications").await;
    assert_eq!(notifications, json!([]));
    let (_, structures) = owner.get_json("/fees/structures").await;
    assert_eq!(structures.as_array().unwrap().len(), 1, "only the default");
}

#[tokio::test]
async fn exponents_signs_and_non_numbers_as_amounts_are_refused() {
    let app = TestApp::spawn().await;
    let owner = school(&app).await;
    let student = owner.student("ADM-001").await;
    for amount in [
        "1e3",
        "1E+3",
        "1.5e2",
        "\"1e3\"",
        "\"+5\"",
        "\"Infinity\"",
        "\"0x10\"",
        "\"1,000\"",
        "10.005",
        "1000000000000",
        "true",
        "null",
        "{}",
        "\"\"",
    ] {
        let body =
            format!(r#"{{"student_id": "{student}", "method": "CASH", "amount": {amount}}}"#);
        let response = post_raw(&owner, "/payments", body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{amount}");
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    }
    for amount in ["-0", "0.00", "\"-0.01\""] {
        let body =
            format!(r#"{{"student_id": "{student}", "method": "CASH", "amount": {amount}}}"#);
        let response = post_raw(&owner, "/payments", body).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_amount").await;
    }
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments, json!([]));
}

#[tokio::test]
async fn control_and_direction_characters_are_refused_in_every_name_field() {
    let app = TestApp::spawn().await;
    let owner = school(&app).await;
    for bad in [
        "Ak\u{202E}inyi",
        "Ak\u{200F}inyi",
        "Ak\u{2066}inyi",
        "Ak\u{0000}inyi",
        "Ak\u{001B}[31minyi",
    ] {
        let cases = [
            (
                "/students",
                json!({"admission_no": "ADM-9", "first_name": bad, "last_name": "O"}),
            ),
            (
                "/students",
                json!({"admission_no": "ADM-9", "first_name": "A", "last_name": bad}),
            ),
            (
                "/students",
                json!({"admission_no": bad, "first_name": "A", "last_name": "O"}),
            ),
            (
                "/students",
                json!({"admission_no": "ADM-9", "first_name": "A", "last_name": "O",
                "primary_guardian": {"first_name": bad, "last_name": "O"}}),
            ),
            ("/guardians", json!({"first_name": bad, "last_name": "O"})),
            ("/guardians", json!({"first_name": "A", "last_name": bad})),
            (
                "/guardians",
                json!({"first_name": "A", "last_name": "O", "relationship": bad}),
            ),
            (
                "/classes",
                json!({"name": bad, "level": "Grade 4", "academic_year": 2025}),
            ),
            (
                "/classes",
                json!({"name": "4E", "level": "Grade 4", "academic_year": 2025, "stream": bad}),
            ),
            (
                "/fees/structures",
                json!({"name": bad, "items": [{"name": "Tuition", "amount": 1}]}),
            ),
            (
                "/fees/structures",
                json!({"name": "F", "items": [{"name": bad, "amount": 1}]}),
            ),
            (
                "/notifications/send",
                json!({"type": "IN_APP", "subject": bad, "body": "y"}),
            ),
            (
                "/reminders/schedules",
                json!({"name": bad, "cron": "0 9 * * *"}),
            ),
            ("/chats", json!({"title": bad})),
        ];
        for (path, body) in cases {
            let response = owner
                .request(Method::POST, path)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let problem: Value = response.json().await.unwrap();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {problem}");
            assert!(
                ["invalid_field", "invalid_admission_no"]
                    .contains(&problem["code"].as_str().unwrap()),
                "{path} {body}: {problem}"
            );
        }
        let school_name = app
            .request(Method::POST, "/schools")
            .bearer_auth(&owner.token)
            .json(&json!({"name": bad}))
            .send()
            .await
            .unwrap();
        assert_problem(school_name, StatusCode::BAD_REQUEST, "invalid_field").await;
        let register = app
            .request(Method::POST, "/auth/register")
            .json(&json!({"email": "x@example.com", "full_name": bad, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_problem(register, StatusCode::BAD_REQUEST, "invalid_field").await;
    }
    for path in ["/students", "/guardians", "/classes", "/notifications"] {
        let (_, rows) = owner.get_json(path).await;
        assert_eq!(rows, json!([]), "{path}");
    }
}

#[tokio::test]
async fn sql_and_pattern_characters_in_a_search_are_only_text() {
    let app = TestApp::spawn().await;
    let owner = school(&app).await;
    owner.student("ADM-001").await;
    for q in [
        "' OR 1=1 --",
        "%",
        "_",
        "\\",
        "%' OR ''='",
        "'; DROP TABLE students; --",
    ] {
        let response = owner
            .request(Method::GET, "/students")
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{q}");
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!([]),
            "{q} matched"
        );
    }
    let nul = owner.get("/students?q=Jo%00hn").await;
    assert!(nul.status().is_client_error(), "{}", nul.status());
    let problem: Value = nul.json().await.unwrap();
    assert!(problem["code"].is_string(), "{problem}");
    let (_, students) = owner.get_json("/students").await;
    assert_eq!(students.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn malformed_ids_in_path_query_and_body_are_400_with_their_own_code() {
    let app = TestApp::spawn().await;
    let owner = school(&app).await;
    for path in [
        "/students/1",
        "/students/1/statement",
        "/invoices/%27%20OR%201=1",
        "/invoices/x/lines",
        "/payments/00000000-0000-0000-0000",
        "/operations/null",
        "/notifications/-1",
        "/guardians/..%2F..%2Fetc",
        "/fees/structures/{id}",
    ] {
        let response = owner.get(path).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_path").await;
    }
    for path in [
        "/invoices?student_id=abc",
        "/payments?invoice_id=1",
        "/students?class_id=",
        "/classes?after=zzz",
        "/invoices?term=one",
        "/events?last_event_id=abc",
    ] {
        let response = owner.get(path).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
    let body = owner
        .post(
            "/payments",
            json!({"invoice_id": "not-a-uuid", "amount": 1, "method": "CASH"}),
        )
        .await;
    assert_problem(body, StatusCode::BAD_REQUEST, "invalid_body").await;
}

#[tokio::test]
async fn impossible_dates_and_out_of_range_numbers_are_refused() {
    let app = TestApp::spawn().await;
    let owner = school(&app).await;
    let student = owner.student("ADM-001").await;
    let (_, terms) = owner.get_json("/terms").await;
    let term = terms[0]["id"].as_str().unwrap();
    let cases = [
        (
            Method::POST,
            "/students".to_string(),
            json!({"admission_no": "ADM-2", "first_name": "A", "last_name": "O", "date_of_birth": "2015-02-30"}),
        ),
        (
            Method::POST,
            "/students".to_string(),
            json!({"admission_no": "ADM-2", "first_name": "A", "last_name": "O", "date_of_birth": "yesterday"}),
        ),
        (
            Method::POST,
            "/payments".to_string(),
            json!({"student_id": student, "amount": 1, "method": "CASH", "paid_at": "2025-13-01T00:00:00Z"}),
        ),
        (
            Method::POST,
            "/payments".to_string(),
            json!({"student_id": student, "amount": 1, "method": "CASH", "paid_at": 1735689600}),
        ),
        (
            Method::PATCH,
            format!("/terms/{term}"),
            json!({"starts_on": "2025-00-10", "ends_on": "2025-04-01"}),
        ),
        (
            Method::POST,
            "/invoices/generate".to_string(),
            json!({"student_id": student, "term": 70000, "year": 2025}),
        ),
        (
            Method::POST,
            "/invoices/generate".to_string(),
            json!({"student_id": student, "term": 1, "year": 99999999999i64}),
        ),
        (
            Method::POST,
            "/invoices/generate".to_string(),
            json!({"student_id": student, "term": 1.5, "year": 2025}),
        ),
        (
            Method::POST,
            "/classes".to_string(),
            json!({"name": "4E", "level": "Grade 4", "academic_year": 1e10}),
        ),
    ];
    for (method, path, body) in cases {
        let response = owner
            .request(method.clone(), &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let problem: Value = response.json().await.unwrap();
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{method} {path} {body}: {problem}"
        );
        assert!(problem["code"].is_string(), "{problem}");
    }
    let (_, operations) = owner.get_json("/operations").await;
    assert_eq!(operations, json!([]));
    let (_, students) = owner.get_json("/students").await;
    assert_eq!(students.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn unknown_enum_values_are_refused_in_bodies_and_queries() {
    let app = TestApp::spawn().await;
    let owner = school(&app).await;
    let student = owner.student("ADM-001").await;
    app.register("new@example.com").await;
    let bodies = [
        (
            Method::PATCH,
            format!("/students/{student}"),
            json!({"status": "EXPELLED"}),
        ),
        (
            Method::PATCH,
            format!("/students/{student}"),
            json!({"status": "active"}),
        ),
        (
            Method::POST,
            "/members".to_string(),
            json!({"email": "new@example.com", "role": "SUPERUSER"}),
        ),
        (
            Method::POST,
            "/notifications/send".to_string(),
            json!({"type": "SMS", "subject": "x", "body": "y"}),
        ),
        (
            Method::POST,
            "/payments".to_string(),
            json!({"student_id": student, "amount": 1, "method": "cash"}),
        ),
        (
            Method::POST,
            "/students".to_string(),
            json!({"admission_no": "ADM-2", "first_name": "A", "last_name": "O", "gender": "X"}),
        ),
    ];
    for (method, path, body) in bodies {
        let response = owner
            .request(method.clone(), &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{method} {path} {body}"
        );
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    }
    for path in ["/students?status=EXPELLED", "/invoices?status=OVERDUE"] {
        let response = owner.get(path).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
    let (_, detail) = owner.get_json(&format!("/students/{student}")).await;
    assert_eq!(detail["status"], "ACTIVE");
    let (_, members) = owner.get_json("/members").await;
    assert_eq!(members.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn page_sizes_outside_one_to_five_hundred_are_refused() {
    let app = TestApp::spawn().await;
    let owner = school(&app).await;
    for limit in ["0", "501", "-1", "100000000000"] {
        let response = owner.get(&format!("/students?limit={limit}")).await;
        let status = response.status();
        let problem: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{limit}: {problem}");
        assert!(
            problem["code"] == "invalid_limit" || problem["code"] == "invalid_query",
            "{limit}: {problem}"
        );
    }
}
