//! Broken function-level authorisation (OWASP API5): a member calls every
//! write their role does not grant, with a valid body, and is refused with
//! 403 `insufficient_role` before anything is written.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Member, TestApp, assert_problem};

struct School {
    owner: Member,
    class: Uuid,
    student: Uuid,
    structure: Uuid,
    term: Uuid,
    /// The weekly reminder every new school has.
    schedule: Uuid,
}

async fn school(app: &TestApp) -> School {
    let owner = app.owner_with_school("owner@example.com", "Imara").await;
    let class = owner.grade_4_east().await;
    let student = owner.student("ADM-001").await;
    let (_, structures) = owner.get_json("/fees/structures").await;
    let (_, terms) = owner.get_json("/terms").await;
    let (_, schedules) = owner.get_json("/reminders/schedules").await;
    School {
        owner,
        class,
        student,
        structure: structures[0]["id"].as_str().unwrap().parse().unwrap(),
        term: terms[0]["id"].as_str().unwrap().parse().unwrap(),
        schedule: schedules[0]["id"].as_str().unwrap().parse().unwrap(),
    }
}

/// Every write of the api with a body that an owner would get accepted.
fn every_write(s: &School) -> Vec<(Method, String, Value)> {
    vec![
        (
            Method::POST,
            "/classes".into(),
            json!({"name": "Grade 5 West", "level": "Grade 5", "academic_year": 2025}),
        ),
        (
            Method::POST,
            "/guardians".into(),
            json!({"first_name": "Eve", "last_name": "Doe"}),
        ),
        (
            Method::POST,
            "/students".into(),
            json!({"admission_no": "ADM-999", "first_name": "Eve", "last_name": "Doe"}),
        ),
        (
            Method::PATCH,
            format!("/students/{}", s.student),
            json!({"status": "WITHDRAWN"}),
        ),
        (
            Method::PATCH,
            format!("/students/{}", s.student),
            json!({"class_id": s.class}),
        ),
        (
            Method::POST,
            "/fees/structures".into(),
            json!({"name": "Grade 4 Term 2", "level": "Grade 4", "term": 2, "year": 2025,
            "items": [{"name": "Tuition", "amount": "1.00"}]}),
        ),
        (
            Method::PATCH,
            format!("/fees/structures/{}", s.structure),
            json!({"name": "hijacked"}),
        ),
        (
            Method::POST,
            "/invoices/generate".into(),
            json!({"class_id": s.class, "term": 1, "year": 2025}),
        ),
        (
            Method::POST,
            "/payments".into(),
            json!({"student_id": s.student, "amount": 10, "method": "CASH"}),
        ),
        (
            Method::POST,
            "/notifications/send".into(),
            json!({"type": "IN_APP", "subject": "Hi", "body": "Fees"}),
        ),
        (
            Method::POST,
            "/members".into(),
            json!({"email": "outsider@example.com", "role": "VIEWER"}),
        ),
        (
            Method::POST,
            "/members".into(),
            json!({"email": "outsider@example.com", "role": "OWNER"}),
        ),
        (
            Method::PATCH,
            format!("/terms/{}", s.term),
            json!({"starts_on": "2025-01-06", "ends_on": "2025-04-04"}),
        ),
        (
            Method::POST,
            "/reminders/schedules".into(),
            json!({"name": "Daily", "cron": "0 9 * * *", "enabled": true}),
        ),
        (
            Method::PATCH,
            format!("/reminders/schedules/{}", s.schedule),
            json!({"enabled": true}),
        ),
        (
            Method::DELETE,
            format!("/reminders/schedules/{}", s.schedule),
            Value::Null,
        ),
    ]
}

/// Everything a refused write could have touched, as the owner sees it.
async fn snapshot(s: &School) -> Vec<Value> {
    let mut seen = Vec::new();
    for path in [
        "/classes".to_string(),
        "/guardians".into(),
        "/students".into(),
        format!("/students/{}", s.student),
        "/fees/structures".into(),
        "/operations".into(),
        "/payments".into(),
        "/notifications".into(),
        "/members".into(),
        "/terms".into(),
        "/reminders/schedules".into(),
    ] {
        let (status, body) = s.owner.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        seen.push(body);
    }
    seen
}

async fn refuses_every_write(
    app: &TestApp,
    s: &School,
    session: &Member,
    only_school_management: bool,
) {
    app.register("outsider@example.com").await;
    let before = snapshot(s).await;
    for (method, path, body) in every_write(s) {
        let manages_school = path == "/members" || path.starts_with("/terms/");
        if only_school_management && !manages_school {
            continue;
        }
        let response = session
            .request(method.clone(), &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
        assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
    assert_eq!(
        snapshot(s).await,
        before,
        "a refused write changed something"
    );
}

#[tokio::test]
async fn a_teacher_may_call_no_write_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let teacher = s.owner.add_member("teacher@example.com", "TEACHER").await;
    refuses_every_write(&app, &s, &teacher, false).await;
}

#[tokio::test]
async fn a_viewer_may_call_no_write_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let viewer = s.owner.add_member("viewer@example.com", "VIEWER").await;
    refuses_every_write(&app, &s, &viewer, false).await;
}

#[tokio::test]
async fn a_bursar_may_not_add_members_or_move_term_dates() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let bursar = s.owner.add_member("bursar@example.com", "BURSAR").await;
    refuses_every_write(&app, &s, &bursar, true).await;
}
