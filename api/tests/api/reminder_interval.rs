//! A member cannot set a reminder schedule that runs more often than every
//! 15 minutes; parents are not messaged in a loop.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn a_schedule_firing_more_often_than_every_15_minutes_is_refused() {
    let app = TestApp::spawn().await;
    let bursar = app.owner_with_school("bursar@imara.ac.ke", "Imara").await;
    for cron in [
        "* * * * *",
        "*/5 9 * * Mon",
        "0,10 9 * * *",
        "*/30 * * * * *",
    ] {
        let response = bursar
            .post(
                "/reminders/schedules",
                json!({"name": "Too often", "cron": cron}),
            )
            .await;
        assert_problem(response, StatusCode::BAD_REQUEST, "cron_too_frequent").await;
    }
    let fine = bursar
        .post(
            "/reminders/schedules",
            json!({"name": "Quarter hours", "cron": "*/15 8-17 * * Mon-Fri"}),
        )
        .await;
    assert_eq!(fine.status(), StatusCode::CREATED);
}
