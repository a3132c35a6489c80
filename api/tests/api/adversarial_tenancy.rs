//! Broken object-level authorisation (OWASP API1): a member of school B
//! sends school A's ids wherever an id goes — path, query, body, headers,
//! the event stream — beyond what tenancy.rs already tries. Nothing of A is
//! read, linked or changed.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp, assert_problem},
    invoicing::generate,
};

/// A school with one guardian, student, invoice, posted payment, operation
/// and notification.
struct Busy {
    owner: Member,
    id: Uuid,
    class: Uuid,
    guardian: Uuid,
    student: Uuid,
    invoice: Uuid,
    payment: Uuid,
    operation: Uuid,
    notification: Uuid,
}

fn id(value: &Value) -> Uuid {
    value.as_str().unwrap().parse().unwrap()
}

async fn busy(app: &TestApp, email: &str, name: &str) -> Busy {
    let owner = app.owner_with_school(email, name).await;
    let school = owner.school;
    let class = owner.grade_4_east().await;
    let student = owner.create("/students", json!({"admission_no": "ADM-001", "first_name": "Akinyi", "last_name": "O",
            "class_id": class, "primary_guardian": {"first_name": "Mama", "last_name": "Akinyi", "email": "mama@example.com"}}))
        .await;
    let operation = generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let (_, invoices) = owner.get_json("/invoices").await;
    let payment = owner
        .create(
            "/payments",
            json!({"invoice_id": invoices[0]["id"], "amount": 1000, "method": "CASH"}),
        )
        .await;
    let path = format!("/payments/{}", payment["id"].as_str().unwrap());
    owner
        .eventually(&path, |p| p["posting_status"] == "POSTED")
        .await;
    let response = owner
        .request(Method::POST, "/notifications/send")
        .header("Prefer", "wait=20")
        .json(&json!({"type": "IN_APP", "subject": "Fees", "body": "Due Friday"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let sent: Value = response.json().await.unwrap();
    let (_, notifications) = owner.get_json("/notifications").await;
    assert_eq!(sent["status"], "succeeded", "{sent}");
    Busy {
        class,
        guardian: id(&student["guardians"][0]["id"]),
        student: id(&student["id"]),
        invoice: id(&invoices[0]["id"]),
        payment: id(&payment["id"]),
        operation: id(&operation["id"]),
        notification: id(&notifications[0]["id"]),
        owner,
        id: school,
    }
}

/// Two busy schools, A and B, with a worker running.
async fn two_schools(app: &TestApp) -> (Busy, Busy) {
    app.start_worker();
    let a = busy(app, "a@example.com", "School A").await;
    let b = busy(app, "b@example.com", "School B").await;
    (a, b)
}

/// Every GET by id the api has, with an id of school A, asked by B's owner.
/// Reminder runs are not here: one needs a scheduler tick to exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_of_school_a_in_read_paths_are_404_to_a_member_of_b() {
    let app = TestApp::spawn().await;
    let (a, b) = two_schools(&app).await;
    let (_, structures) = a.owner.get_json("/fees/structures").await;
    let (_, schedules) = a.owner.get_json("/reminders/schedules").await;
    let chat = a.owner.create("/chats", json!({"title": "A's desk"})).await;
    for (path, code) in [
        (format!("/classes/{}", a.class), "class_not_found"),
        (format!("/guardians/{}", a.guardian), "guardian_not_found"),
        (format!("/students/{}", a.student), "student_not_found"),
        (
            format!("/fees/structures/{}", id(&structures[0]["id"])),
            "fee_structure_not_found",
        ),
        (
            format!("/reminders/schedules/{}", id(&schedules[0]["id"])),
            "reminder_schedule_not_found",
        ),
        (
            format!("/chats/{}/messages", id(&chat["id"])),
            "chat_not_found",
        ),
        (format!("/invoices/{}", a.invoice), "invoice_not_found"),
        (
            format!("/invoices/{}/lines", a.invoice),
            "invoice_not_found",
        ),
        (format!("/payments/{}", a.payment), "payment_not_found"),
        (
            format!("/operations/{}", a.operation),
            "operation_not_found",
        ),
        (
            format!("/notifications/{}", a.notification),
            "notification_not_found",
        ),
        (
            format!("/students/{}/statement", a.student),
            "student_not_found",
        ),
    ] {
        let response = b.owner.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_problem(response, StatusCode::NOT_FOUND, code).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_cursors_naming_school_a_find_nothing_for_b() {
    let app = TestApp::spawn().await;
    let (a, b) = two_schools(&app).await;
    for path in [
        format!("/invoices?student_id={}", a.student),
        format!("/invoices?class_id={}", a.class),
        format!("/payments?student_id={}", a.student),
        format!("/payments?invoice_id={}", a.invoice),
        format!("/students?class_id={}", a.class),
    ] {
        let (status, rows) = b.owner.get_json(&path).await;
        assert_eq!((status, rows), (StatusCode::OK, json!([])), "{path}");
    }
    // A cursor from A only positions B's own rows.
    let a_ids = [
        a.student,
        a.invoice,
        a.payment,
        a.operation,
        a.notification,
        a.guardian,
        a.class,
    ];
    for (list, cursor) in [
        ("/students", a.student),
        ("/invoices", a.invoice),
        ("/payments", a.payment),
        ("/operations", a.operation),
        ("/notifications", a.notification),
        ("/guardians", a.guardian),
        ("/classes", a.class),
    ] {
        let (status, rows) = b.owner.get_json(&format!("{list}?after={cursor}")).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let text = rows.to_string();
        for a_id in a_ids {
            assert!(!text.contains(&a_id.to_string()), "{list} leaked {a_id}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn school_a_ids_in_a_body_are_unknown_to_b_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (a, b) = two_schools(&app).await;
    let (_, a_before) = a.owner.get_json(&format!("/invoices/{}", a.invoice)).await;
    let (_, b_operations) = b.owner.get_json("/operations").await;
    let (_, b_payments) = b.owner.get_json("/payments").await;
    let (_, b_notifications) = b.owner.get_json("/notifications").await;
    let cases = [
        (
            "/payments",
            json!({"invoice_id": a.invoice, "amount": 500, "method": "CASH"}),
            "unknown_invoice",
        ),
        (
            "/payments",
            json!({"student_id": a.student, "amount": 500, "method": "CASH"}),
            "unknown_student",
        ),
        (
            "/invoices/generate",
            json!({"student_id": a.student, "term": 2, "year": 2025}),
            "unknown_student",
        ),
        (
            "/invoices/generate",
            json!({"class_id": a.class, "term": 2, "year": 2025}),
            "unknown_class",
        ),
        (
            "/notifications/send",
            json!({"type": "IN_APP", "subject": "x", "body": "y", "audience": {"class_id": a.class}}),
            "unknown_class",
        ),
    ];
    for (path, body, code) in cases {
        let response = b
            .owner
            .request(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}"
        );
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, code).await;
    }
    let (_, a_after) = a.owner.get_json(&format!("/invoices/{}", a.invoice)).await;
    assert_eq!(a_after, a_before, "A's invoice is untouched");
    assert_eq!(b.owner.get_json("/operations").await.1, b_operations);
    assert_eq!(b.owner.get_json("/payments").await.1, b_payments);
    assert_eq!(b.owner.get_json("/notifications").await.1, b_notifications);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_from_b_naming_as_students_or_guardians_is_refused_and_reaches_no_one() {
    let app = TestApp::spawn().await;
    let (a, b) = two_schools(&app).await;
    let deliveries_in_a = || async {
        let mut tx = app.tenant_tx(a.id).await;
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_deliveries")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    };
    let before = deliveries_in_a().await;
    let (_, b_notifications) = b.owner.get_json("/notifications").await;
    for (audience, code) in [
        (json!({"student_ids": [a.student]}), "unknown_student"),
        (json!({"guardian_ids": [a.guardian]}), "unknown_guardian"),
        (
            json!({"student_ids": [b.student, a.student]}),
            "unknown_student",
        ),
    ] {
        let response = b.owner.post("/notifications/send", json!({"type": "EMAIL", "subject": "Pay now", "body": "to this till", "audience": audience})).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, code).await;
    }
    assert_eq!(deliveries_in_a().await, before);
    assert_eq!(b.owner.get_json("/notifications").await.1, b_notifications);
}

#[tokio::test]
async fn a_second_school_header_is_refused_not_resolved() {
    let app = TestApp::spawn().await;
    let a = app.owner_with_school("a@example.com", "School A").await;
    let a_school = a.school;
    let b = app.owner_with_school("b@example.com", "School B").await;
    let b_school = b.school;
    for session in [&a, &b] {
        let response = app
            .request(Method::GET, "/students")
            .bearer_auth(&session.token)
            .header("X-School-ID", b_school.to_string())
            .header("X-School-ID", a_school.to_string())
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_school_id").await;
    }
    let joined = app
        .request(Method::GET, "/students")
        .bearer_auth(&b.token)
        .header("X-School-ID", format!("{b_school}, {a_school}"))
        .send()
        .await
        .unwrap();
    assert_problem(joined, StatusCode::BAD_REQUEST, "invalid_school_id").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_the_event_stream_from_zero_shows_b_nothing_of_a() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let a = busy(&app, "a@example.com", "School A").await;
    let b = app.owner_with_school("b@example.com", "School B").await;
    let mut response = b
        .request(Method::GET, "/events")
        .header("Last-Event-ID", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, response.chunk()).await {
        received.extend_from_slice(&chunk);
    }
    let text = String::from_utf8_lossy(&received);
    assert!(!text.contains("data:"), "B saw events of A: {text}");
    for a_id in [a.operation, a.payment, a.invoice, a.student] {
        assert!(!text.contains(&a_id.to_string()));
    }
}
