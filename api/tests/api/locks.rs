//! The sign-in lock's length, as SECURITY.md states it: five failures
//! lock the account for 30 seconds; each failure after a lock has passed
//! doubles it, up to 15 minutes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

const EMAIL: &str = "jane@example.com";

async fn fail_login(app: &TestApp) {
    let response = app
        .request(Method::POST, "/auth/login")
        .json(&json!({"email": EMAIL, "password": "guess guess guess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Seconds from now to the end of the lock, as the database sees it.
async fn lock_seconds(app: &TestApp) -> Option<f64> {
    sqlx::query_scalar(
        "SELECT extract(epoch FROM locked_until - now())::float8 FROM users WHERE email = $1",
    )
    .bind(EMAIL)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn let_the_lock_pass(app: &TestApp) {
    sqlx::query("UPDATE users SET locked_until = now() - interval '1 second' WHERE email = $1")
        .bind(EMAIL)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_first_lock_lasts_thirty_seconds_and_each_later_one_doubles_up_to_fifteen_minutes() {
    let app = TestApp::spawn().await;
    app.register(EMAIL).await;
    for _ in 0..4 {
        fail_login(&app).await;
    }
    assert_eq!(lock_seconds(&app).await, None, "four failures lock nothing");
    fail_login(&app).await;
    let first = lock_seconds(&app).await.expect("the fifth failure locks");
    assert!((25.0..=30.0).contains(&first), "first lock {first} s");

    let mut expected = 30.0_f64;
    for _ in 0..8 {
        let_the_lock_pass(&app).await;
        fail_login(&app).await;
        expected = (expected * 2.0).min(15.0 * 60.0);
        let lock = lock_seconds(&app)
            .await
            .expect("a failure after a lock locks again");
        assert!(
            (expected - 5.0..=expected).contains(&lock),
            "lock {lock} s, expected {expected} s"
        );
    }
    assert_eq!(expected, 900.0, "the cap was reached");
}
