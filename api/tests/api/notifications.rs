use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::config::MailConfig;
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp, assert_problem},
    smtp::{SmtpServer, free_port},
};

/// Three families: two guardians with email, one without; one student withdrawn.
async fn families(app: &TestApp) -> (Member, Vec<Uuid>) {
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let mut students = Vec::new();
    for (adm, first, email) in [
        ("A1", "Akinyi", Some("akinyi.mum@example.com")),
        ("A2", "Baraka", Some("baraka.dad@example.com")),
        ("A3", "Chebet", None),
    ] {
        let mut guardian = json!({"first_name": format!("{first}'s"), "last_name": "Guardian", "phone": "0712345678"});
        if let Some(email) = email {
            guardian["email"] = json!(email);
        }
        let student = owner.create("/students", json!({"admission_no": adm, "first_name": first, "last_name": "O", "primary_guardian": guardian})).await;
        students.push(student["id"].as_str().unwrap().parse().unwrap());
    }
    let withdrawn = owner.create("/students", json!({"admission_no": "A4", "first_name": "Dan", "last_name": "O",
        "primary_guardian": {"first_name": "Dan's", "last_name": "Guardian", "email": "dan.mum@example.com"}})).await;
    owner
        .patch(
            &format!("/students/{}", withdrawn["id"].as_str().unwrap()),
            json!({"status": "WITHDRAWN"}),
        )
        .await;
    (owner, students)
}

async fn send(session: &Member, body: Value) -> Value {
    let response = session
        .request(Method::POST, "/notifications/send")
        .header("Prefer", "wait=20")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let operation: Value = response.json().await.unwrap();
    assert_eq!(operation["status"], "succeeded", "{operation}");
    operation
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_app_notification_reaches_every_guardian_of_an_active_student_at_once() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, _) = families(&app).await;
    let operation = send(
        &owner,
        json!({"type": "IN_APP", "subject": "Reminder", "body": "Fees due next week"}),
    )
    .await;
    assert_eq!(
        operation["result"]["recipients"], 3,
        "the withdrawn student's guardian is left out"
    );
    assert_eq!(operation["result"]["sent"], 3);
    let id = operation["result"]["notification_id"].as_str().unwrap();
    let (_, detail) = owner.get_json(&format!("/notifications/{id}")).await;
    assert!(
        detail["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "SENT" && d["channel"] == "IN_APP")
    );
    let (_, list) = owner.get_json("/notifications").await;
    assert_eq!(
        (list[0]["type"].as_str(), list[0]["sent"].as_i64()),
        (Some("IN_APP"), Some(3))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_goes_through_smtp_to_each_guardian_with_an_address() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    app.start_worker_with_mail(MailConfig {
        smtp_url: Some(shared::secret::Secret::new(smtp.url())),
        from: "Bursar <bursar@imara.test>".into(),
        dir: "unused".into(),
    });
    let (owner, _) = families(&app).await;
    let operation = send(
        &owner,
        json!({"type": "EMAIL", "subject": "Term 1 fees", "body": "Dear parent, fees are due."}),
    )
    .await;
    assert_eq!(
        (
            operation["result"]["queued"].as_i64(),
            operation["result"]["failed"].as_i64()
        ),
        (Some(2), Some(1))
    );
    let id = operation["result"]["notification_id"]
        .as_str()
        .unwrap()
        .to_string();
    let detail = owner
        .eventually(&format!("/notifications/{id}"), |d| d["queued"] == 0)
        .await;
    let statuses: Vec<(String, String)> = detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["address"].as_str().unwrap_or("-").to_string(),
                d["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("akinyi.mum@example.com".into(), "SENT".into())),
        "{statuses:?}"
    );
    assert!(statuses.contains(&("baraka.dad@example.com".into(), "SENT".into())));
    assert!(statuses.contains(&("-".into(), "FAILED".into())));
    let failed = detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["status"] == "FAILED")
        .unwrap();
    assert_eq!(failed["error"], "the guardian has no email address");

    let messages = smtp.messages();
    assert_eq!(messages.len(), 2, "one message per guardian with an email");
    for to in ["akinyi.mum@example.com", "baraka.dad@example.com"] {
        let message = messages
            .iter()
            .find(|m| m.contains(&format!("To: {to}")))
            .unwrap_or_else(|| panic!("no message to {to}"));
        assert!(message.contains("Subject: Term 1 fees"));
        assert!(message.contains("Dear parent, fees are due."));
        assert!(
            message.contains("From: \"Imara Academy\" <bursar@imara.test>")
                || message.contains("From: Imara Academy <bursar@imara.test>"),
            "{message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_balance_narrows_to_families_that_owe() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, students) = families(&app).await;
    crate::invoicing::generate(
        &owner,
        json!({"student_id": students[0], "term": 1, "year": 2025}),
    )
    .await;
    crate::invoicing::generate(
        &owner,
        json!({"student_id": students[1], "term": 1, "year": 2025}),
    )
    .await;
    let paid = owner
        .create(
            "/payments",
            json!({"student_id": students[1], "amount": "18500", "method": "CASH"}),
        )
        .await;
    owner
        .eventually(
            &format!("/payments/{}", paid["id"].as_str().unwrap()),
            |p| p["posting_status"] == "POSTED",
        )
        .await;
    let operation = send(&owner, json!({"type": "IN_APP", "subject": "Balance", "body": "Please pay", "audience": {"with_balance": true}})).await;
    assert_eq!(
        operation["result"]["recipients"], 1,
        "only Akinyi's family owes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_smtp_server_down_and_then_back_every_email_is_delivered_exactly_once() {
    let port = free_port();
    let app = TestApp::spawn().await;
    app.start_worker_with_mail(MailConfig {
        smtp_url: Some(shared::secret::Secret::new(format!(
            "smtp://127.0.0.1:{port}"
        ))),
        from: "b@imara.test".into(),
        dir: "unused".into(),
    });
    let (owner, _) = families(&app).await;
    let operation = send(
        &owner,
        json!({"type": "EMAIL", "subject": "Down", "body": "Retry me"}),
    )
    .await;
    let id = operation["result"]["notification_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Nothing listens: attempts fail and are recorded, the deliveries stay QUEUED.
    owner
        .eventually(&format!("/notifications/{id}"), |d| {
            d["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["status"] == "QUEUED")
                .all(|x| x["attempts"].as_i64() >= Some(1) && x["error"].is_string())
        })
        .await;
    let smtp = SmtpServer::start_on(port).await;
    let detail = owner
        .eventually(&format!("/notifications/{id}"), |d| d["queued"] == 0)
        .await;
    assert_eq!(detail["sent"], 2);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2, "each guardian got exactly one message");
}

#[tokio::test]
async fn bad_notifications_and_teachers_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;
    let cases = [
        (
            json!({"type": "SMS", "subject": "s", "body": "b"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"type": "EMAIL", "subject": " ", "body": "b"}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"type": "EMAIL", "subject": "s", "body": ""}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"type": "EMAIL", "subject": "s", "body": "b", "audience": {"student_ids": []}}),
            StatusCode::BAD_REQUEST,
            "invalid_audience",
        ),
        (
            json!({"type": "EMAIL", "subject": "s", "body": "b", "audience": {"class_id": Uuid::new_v4()}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_class",
        ),
        (
            json!({"type": "EMAIL", "subject": "s", "body": "b", "audience": {"everyone": true}}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        let response = owner
            .request(Method::POST, "/notifications/send")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(response, status, code).await;
    }
    let by_teacher = teacher
        .post(
            "/notifications/send",
            json!({"type": "IN_APP", "subject": "s", "body": "b"}),
        )
        .await;
    assert_problem(by_teacher, StatusCode::FORBIDDEN, "insufficient_role").await;
}
