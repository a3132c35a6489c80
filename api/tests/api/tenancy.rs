//! Cross-tenant suite: a member of school B can neither see nor touch nor
//! link anything of school A, whatever ids they send.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, assert_problem};

struct SchoolA {
    owner: Session,
    id: Uuid,
    class: Uuid,
    guardian: Uuid,
    student: Uuid,
    fee_structure: Uuid,
    term: Uuid,
}

async fn school_a(app: &TestApp) -> SchoolA {
    let (owner, id) = app.owner_with_school("a@example.com", "School A").await;
    let class = app.grade_4_east(&owner, id).await;
    let guardian = app.guardian(&owner, id, "Alice").await;
    let student = app.student(&owner, id, "A-001").await;
    let (_, structures) = app.get_json(&owner, id, "/fees/structures").await;
    let (_, terms) = app.get_json(&owner, id, "/terms").await;
    SchoolA {
        owner,
        id,
        class,
        guardian,
        student,
        fee_structure: structures[0]["id"].as_str().unwrap().parse().unwrap(),
        term: terms[0]["id"].as_str().unwrap().parse().unwrap(),
    }
}

#[tokio::test]
async fn a_member_of_b_cannot_read_any_row_of_a_by_id() {
    let app = TestApp::spawn().await;
    let a = school_a(&app).await;
    let (b, b_school) = app.owner_with_school("b@example.com", "School B").await;
    for (path, code) in [
        (format!("/classes/{}", a.class), "class_not_found"),
        (format!("/guardians/{}", a.guardian), "guardian_not_found"),
        (format!("/students/{}", a.student), "student_not_found"),
        (
            format!("/fees/structures/{}", a.fee_structure),
            "fee_structure_not_found",
        ),
    ] {
        let response = app
            .as_member(Method::GET, &path, &b, b_school)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::NOT_FOUND, code).await;
    }
}

#[tokio::test]
async fn a_member_of_b_lists_only_bs_rows() {
    let app = TestApp::spawn().await;
    let a = school_a(&app).await;
    let (b, b_school) = app.owner_with_school("b@example.com", "School B").await;
    for path in ["/classes", "/guardians", "/students", "/members"] {
        let (status, rows) = app.get_json(&b, b_school, path).await;
        assert_eq!(status, StatusCode::OK);
        let text = rows.to_string();
        for id in [a.class, a.guardian, a.student, a.owner.user_id] {
            assert!(!text.contains(&id.to_string()), "{path} leaked {id}");
        }
    }
    let (_, structures) = app.get_json(&b, b_school, "/fees/structures").await;
    assert!(
        !structures
            .to_string()
            .contains(&a.fee_structure.to_string())
    );
    let (_, terms) = app.get_json(&b, b_school, "/terms").await;
    assert!(!terms.to_string().contains(&a.term.to_string()));
    let (_, students) = app
        .get_json(&b, b_school, &format!("/students?class_id={}", a.class))
        .await;
    assert_eq!(students, json!([]));
}

#[tokio::test]
async fn a_member_of_b_cannot_change_any_row_of_a() {
    let app = TestApp::spawn().await;
    let a = school_a(&app).await;
    let (b, b_school) = app.owner_with_school("b@example.com", "School B").await;
    let patch_student = app
        .as_member(
            Method::PATCH,
            &format!("/students/{}", a.student),
            &b,
            b_school,
        )
        .json(&json!({"status": "WITHDRAWN"}))
        .send()
        .await
        .unwrap();
    assert_problem(patch_student, StatusCode::NOT_FOUND, "student_not_found").await;
    let patch_fees = app
        .as_member(
            Method::PATCH,
            &format!("/fees/structures/{}", a.fee_structure),
            &b,
            b_school,
        )
        .json(&json!({"name": "hijacked"}))
        .send()
        .await
        .unwrap();
    assert_problem(patch_fees, StatusCode::NOT_FOUND, "fee_structure_not_found").await;
    let patch_term = app
        .as_member(Method::PATCH, &format!("/terms/{}", a.term), &b, b_school)
        .json(&json!({"starts_on": "2026-01-01", "ends_on": "2026-02-01"}))
        .send()
        .await
        .unwrap();
    assert_problem(patch_term, StatusCode::NOT_FOUND, "term_not_found").await;
    let (_, student) = app
        .get_json(&a.owner, a.id, &format!("/students/{}", a.student))
        .await;
    assert_eq!(student["status"], "ACTIVE");
}

#[tokio::test]
async fn a_member_of_b_cannot_link_as_class_guardian_or_student() {
    let app = TestApp::spawn().await;
    let a = school_a(&app).await;
    let (b, b_school) = app.owner_with_school("b@example.com", "School B").await;
    let b_student = app.student(&b, b_school, "B-001").await;
    let with_a_class = app
        .as_member(Method::POST, "/students", &b, b_school)
        .json(&json!({"admission_no": "B-002", "first_name": "X", "last_name": "Y", "class_id": a.class}))
        .send()
        .await
        .unwrap();
    assert_problem(
        with_a_class,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_class",
    )
    .await;
    let with_a_guardian = app
        .as_member(Method::POST, "/students", &b, b_school)
        .json(&json!({"admission_no": "B-003", "first_name": "X", "last_name": "Y", "primary_guardian_id": a.guardian}))
        .send()
        .await
        .unwrap();
    assert_problem(
        with_a_guardian,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_guardian",
    )
    .await;
    let move_to_a_class = app
        .as_member(
            Method::PATCH,
            &format!("/students/{b_student}"),
            &b,
            b_school,
        )
        .json(&json!({"class_id": a.class}))
        .send()
        .await
        .unwrap();
    assert_problem(
        move_to_a_class,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_class",
    )
    .await;
    let (_, students) = app.get_json(&b, b_school, "/students").await;
    assert_eq!(
        students.as_array().unwrap().len(),
        1,
        "nothing half-written"
    );
}

#[tokio::test]
async fn sending_school_as_header_as_a_non_member_is_403_whether_or_not_it_exists() {
    let app = TestApp::spawn().await;
    let a = school_a(&app).await;
    let (b, _b_school) = app.owner_with_school("b@example.com", "School B").await;
    let existing = app
        .as_member(Method::GET, "/students", &b, a.id)
        .send()
        .await
        .unwrap();
    let existing: Value = assert_problem(existing, StatusCode::FORBIDDEN, "not_a_member").await;
    let invented = app
        .as_member(Method::GET, "/students", &b, Uuid::new_v4())
        .send()
        .await
        .unwrap();
    let invented: Value = assert_problem(invented, StatusCode::FORBIDDEN, "not_a_member").await;
    assert_eq!(
        existing, invented,
        "the answers must not tell the two apart"
    );
    let write = app
        .as_member(Method::POST, "/guardians", &b, a.id)
        .json(&json!({"first_name": "Eve", "last_name": "Doe"}))
        .send()
        .await
        .unwrap();
    assert_problem(write, StatusCode::FORBIDDEN, "not_a_member").await;
}

#[tokio::test]
async fn a_tenant_route_without_a_school_header_is_400_school_not_selected() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.owner_with_school("a@example.com", "School A").await;
    let response = app
        .request(Method::GET, "/students")
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "school_not_selected").await;
    let malformed = app
        .request(Method::GET, "/students")
        .bearer_auth(&owner.token)
        .header("X-School-ID", "school-a")
        .send()
        .await
        .unwrap();
    assert_problem(malformed, StatusCode::BAD_REQUEST, "invalid_school_id").await;
    let anonymous = app
        .request(Method::GET, "/students")
        .header("X-School-ID", Uuid::new_v4().to_string())
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "invalid_token").await;
}
