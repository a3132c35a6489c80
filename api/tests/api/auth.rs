use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{JWT_SECRET, TestApp, assert_problem};

#[tokio::test]
async fn register_answers_a_token_pair_and_the_user() {
    let app = TestApp::spawn().await;
    let response = app
        .request(Method::POST, "/auth/register")
        .json(&json!({"email": "Bursar@Imara.ac.ke", "full_name": "Grace Wanjiru", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["user"]["email"], "bursar@imara.ac.ke");
    assert!(body["refresh_token"].as_str().unwrap().len() >= 40);
    let claims = app
        .keys
        .verify(body["access_token"].as_str().unwrap())
        .expect("a valid access token");
    assert_eq!(claims.sub.to_string(), body["user"]["id"].as_str().unwrap());
    assert!(claims.exp > claims.iat);
}

#[tokio::test]
async fn registering_the_same_email_twice_is_a_conflict() {
    let app = TestApp::spawn().await;
    app.register("jane@example.com").await;
    let response = app
        .request(Method::POST, "/auth/register")
        .json(&json!({"email": "JANE@example.com", "full_name": "Jane", "password": "another password"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::CONFLICT, "email_taken").await;
}

#[tokio::test]
async fn weak_passwords_and_bad_emails_are_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .request(Method::POST, "/auth/register")
        .json(&json!({"email": "a@example.com", "full_name": "A", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "weak_password").await;
    let response = app
        .request(Method::POST, "/auth/register")
        .json(&json!({"email": "not-an-email", "full_name": "A", "password": "long enough pw"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_email").await;
}

#[tokio::test]
async fn login_with_the_right_password_works_and_the_wrong_one_is_invalid_credentials() {
    let app = TestApp::spawn().await;
    app.register("jane@example.com").await;
    let ok = app
        .request(Method::POST, "/auth/login")
        .json(&json!({"email": "jane@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let wrong = app
        .request(Method::POST, "/auth/login")
        .json(&json!({"email": "jane@example.com", "password": "wrong horse battery"}))
        .send()
        .await
        .unwrap();
    assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let unknown = app
        .request(Method::POST, "/auth/login")
        .json(&json!({"email": "nobody@example.com", "password": "whatever it is"}))
        .send()
        .await
        .unwrap();
    assert_problem(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account_for_a_while() {
    let app = TestApp::spawn().await;
    app.register("jane@example.com").await;
    for _ in 0..5 {
        let response = app
            .request(Method::POST, "/auth/login")
            .json(&json!({"email": "jane@example.com", "password": "guess guess guess"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits out the lock, which is short and bounded.
    let response = app
        .request(Method::POST, "/auth/login")
        .json(&json!({"email": "jane@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "account_locked").await;
    assert!(body["detail"].as_str().unwrap().contains("seconds"));
    let locked_for: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM locked_until - now())::float8 FROM users WHERE email = $1",
    )
    .bind("jane@example.com")
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(locked_for > 0.0 && locked_for <= 15.0 * 60.0);
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_stops_working() {
    let app = TestApp::spawn().await;
    let session = app.register("jane@example.com").await;
    let first = app
        .request(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": session.refresh_token}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let next = first["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(next, session.refresh_token);

    let replay = app
        .request(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": session.refresh_token}))
        .send()
        .await
        .unwrap();
    assert_problem(replay, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    // The replay revoked the family: the newest token is dead too.
    let stolen_family = app
        .request(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": next}))
        .send()
        .await
        .unwrap();
    assert_eq!(stolen_family.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_unknown_refresh_token_is_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .request(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": "made-up"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

#[tokio::test]
async fn me_lists_the_callers_memberships() {
    let app = TestApp::spawn().await;
    let session = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = session.school;
    let response = app
        .request(Method::GET, "/auth/me")
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["email"], "owner@example.com");
    assert_eq!(body["memberships"][0]["school_id"], school.to_string());
    assert_eq!(body["memberships"][0]["role"], "OWNER");
}

fn forged(claims: Value, key: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap()
}

#[tokio::test]
async fn missing_malformed_forged_unsigned_and_expired_tokens_get_401() {
    let app = TestApp::spawn().await;
    let session = app.register("jane@example.com").await;
    let now = Utc::now().timestamp();
    let sub = session.user_id.to_string();
    let unsigned = {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD
            .encode(json!({"sub": sub, "roles": [], "iat": now, "exp": now + 600}).to_string());
        format!("{header}.{body}.")
    };
    let cases = [
        ("malformed", "not.a.jwt".to_string()),
        (
            "wrong key",
            forged(
                json!({"sub": sub, "roles": [], "iat": now, "exp": now + 600}),
                b"another-secret-another-secret-another!",
            ),
        ),
        ("alg none", unsigned),
        (
            "expired",
            forged(
                json!({"sub": sub, "roles": [], "iat": now - 7200, "exp": now - 3600}),
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "issued in the future",
            forged(
                json!({"sub": sub, "roles": [], "iat": now + 3600, "exp": now + 7200}),
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "no subject",
            forged(
                json!({"roles": [], "iat": now, "exp": now + 600}),
                JWT_SECRET.as_bytes(),
            ),
        ),
    ];
    for (what, token) in cases {
        let response = app
            .request(Method::GET, "/auth/me")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
    let none = app.request(Method::GET, "/auth/me").send().await.unwrap();
    assert_problem(none, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let basic = app
        .request(Method::GET, "/auth/me")
        .header("Authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_problem(basic, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn a_token_for_a_deleted_user_is_refused() {
    let app = TestApp::spawn().await;
    let session = app.register("jane@example.com").await;
    sqlx::query("UPDATE users SET deleted_at = now() WHERE id = $1")
        .bind(session.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let response = app
        .request(Method::GET, "/auth/me")
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}
