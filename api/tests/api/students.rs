use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn a_student_is_enrolled_with_an_inline_primary_guardian() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let class = owner.grade_4_east().await;
    let student = owner.create("/students", json!({
            "admission_no": "adm-2025-001", "first_name": "John", "last_name": "Doe", "gender": "MALE",
            "date_of_birth": "2016-03-14", "class_id": class,
            "primary_guardian": {"first_name": "Jane", "last_name": "Doe", "phone": "0712345678", "relationship": "MOTHER"}
        }))
        .await;
    assert_eq!(student["admission_no"], "ADM-2025-001");
    assert_eq!(student["status"], "ACTIVE");
    assert_eq!(student["balance"], "0.00");
    assert_eq!(student["guardians"][0]["phone"], "+254712345678");
    assert_eq!(student["guardians"][0]["is_primary"], true);
    let (status, fetched) = owner
        .get_json(&format!("/students/{}", student["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["guardians"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_admission_number_is_unique_within_a_school_only() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let other = app
        .owner_with_school("other@example.com", "Baraka School")
        .await;
    owner.student("ADM-1").await;
    other.student("ADM-1").await;
    let response = owner
        .post(
            "/students",
            json!({"admission_no": "adm-1", "first_name": "Jim", "last_name": "Doe"}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "duplicate_admission_no").await;
}

#[tokio::test]
async fn naming_a_guardian_both_ways_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let guardian = owner.guardian("Jane").await;
    let response = owner.post("/students", json!({"admission_no": "A1", "first_name": "J", "last_name": "D", "primary_guardian_id": guardian,
                      "primary_guardian": {"first_name": "X", "last_name": "Y"}})).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "ambiguous_guardian").await;
    let nothing_written: i64 = {
        let mut tx = app.pool.begin().await.unwrap();
        shared::db::set_tenant(&mut tx, Some(school), None)
            .await
            .unwrap();
        sqlx::query_scalar("SELECT count(*) FROM students")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(nothing_written, 0);
}

#[tokio::test]
async fn a_student_moves_class_changes_status_and_leaves_an_audit_trail() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let class = owner.grade_4_east().await;
    let student = owner.student("ADM-1").await;
    let path = format!("/students/{student}");
    let moved = owner.patch(&path, json!({"class_id": class})).await;
    assert_eq!(moved.status(), StatusCode::OK);
    assert_eq!(
        moved.json::<Value>().await.unwrap()["class_id"],
        class.to_string()
    );
    let suspended = owner.patch(&path, json!({"status": "SUSPENDED"})).await;
    let body: Value = suspended.json().await.unwrap();
    assert_eq!(body["status"], "SUSPENDED");
    assert_eq!(
        body["class_id"],
        class.to_string(),
        "a status change keeps the class"
    );
    let removed = owner.patch(&path, json!({"class_id": null})).await;
    assert!(removed.json::<Value>().await.unwrap()["class_id"].is_null());

    let bad_status = owner.patch(&path, json!({"status": "EXPELLED"})).await;
    assert_problem(bad_status, StatusCode::BAD_REQUEST, "invalid_body").await;
    let empty = owner.patch(&path, json!({})).await;
    assert_problem(empty, StatusCode::BAD_REQUEST, "empty_change").await;

    let mut tx = app.pool.begin().await.unwrap();
    shared::db::set_tenant(&mut tx, Some(school), None)
        .await
        .unwrap();
    let trail: Vec<(String, Option<Value>, Option<Value>)> = sqlx::query_as(
        "SELECT action, before, after FROM audit_log WHERE entity = 'student' ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let actions: Vec<&str> = trail.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "student.create",
            "student.update",
            "student.update",
            "student.update"
        ]
    );
    let (_, before, after) = &trail[2];
    assert_eq!(before.as_ref().unwrap()["status"], "ACTIVE");
    assert_eq!(after.as_ref().unwrap()["status"], "SUSPENDED");
}

#[tokio::test]
async fn students_are_listed_by_class_status_and_search() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let class = owner.grade_4_east().await;
    for (adm, first, in_class) in [
        ("ADM-1", "Akinyi", true),
        ("ADM-2", "Baraka", true),
        ("ADM-3", "Chebet", false),
    ] {
        let mut body = json!({"admission_no": adm, "first_name": first, "last_name": "Otieno"});
        if in_class {
            body["class_id"] = json!(class);
        }
        owner.create("/students", body).await;
    }
    let (_, in_class) = owner.get_json(&format!("/students?class_id={class}")).await;
    assert_eq!(in_class.as_array().unwrap().len(), 2);
    let (_, found) = owner.get_json("/students?q=bara").await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["admission_no"], "ADM-2");
    let (_, by_adm) = owner.get_json("/students?q=adm-3").await;
    assert_eq!(by_adm[0]["first_name"], "Chebet");
    let (_, active) = owner.get_json("/students?status=ACTIVE").await;
    assert_eq!(active.as_array().unwrap().len(), 3);
    let (_, wildcard) = owner.get_json("/students?q=%25").await;
    assert_eq!(
        wildcard.as_array().unwrap().len(),
        0,
        "% is matched literally"
    );
    let bad = owner.get("/students?status=EXPELLED").await;
    assert_problem(bad, StatusCode::BAD_REQUEST, "invalid_query").await;
}

#[tokio::test]
async fn teachers_and_viewers_read_students_but_cannot_enrol_them() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;
    let viewer = owner.add_member("viewer@example.com", "VIEWER").await;
    owner.student("ADM-1").await;
    for session in [&teacher, &viewer] {
        let (status, list) = session.at(school).get_json("/students").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
        let response = session
            .at(school)
            .post(
                "/students",
                json!({"admission_no": "ADM-2", "first_name": "J", "last_name": "D"}),
            )
            .await;
        assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
}
