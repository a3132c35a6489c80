//! Reminder schedules over HTTP, and runs driven by the worker's scheduler
//! at chosen instants (so the test does not wait for a real tick).

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Member, TestApp, assert_problem};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

async fn send(session: &Member, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let response = session
        .request(method, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_new_school_has_a_weekly_reminder_that_stays_off_until_turned_on() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let (status, schedules) = owner.get_json("/reminders/schedules").await;
    assert_eq!(status, StatusCode::OK);
    let schedules = schedules.as_array().unwrap();
    assert_eq!(schedules.len(), 1, "{schedules:?}");
    let default = &schedules[0];
    assert_eq!(default["cron"], "0 9 * * Mon");
    assert_eq!(default["timezone"], "Africa/Nairobi");
    assert_eq!(default["channel"], "EMAIL_OR_IN_APP");
    assert_eq!(default["enabled"], false);
    assert!(default["next_tick"].is_null());

    let id = default["id"].as_str().unwrap();
    let (status, on) = send(
        &owner,
        Method::PATCH,
        &format!("/reminders/schedules/{id}"),
        json!({"enabled": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    let next: DateTime<Utc> = on["next_tick"].as_str().unwrap().parse().unwrap();
    // Monday 09:00 in Nairobi is 06:00 UTC.
    assert_eq!(next.format("%a %H:%M").to_string(), "Mon 06:00");
}

#[tokio::test]
async fn bursars_manage_schedules_and_teachers_only_read_them() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;
    let class = owner.grade_4_east().await;
    let created = bursar
        .create(
            "/reminders/schedules",
            json!({"name": "Grade 4 arrears", "cron": "0 0 8 * * Mon-Fri", "channel": "IN_APP",
                   "audience": {"class_id": class, "min_balance": "5000"}, "grace_seconds": 600}),
        )
        .await;
    assert_eq!(created["enabled"], false);
    assert_eq!(created["audience"]["class_id"], class.to_string());
    assert_eq!(created["audience"]["min_balance"], "5000.00");
    assert_eq!(created["grace_seconds"], 600);
    assert_eq!(created["timezone"], "Africa/Nairobi");
    let id = created["id"].as_str().unwrap();
    let path = format!("/reminders/schedules/{id}");

    let (status, changed) = send(
        &bursar,
        Method::PATCH,
        &path,
        json!({"cron": "30 7 * * 1", "timezone": "UTC", "audience": {}, "enabled": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (&changed["cron"], &changed["timezone"]),
        (&json!("30 7 * * 1"), &json!("UTC"))
    );
    assert!(changed["audience"]["class_id"].is_null());
    assert!(
        changed["next_tick"]
            .as_str()
            .unwrap()
            .ends_with("07:30:00Z")
    );

    let (status, read) = teacher.get_json(&path).await;
    assert_eq!(
        (status, &read["name"]),
        (StatusCode::OK, &json!("Grade 4 arrears"))
    );
    for (method, body) in [
        (Method::PATCH, json!({"enabled": false})),
        (Method::DELETE, Value::Null),
    ] {
        let response = teacher
            .request(method, &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
    let response = teacher
        .post(
            "/reminders/schedules",
            json!({"name": "x", "cron": "0 9 * * *"}),
        )
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;

    let deleted = bursar.delete(&path).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (status, _) = owner.get_json(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = owner.get_json("/reminders/schedules").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "only the default is left"
    );
}

#[tokio::test]
async fn bad_cron_expressions_zones_and_audiences_are_refused_with_a_code() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let cases = [
        (
            json!({"name": "a", "cron": "every monday"}),
            StatusCode::BAD_REQUEST,
            "invalid_cron",
        ),
        (
            json!({"name": "a", "cron": "61 9 * * *"}),
            StatusCode::BAD_REQUEST,
            "invalid_cron",
        ),
        (
            json!({"name": "a", "cron": "0 0 9 1 1 * 2001"}),
            StatusCode::BAD_REQUEST,
            "invalid_cron",
        ),
        (
            json!({"name": "a", "cron": "0 9 * * *", "timezone": "Africa/Narobi"}),
            StatusCode::BAD_REQUEST,
            "invalid_timezone",
        ),
        (
            json!({"name": "a", "cron": "0 9 * * *", "channel": "SMS"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"name": "a", "cron": "0 9 * * *", "grace_seconds": -1}),
            StatusCode::BAD_REQUEST,
            "invalid_grace_seconds",
        ),
        (
            json!({"name": "a", "cron": "0 9 * * *", "audience": {"min_balance": "-5"}}),
            StatusCode::BAD_REQUEST,
            "invalid_amount",
        ),
        (
            json!({"name": "a", "cron": "0 9 * * *", "audience": {"class_id": Uuid::new_v4()}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_class",
        ),
        (
            json!({"name": "weekly FEE reminder", "cron": "0 9 * * *"}),
            StatusCode::CONFLICT,
            "duplicate_reminder_schedule",
        ),
        (
            json!({"name": " ", "cron": "0 9 * * *"}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
    ];
    for (body, status, code) in cases {
        let response = owner
            .request(Method::POST, "/reminders/schedules")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(response, status, code).await;
    }
    let (_, list) = owner.get_json("/reminders/schedules").await;
    let path = format!("/reminders/schedules/{}", list[0]["id"].as_str().unwrap());
    let response = owner.patch(&path, json!({"cron": "0 25 * * *"})).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_cron").await;
    let response = owner
        .patch(
            &format!("/reminders/schedules/{}", Uuid::new_v4()),
            json!({"enabled": true}),
        )
        .await;
    assert_problem(
        response,
        StatusCode::NOT_FOUND,
        "reminder_schedule_not_found",
    )
    .await;
}

/// Akinyi's family (email) and Chebet's (no email) owe; Baraka's has paid.
async fn owing_families(app: &TestApp) -> Member {
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let mut students = Vec::new();
    for (adm, first, email) in [
        ("A1", "Akinyi", Some("akinyi.mum@example.com")),
        ("A2", "Baraka", Some("baraka.dad@example.com")),
        ("A3", "Chebet", None),
    ] {
        let mut guardian = json!({"first_name": format!("{first}'s"), "last_name": "Guardian"});
        if let Some(email) = email {
            guardian["email"] = json!(email);
        }
        let student = owner.create("/students", json!({"admission_no": adm, "first_name": first, "last_name": "Otieno", "primary_guardian": guardian}))
            .await;
        let id: Uuid = student["id"].as_str().unwrap().parse().unwrap();
        crate::invoicing::generate(&owner, json!({"student_id": id, "term": 1, "year": 2026}))
            .await;
        students.push(id);
    }
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
    owner
}

/// A daily 09:00 (Nairobi) schedule, on, with ticks owed since 2020.
async fn daily_schedule(app: &TestApp, owner: &Member) -> Uuid {
    let schedule = owner
        .create(
            "/reminders/schedules",
            json!({"name": "Daily", "cron": "0 9 * * *", "enabled": true}),
        )
        .await;
    let id: Uuid = schedule["id"].as_str().unwrap().parse().unwrap();
    let mut tx = app.tenant_tx(owner.school).await;
    sqlx::query("UPDATE reminder_schedules SET active_since = '2020-01-01' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Runs the scheduler at `now` three times at once, as three workers would.
async fn three_schedulers_at(app: &TestApp, now: &str) -> usize {
    let now = at(now);
    let passes = (0..3).map(|_| worker::scheduler::enqueue_due(&app.pool, now));
    futures_util::future::join_all(passes)
        .await
        .into_iter()
        .map(|queued| queued.unwrap())
        .sum()
}

async fn finished_runs(owner: &Member, n: usize) -> Value {
    owner
        .eventually("/reminders/runs", |runs| {
            runs.as_array().is_some_and(|runs| {
                runs.len() == n
                    && runs
                        .iter()
                        .all(|r| r["status"] == "succeeded" && r["queued"] == 0)
            })
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_reminds_each_owing_guardian_once_with_balances_and_firmer_each_time() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let owner = owing_families(&app).await;
    let schedule = daily_schedule(&app, &owner).await;

    // 09:30 in Nairobi: the 09:00 tick is due; three schedulers queue it once.
    assert_eq!(three_schedulers_at(&app, "2026-03-02T06:30:00Z").await, 1);
    assert_eq!(
        three_schedulers_at(&app, "2026-03-02T06:31:00Z").await,
        0,
        "the same tick again"
    );
    let runs = finished_runs(&owner, 1).await;
    let run = &runs[0];
    assert_eq!(run["schedule_id"], schedule.to_string());
    assert_eq!(run["schedule_name"], "Daily");
    assert_eq!(run["tick"], "2026-03-02T06:00:00Z");
    assert_eq!(
        (
            run["recipients"].as_i64(),
            run["emails"].as_i64(),
            run["in_app"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(
        (run["sent"].as_i64(), run["failed"].as_i64()),
        (Some(2), Some(0))
    );

    let (_, detail) = owner
        .get_json(&format!("/reminders/runs/{}", run["id"].as_str().unwrap()))
        .await;
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2, "{detail}");
    let email = deliveries.iter().find(|d| d["channel"] == "EMAIL").unwrap();
    assert_eq!(email["address"], "akinyi.mum@example.com");
    assert_eq!(email["reminder_no"], 1);
    assert_eq!(email["balance"], "18500.00");
    let body = email["body"].as_str().unwrap();
    assert!(body.starts_with("Dear Akinyi's,"), "{body}");
    assert!(
        body.contains("- Akinyi Otieno (admission no. A1): KES 18,500.00"),
        "{body}"
    );
    assert!(body.contains("friendly reminder"));
    let in_app = deliveries
        .iter()
        .find(|d| d["channel"] == "IN_APP")
        .unwrap();
    assert_eq!(in_app["status"], "SENT");
    assert!(
        in_app["body"]
            .as_str()
            .unwrap()
            .contains("Chebet Otieno (admission no. A3): KES 18,500.00")
    );
    assert!(
        !deliveries
            .iter()
            .any(|d| d["body"].as_str().unwrap().contains("Baraka")),
        "the family that paid is left out"
    );

    // The next two days: the same open invoices, a firmer tone each time.
    assert_eq!(three_schedulers_at(&app, "2026-03-03T06:00:05Z").await, 1);
    finished_runs(&owner, 2).await;
    assert_eq!(three_schedulers_at(&app, "2026-03-04T07:59:00Z").await, 1);
    let runs = finished_runs(&owner, 3).await;
    let (_, latest) = owner
        .get_json(&format!(
            "/reminders/runs/{}",
            runs[0]["id"].as_str().unwrap()
        ))
        .await;
    let email = latest["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["channel"] == "EMAIL")
        .unwrap()
        .clone();
    assert_eq!(email["reminder_no"], 3);
    assert!(
        email["subject"]
            .as_str()
            .unwrap()
            .contains("final reminder"),
        "{email}"
    );
    assert!(
        email["body"]
            .as_str()
            .unwrap()
            .contains("Despite 2 earlier reminders")
    );

    // Workers down all morning: found at 12:00, three hours after the tick, beyond the 2 h grace.
    assert_eq!(three_schedulers_at(&app, "2026-03-05T09:00:00Z").await, 0);
    // The sent notifications are listed with the rest.
    let (_, notifications) = owner.get_json("/notifications").await;
    assert_eq!(
        notifications.as_array().unwrap().len(),
        6,
        "an EMAIL and an IN_APP notification per run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_for_a_schedule_turned_off_before_it_ran_sends_nothing() {
    let app = TestApp::spawn().await;
    let owner = owing_families_without_worker(&app).await;
    let schedule = daily_schedule(&app, &owner).await;
    assert_eq!(three_schedulers_at(&app, "2026-03-02T06:30:00Z").await, 1);
    let (status, _) = send(
        &owner,
        Method::PATCH,
        &format!("/reminders/schedules/{schedule}"),
        json!({"enabled": false}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.start_worker();
    let runs = owner
        .eventually("/reminders/runs", |runs| runs[0]["status"] == "skipped")
        .await;
    assert_eq!(runs[0]["recipients"], 0);
}

/// A school with one owing family and no worker running yet.
async fn owing_families_without_worker(app: &TestApp) -> Member {
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    owner.student("A1").await;
    owner
}
