//! Brute force on sign-in: failures slow one account down with a clear 429,
//! but an attacker can neither prolong a lock nor make it last for good.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

const RIGHT: &str = "correct horse battery";

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.request(Method::POST, "/auth/login")
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn lock(app: &TestApp, email: &str) {
    for _ in 0..5 {
        let response = login(app, email, "guess guess guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    assert_problem(
        login(app, email, RIGHT).await,
        StatusCode::TOO_MANY_REQUESTS,
        "account_locked",
    )
    .await;
}

async fn locked_until(app: &TestApp, email: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    sqlx::query_scalar("SELECT locked_until FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn failed_logins_during_a_lock_do_not_extend_it() {
    let app = TestApp::spawn().await;
    app.register("jane@example.com").await;
    lock(&app, "jane@example.com").await;
    let before = locked_until(&app, "jane@example.com").await.unwrap();
    for _ in 0..20 {
        assert_problem(
            login(&app, "jane@example.com", "still guessing").await,
            StatusCode::TOO_MANY_REQUESTS,
            "account_locked",
        )
        .await;
    }
    assert_eq!(
        locked_until(&app, "jane@example.com").await.unwrap(),
        before
    );
}

#[tokio::test]
async fn once_the_lock_passes_the_right_password_works_and_clears_the_count() {
    let app = TestApp::spawn().await;
    app.register("jane@example.com").await;
    lock(&app, "jane@example.com").await;
    // Let the lock run out without sleeping through it.
    sqlx::query("UPDATE users SET locked_until = now() - interval '1 second' WHERE email = $1")
        .bind("jane@example.com")
        .execute(&app.pool)
        .await
        .unwrap();
    let response = login(&app, "jane@example.com", RIGHT).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (failed, until): (i32, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("SELECT failed_logins, locked_until FROM users WHERE email = $1")
            .bind("jane@example.com")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((failed, until), (0, None));
}

#[tokio::test]
async fn however_many_failures_no_lock_lasts_longer_than_fifteen_minutes() {
    let app = TestApp::spawn().await;
    app.register("jane@example.com").await;
    sqlx::query("UPDATE users SET failed_logins = 100000 WHERE email = $1")
        .bind("jane@example.com")
        .execute(&app.pool)
        .await
        .unwrap();
    let response = login(&app, "jane@example.com", "one more guess").await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let seconds: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM locked_until - now())::float8 FROM users WHERE email = $1",
    )
    .bind("jane@example.com")
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(seconds > 0.0 && seconds <= 15.0 * 60.0, "{seconds}");
}

#[tokio::test]
async fn one_accounts_lock_leaves_every_other_account_alone() {
    let app = TestApp::spawn().await;
    app.register("jane@example.com").await;
    app.register("john@example.com").await;
    lock(&app, "jane@example.com").await;
    let response = login(&app, "john@example.com", RIGHT).await;
    assert_eq!(response.status(), StatusCode::OK);
}
