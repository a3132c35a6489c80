use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn creating_a_school_makes_the_caller_owner_and_bootstraps_it() {
    let app = TestApp::spawn().await;
    let session = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = session.school;

    let (_, levels) = session.get_json("/grade-levels").await;
    let names: Vec<&str> = levels
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 14);
    assert_eq!(names.first(), Some(&"PP1"));
    assert_eq!(names.last(), Some(&"Grade 12"));
    let grade_8 = levels
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Grade 8")
        .unwrap();
    assert_eq!(grade_8["stage"], "Junior School");

    let (_, terms) = session.get_json("/terms").await;
    assert_eq!(
        terms.as_array().unwrap().len(),
        6,
        "three terms this year and next"
    );

    let (_, structures) = session.get_json("/fees/structures").await;
    let default = &structures[0];
    assert_eq!(default["is_default"], true);
    // The catch-all: any level, any term, any year.
    assert_eq!(default["name"], "Default fees");
    assert!(default["level"].is_null() && default["term"].is_null() && default["year"].is_null());
    let items: Vec<(String, bool, String)> = default["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().into(),
                i["optional"].as_bool().unwrap(),
                i["income_account_code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        items,
        vec![
            ("Tuition".into(), false, "4000".into()),
            ("Activity Fee".into(), false, "4010".into()),
            ("Exam Fee".into(), false, "4020".into()),
            ("Lunch".into(), true, "4030".into()),
            ("Transport".into(), true, "4040".into()),
        ]
    );
    let mut conn = app.pool.begin().await.unwrap();
    shared::db::set_tenant(&mut conn, Some(school), Some(session.user_id))
        .await
        .unwrap();
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM gl_accounts ORDER BY code")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    for code in ["1000", "1100", "2000", "4000", "5000"] {
        assert!(codes.contains(&code.to_string()), "account {code}");
    }
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'school.create'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn my_schools_lists_each_school_with_the_callers_role() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;
    let _other = teacher.create_school("Teacher's Own School").await;

    let response = app
        .request(Method::GET, "/schools/my")
        .bearer_auth(&teacher.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let rows: Vec<(String, String)> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["school"]["name"].as_str().unwrap().into(),
                r["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("Imara Academy".into(), "TEACHER".into()),
            ("Teacher's Own School".into(), "OWNER".into())
        ]
    );
}

#[tokio::test]
async fn a_school_needs_a_name() {
    let app = TestApp::spawn().await;
    let session = app.register("owner@example.com").await;
    let response = app
        .request(Method::POST, "/schools")
        .bearer_auth(&session.token)
        .json(&json!({"name": "   "}))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_field").await;
}

#[tokio::test]
async fn only_an_owner_or_admin_invites_members_and_only_an_owner_invites_owners() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let admin = owner.add_member("admin@example.com", "ADMIN").await;
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let newcomer = app.register("new@example.com").await;

    let by_bursar = bursar
        .post(
            "/members",
            json!({"email": "new@example.com", "role": "VIEWER"}),
        )
        .await;
    assert_problem(by_bursar, StatusCode::FORBIDDEN, "insufficient_role").await;
    let owner_by_admin = admin
        .post(
            "/members",
            json!({"email": "new@example.com", "role": "OWNER"}),
        )
        .await;
    assert_problem(owner_by_admin, StatusCode::FORBIDDEN, "insufficient_role").await;
    // An address with no account is invited like any other (see members.rs).
    admin.invite("ghost@example.com", "VIEWER").await;
    let invitation = admin.invite("new@example.com", "VIEWER").await;
    newcomer
        .accept(invitation["id"].as_str().unwrap().parse().unwrap())
        .await;
    let twice = admin
        .post(
            "/members",
            json!({"email": "new@example.com", "role": "VIEWER"}),
        )
        .await;
    assert_problem(twice, StatusCode::CONFLICT, "already_member").await;
    let (_, members) = admin.get_json("/members").await;
    assert_eq!(members.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn term_dates_can_be_moved_but_must_end_after_they_start() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let (_, terms) = owner.get_json("/terms").await;
    let id = terms[0]["id"].as_str().unwrap();
    let path = format!("/terms/{id}");
    let response = owner
        .patch(
            &path,
            json!({"starts_on": "2026-01-06", "ends_on": "2026-04-03"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["starts_on"], "2026-01-06");
    let backwards = owner
        .patch(
            &path,
            json!({"starts_on": "2026-04-03", "ends_on": "2026-01-06"}),
        )
        .await;
    assert_problem(
        backwards,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_term_dates",
    )
    .await;
}
