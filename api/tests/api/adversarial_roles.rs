//! Broken function-level authorisation (OWASP API5): a member calls every
//! write their role does not grant, with a valid body, and is refused with
//! 403 `insufficient_role` before anything is written.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, assert_problem};

struct School {
    owner: Session,
    id: Uuid,
    class: Uuid,
    student: Uuid,
    structure: Uuid,
    term: Uuid,
}

async fn school(app: &TestApp) -> School {
    let (owner, id) = app.owner_with_school("owner@example.com", "Imara").await;
    let class = app.grade_4_east(&owner, id).await;
    let student = app.student(&owner, id, "ADM-001").await;
    let (_, structures) = app.get_json(&owner, id, "/fees/structures").await;
    let (_, terms) = app.get_json(&owner, id, "/terms").await;
    School {
        owner,
        id,
        class,
        student,
        structure: structures[0]["id"].as_str().unwrap().parse().unwrap(),
        term: terms[0]["id"].as_str().unwrap().parse().unwrap(),
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
    ]
}

/// Everything a refused write could have touched, as the owner sees it.
async fn snapshot(app: &TestApp, s: &School) -> Vec<Value> {
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
    ] {
        let (status, body) = app.get_json(&s.owner, s.id, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        seen.push(body);
    }
    seen
}

async fn refuses_every_write(
    app: &TestApp,
    s: &School,
    session: &Session,
    only_school_management: bool,
) {
    app.register("outsider@example.com").await;
    let before = snapshot(app, s).await;
    for (method, path, body) in every_write(s) {
        let manages_school = path == "/members" || path.starts_with("/terms/");
        if only_school_management && !manages_school {
            continue;
        }
        let response = app
            .as_member(method.clone(), &path, session, s.id)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
        assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
    assert_eq!(
        snapshot(app, s).await,
        before,
        "a refused write changed something"
    );
}

#[tokio::test]
async fn a_teacher_may_call_no_write_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let teacher = app
        .member(&s.owner, s.id, "teacher@example.com", "TEACHER")
        .await;
    refuses_every_write(&app, &s, &teacher, false).await;
}

#[tokio::test]
async fn a_viewer_may_call_no_write_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let viewer = app
        .member(&s.owner, s.id, "viewer@example.com", "VIEWER")
        .await;
    refuses_every_write(&app, &s, &viewer, false).await;
}

#[tokio::test]
async fn a_bursar_may_not_add_members_or_move_term_dates() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let bursar = app
        .member(&s.owner, s.id, "bursar@example.com", "BURSAR")
        .await;
    refuses_every_write(&app, &s, &bursar, true).await;
}
