//! Correcting records: PATCH /students/{id} (every field, with enrolment's
//! rules) and PATCH /guardians/{id} (phone normalised, SMS opt-out), each
//! leaving one audit row with the record before and after.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Member, TestApp, assert_problem};

/// The audit rows of `entity` in the member's school: (action, before, after).
async fn trail(app: &TestApp, member: &Member, entity: &str) -> Vec<(String, Value, Value)> {
    let mut tx = app.tenant_tx(member.school).await;
    let rows: Vec<(String, Option<Value>, Option<Value>)> =
        sqlx::query_as("SELECT action, before, after FROM audit_log WHERE entity = $1 ORDER BY id")
            .bind(entity)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    rows.into_iter()
        .map(|(action, before, after)| {
            (
                action,
                before.unwrap_or(Value::Null),
                after.unwrap_or(Value::Null),
            )
        })
        .collect()
}

async fn patched(member: &Member, path: &str, body: Value) -> Value {
    let response = member.patch(path, body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

#[tokio::test]
async fn patching_every_field_of_a_student_takes_gender_in_any_case_and_audits_before_and_after() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let class = owner.grade_4_east().await;
    let mother = owner.guardian("Jane").await;
    let father = owner.guardian("Peter").await;
    let student = owner
        .create(
            "/students",
            json!({"admission_no": "ADM-1", "first_name": "Jon", "last_name": "Do",
                   "primary_guardian_id": mother}),
        )
        .await;
    let path = format!("/students/{}", student["id"].as_str().unwrap());
    let changes = json!({
        "first_name": " John ", "last_name": "Doe", "gender": "Male", "date_of_birth": "2016-03-14",
        "class_id": class, "status": "SUSPENDED", "upi_no": "ke7h2q9", "primary_guardian_id": father
    });
    let changed = patched(&owner, &path, changes.clone()).await;
    assert_eq!(changed["first_name"], "John");
    assert_eq!(changed["last_name"], "Doe");
    assert_eq!(changed["gender"], "MALE");
    assert_eq!(changed["date_of_birth"], "2016-03-14");
    assert_eq!(changed["class_id"], class.to_string());
    assert_eq!(changed["status"], "SUSPENDED");
    assert_eq!(changed["upi_no"], "ke7h2q9");
    // The father is linked and primary; the mother stays linked.
    let guardians: Vec<(String, bool)> = changed["guardians"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap().to_string(),
                g["is_primary"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        guardians,
        [(father.to_string(), true), (mother.to_string(), false)]
    );

    let rows = trail(&app, &owner, "student").await;
    assert_eq!(rows.len(), 2, "one row for the create, one for the PATCH");
    let (action, before, after) = &rows[1];
    assert_eq!(action, "student.update");
    assert_eq!(
        (&before["first_name"], &after["first_name"]),
        (&json!("Jon"), &json!("John"))
    );
    assert_eq!(
        (&before["gender"], &after["gender"]),
        (&Value::Null, &json!("MALE"))
    );
    assert_eq!(
        (&before["status"], &after["status"]),
        (&json!("ACTIVE"), &json!("SUSPENDED"))
    );
    assert_eq!(
        (
            &before["primary_guardian_id"],
            &after["primary_guardian_id"]
        ),
        (&json!(mother.to_string()), &json!(father.to_string()))
    );

    // The same PATCH again changes nothing and writes no audit row.
    let same = patched(&owner, &path, changes).await;
    assert_eq!(same["updated_at"], changed["updated_at"]);
    assert_eq!(trail(&app, &owner, "student").await.len(), 2);

    // Null clears what may be empty.
    let cleared = patched(
        &owner,
        &path,
        json!({"gender": null, "date_of_birth": null, "upi_no": null, "class_id": null}),
    )
    .await;
    assert!(cleared["gender"].is_null() && cleared["date_of_birth"].is_null());
    assert!(cleared["upi_no"].is_null() && cleared["class_id"].is_null());
    assert_eq!(trail(&app, &owner, "student").await.len(), 3);
}

#[tokio::test]
async fn a_student_patch_breaking_enrolments_rules_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    owner
        .create(
            "/students",
            json!({"admission_no": "ADM-1", "first_name": "Amina", "last_name": "Otieno", "upi_no": "UPI-1"}),
        )
        .await;
    let student = owner.student("ADM-2").await;
    let path = format!("/students/{student}");
    let nobody = uuid::Uuid::now_v7();
    for (body, status, code) in [
        (
            json!({"upi_no": " UPI-1 "}),
            StatusCode::CONFLICT,
            "duplicate_upi_no",
        ),
        (
            json!({"class_id": nobody}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_class",
        ),
        (
            json!({"primary_guardian_id": nobody}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_guardian",
        ),
        (
            json!({"first_name": "  "}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"last_name": "x".repeat(81)}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"gender": "X"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"date_of_birth": "2099-01-01"}),
            StatusCode::BAD_REQUEST,
            "invalid_date_of_birth",
        ),
        (
            json!({"admission_no": "ADM-9"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (json!({}), StatusCode::BAD_REQUEST, "empty_change"),
    ] {
        assert_problem(owner.patch(&path, body).await, status, code).await;
    }
    let missing = owner
        .patch(&format!("/students/{nobody}"), json!({"first_name": "A"}))
        .await;
    assert_problem(missing, StatusCode::NOT_FOUND, "student_not_found").await;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;
    let refused = teacher.patch(&path, json!({"first_name": "A"})).await;
    assert_problem(refused, StatusCode::FORBIDDEN, "insufficient_role").await;

    let (_, now) = owner.get_json(&path).await;
    assert_eq!(
        (&now["first_name"], &now["upi_no"], &now["guardians"]),
        (&json!("John"), &Value::Null, &json!([]))
    );
    let updates = trail(&app, &owner, "student")
        .await
        .into_iter()
        .filter(|(action, ..)| action == "student.update")
        .count();
    assert_eq!(updates, 0);
}

#[tokio::test]
async fn patching_a_guardian_normalises_the_phone_stores_the_opt_out_and_audits() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let guardian = owner
        .create(
            "/guardians",
            json!({"first_name": "Jane", "last_name": "Wambui", "phone": "0712345678",
                   "email": "jane@example.com", "relationship": "Mother"}),
        )
        .await;
    assert_eq!(guardian["sms_opt_out"], false);
    let path = format!("/guardians/{}", guardian["id"].as_str().unwrap());
    let changed = patched(
        &owner,
        &path,
        json!({"phone": "0722 456-789", "sms_opt_out": true, "email": null, "last_name": "Wambui-Kamau"}),
    )
    .await;
    assert_eq!(changed["phone"], "+254722456789");
    assert_eq!(changed["sms_opt_out"], true);
    assert!(changed["email"].is_null());
    assert_eq!(changed["last_name"], "Wambui-Kamau");
    assert_eq!(changed["relationship"], "Mother", "what is not sent stays");
    let (_, read) = owner.get_json(&path).await;
    assert_eq!(read, changed);

    let email = patched(&owner, &path, json!({"email": " Jane.W@Example.com "})).await;
    assert_eq!(email["email"], "jane.w@example.com");

    for (body, code) in [
        (json!({"email": "not an address"}), "invalid_email"),
        (json!({"first_name": ""}), "invalid_field"),
        (json!({"phone": "12345"}), "invalid_body"),
        (json!({"sms_opt_out": "yes"}), "invalid_body"),
        (json!({}), "empty_change"),
    ] {
        assert_problem(
            owner.patch(&path, body).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }
    let viewer = owner.add_member("viewer@example.com", "VIEWER").await;
    let refused = viewer.patch(&path, json!({"sms_opt_out": false})).await;
    assert_problem(refused, StatusCode::FORBIDDEN, "insufficient_role").await;

    // Nothing changed: 200, no audit row.
    patched(&owner, &path, json!({"sms_opt_out": true})).await;
    let rows = trail(&app, &owner, "guardian").await;
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        actions,
        ["guardian.create", "guardian.update", "guardian.update"]
    );
    let (_, before, after) = &rows[1];
    assert_eq!(
        (&before["phone"], &after["phone"]),
        (&json!("+254712345678"), &json!("+254722456789"))
    );
    assert_eq!(
        (&before["sms_opt_out"], &after["sms_opt_out"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(
        (&before["email"], &after["email"]),
        (&json!("jane@example.com"), &Value::Null)
    );
}
