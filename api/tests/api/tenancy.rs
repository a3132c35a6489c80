//! Cross-tenant suite: a member of school B can neither see nor touch nor
//! link anything of school A, whatever ids they send.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Member, TestApp, assert_problem};

struct SchoolA {
    owner: Member,
    id: Uuid,
    class: Uuid,
    guardian: Uuid,
    student: Uuid,
    fee_structure: Uuid,
    term: Uuid,
}

async fn school_a(app: &TestApp) -> SchoolA {
    let owner = app.owner_with_school("a@example.com", "School A").await;
    let id = owner.school;
    let class = owner.grade_4_east().await;
    let guardian = owner.guardian("Alice").await;
    let student = owner.student("A-001").await;
    let (_, structures) = owner.get_json("/fees/structures").await;
    let (_, terms) = owner.get_json("/terms").await;
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
    let b = app.owner_with_school("b@example.com", "School B").await;
    for (path, code) in [
        (format!("/classes/{}", a.class), "class_not_found"),
        (format!("/guardians/{}", a.guardian), "guardian_not_found"),
        (format!("/students/{}", a.student), "student_not_found"),
        (
            format!("/fees/structures/{}", a.fee_structure),
            "fee_structure_not_found",
        ),
    ] {
        let response = b.get(&path).await;
        assert_problem(response, StatusCode::NOT_FOUND, code).await;
    }
}

#[tokio::test]
async fn a_member_of_b_lists_only_bs_rows() {
    let app = TestApp::spawn().await;
    let a = school_a(&app).await;
    let b = app.owner_with_school("b@example.com", "School B").await;
    for path in ["/classes", "/guardians", "/students", "/members"] {
        let (status, rows) = b.get_json(path).await;
        assert_eq!(status, StatusCode::OK);
        let text = rows.to_string();
        for id in [a.class, a.guardian, a.student, a.owner.user_id] {
            assert!(!text.contains(&id.to_string()), "{path} leaked {id}");
        }
    }
    let (_, structures) = b.get_json("/fees/structures").await;
    assert!(
        !structures
            .to_string()
            .contains(&a.fee_structure.to_string())
    );
    let (_, terms) = b.get_json("/terms").await;
    assert!(!terms.to_string().contains(&a.term.to_string()));
    let (_, students) = b.get_json(&format!("/students?class_id={}", a.class)).await;
    assert_eq!(students, json!([]));
}

#[tokio::test]
async fn a_member_of_b_cannot_change_any_row_of_a() {
    let app = TestApp::spawn().await;
    let a = school_a(&app).await;
    let b = app.owner_with_school("b@example.com", "School B").await;
    let patch_student = b
        .patch(
            &format!("/students/{}", a.student),
            json!({"status": "WITHDRAWN"}),
        )
        .await;
    assert_problem(patch_student, StatusCode::NOT_FOUND, "student_not_found").await;
    let patch_fees = b
        .patch(
            &format!("/fees/structures/{}", a.fee_structure),
            json!({"name": "hijacked"}),
        )
        .await;
    assert_problem(patch_fees, StatusCode::NOT_FOUND, "fee_structure_not_found").await;
    let patch_term = b
        .patch(
            &format!("/terms/{}", a.term),
            json!({"starts_on": "2026-01-01", "ends_on": "2026-02-01"}),
        )
        .await;
    assert_problem(patch_term, StatusCode::NOT_FOUND, "term_not_found").await;
    let (_, schedules) = a.owner.get_json("/reminders/schedules").await;
    let schedule = format!(
        "/reminders/schedules/{}",
        schedules[0]["id"].as_str().unwrap()
    );
    let patch_schedule = b.patch(&schedule, json!({"enabled": true})).await;
    assert_problem(
        patch_schedule,
        StatusCode::NOT_FOUND,
        "reminder_schedule_not_found",
    )
    .await;
    let delete_schedule = b.delete(&schedule).await;
    assert_problem(
        delete_schedule,
        StatusCode::NOT_FOUND,
        "reminder_schedule_not_found",
    )
    .await;
    let (_, student) = a.owner.get_json(&format!("/students/{}", a.student)).await;
    assert_eq!(student["status"], "ACTIVE");
    assert_eq!(a.owner.get_json("/reminders/schedules").await.1, schedules);
}

#[tokio::test]
async fn a_member_of_b_cannot_link_as_class_guardian_or_student() {
    let app = TestApp::spawn().await;
    let a = school_a(&app).await;
    let b = app.owner_with_school("b@example.com", "School B").await;
    let b_student = b.student("B-001").await;
    let with_a_class = b.post("/students", json!({"admission_no": "B-002", "first_name": "X", "last_name": "Y", "class_id": a.class})).await;
    assert_problem(
        with_a_class,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_class",
    )
    .await;
    let with_a_guardian = b.post("/students", json!({"admission_no": "B-003", "first_name": "X", "last_name": "Y", "primary_guardian_id": a.guardian})).await;
    assert_problem(
        with_a_guardian,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_guardian",
    )
    .await;
    let move_to_a_class = b
        .patch(
            &format!("/students/{b_student}"),
            json!({"class_id": a.class}),
        )
        .await;
    assert_problem(
        move_to_a_class,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_class",
    )
    .await;
    let (_, students) = b.get_json("/students").await;
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
    let b = app.owner_with_school("b@example.com", "School B").await;
    let _b_school = b.school;
    let existing = b.at(a.id).get("/students").await;
    let existing: Value = assert_problem(existing, StatusCode::FORBIDDEN, "not_a_member").await;
    let invented = b.at(Uuid::new_v4()).get("/students").await;
    let invented: Value = assert_problem(invented, StatusCode::FORBIDDEN, "not_a_member").await;
    assert_eq!(
        existing, invented,
        "the answers must not tell the two apart"
    );
    let write = b
        .at(a.id)
        .post(
            "/guardians",
            json!({"first_name": "Eve", "last_name": "Doe"}),
        )
        .await;
    assert_problem(write, StatusCode::FORBIDDEN, "not_a_member").await;
}

#[tokio::test]
async fn a_tenant_route_without_a_school_header_is_400_school_not_selected() {
    let app = TestApp::spawn().await;
    let owner = app.owner_with_school("a@example.com", "School A").await;
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
