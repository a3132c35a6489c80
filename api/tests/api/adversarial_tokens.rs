//! Adversarial tokens: what auth.rs does not already try. Every forged,
//! stale or replayed credential gets 401 `invalid_token` (or the refresh
//! codes) and never acts for anyone.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{JWT_SECRET, TestApp, assert_problem};

fn signed(algorithm: Algorithm, claims: Value) -> String {
    encode(
        &Header::new(algorithm),
        &claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

async fn me_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.request(Method::GET, "/auth/me")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn claims_rewritten_under_the_original_signature_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner_with_school("owner@example.com", "Imara").await;
    let school = owner.school;
    let viewer = owner.add_member("viewer@example.com", "VIEWER").await;
    let [header, payload, signature]: [&str; 3] = viewer
        .token
        .split('.')
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sub"] = json!(owner.user_id);
    claims["roles"] = json!(["OWNER"]);
    claims["exp"] = json!(Utc::now().timestamp() + 365 * 24 * 3600);
    let rewritten = URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered = format!("{header}.{rewritten}.{signature}");
    assert_problem(
        me_with(&app, &tampered).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    let write = app
        .request(Method::POST, "/members")
        .bearer_auth(&tampered)
        .header("X-School-ID", school.to_string())
        .json(&json!({"email": "viewer@example.com", "role": "OWNER"}))
        .send()
        .await
        .unwrap();
    assert_problem(write, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let (_, members) = owner.get_json("/members").await;
    let viewer_row = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "viewer@example.com")
        .unwrap();
    assert_eq!(viewer_row["role"], "VIEWER");
}

#[tokio::test]
async fn a_token_whose_not_before_is_in_the_future_is_refused() {
    let app = TestApp::spawn().await;
    let session = app.register("jane@example.com").await;
    let now = Utc::now().timestamp();
    let token = signed(
        Algorithm::HS256,
        json!({"sub": session.user_id, "roles": [], "iat": now, "nbf": now + 3600, "exp": now + 7200}),
    );
    assert_problem(
        me_with(&app, &token).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn a_token_signed_with_another_hmac_algorithm_under_the_same_secret_is_refused() {
    let app = TestApp::spawn().await;
    let session = app.register("jane@example.com").await;
    let now = Utc::now().timestamp();
    for algorithm in [Algorithm::HS384, Algorithm::HS512] {
        let token = signed(
            algorithm,
            json!({"sub": session.user_id, "roles": [], "iat": now, "exp": now + 600}),
        );
        let response = me_with(&app, &token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{algorithm:?}");
        assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
}

#[tokio::test]
async fn a_deleted_or_unknown_users_token_is_401_on_tenant_routes_too() {
    let app = TestApp::spawn().await;
    let owner = app.owner_with_school("owner@example.com", "Imara").await;
    let school = owner.school;
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    sqlx::query("UPDATE users SET deleted_at = now() WHERE id = $1")
        .bind(bursar.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let stranger = app
        .keys
        .issue(Uuid::new_v4(), vec!["OWNER".into()], Some(school))
        .unwrap();
    for token in [bursar.token.as_str(), stranger.as_str()] {
        let read = app
            .request(Method::GET, "/students")
            .bearer_auth(token)
            .header("X-School-ID", school.to_string())
            .send()
            .await
            .unwrap();
        assert_problem(read, StatusCode::UNAUTHORIZED, "invalid_token").await;
        let write = app
            .request(Method::POST, "/guardians")
            .bearer_auth(token)
            .header("X-School-ID", school.to_string())
            .json(&json!({"first_name": "Ghost", "last_name": "Writer"}))
            .send()
            .await
            .unwrap();
        assert_problem(write, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
    let (_, guardians) = owner.get_json("/guardians").await;
    assert_eq!(guardians, json!([]));
}

#[tokio::test]
async fn a_deleted_users_refresh_token_issues_nothing() {
    let app = TestApp::spawn().await;
    let session = app.register("jane@example.com").await;
    sqlx::query("UPDATE users SET deleted_at = now() WHERE id = $1")
        .bind(session.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let response = app
        .request(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": session.refresh_token}))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

#[tokio::test]
async fn an_expired_refresh_token_or_an_access_token_in_its_place_is_refused() {
    let app = TestApp::spawn().await;
    let session = app.register("jane@example.com").await;
    let as_refresh = app
        .request(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": session.token}))
        .send()
        .await
        .unwrap();
    assert_problem(
        as_refresh,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    sqlx::query(
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1",
    )
    .bind(session.user_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let expired = app
        .request(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": session.refresh_token}))
        .send()
        .await
        .unwrap();
    assert_problem(expired, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let issued: i64 = sqlx::query_scalar("SELECT count(*) FROM refresh_tokens WHERE user_id = $1")
        .bind(session.user_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(issued, 1, "no new refresh token was issued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_refresh_token_spent_twice_at_once_yields_at_most_one_new_pair() {
    let app = TestApp::spawn().await;
    let session = app.register("jane@example.com").await;
    let spend = || {
        app.request(Method::POST, "/auth/refresh")
            .json(&json!({"refresh_token": session.refresh_token}))
            .send()
    };
    let answers = futures_util::future::join_all((0..6).map(|_| spend())).await;
    let statuses: Vec<StatusCode> = answers
        .iter()
        .map(|a| a.as_ref().unwrap().status())
        .collect();
    let granted = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(granted <= 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(session.user_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(live, 0, "the replay revoked the family, winner included");
}
