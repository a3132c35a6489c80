//! Sign-ins need no account, so one address gets a bounded share: a flood
//! of logins from it waits its turn, and other addresses (behind a trusted
//! proxy, by X-Forwarded-For) sign in meanwhile.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_login_flood_from_one_address_leaves_room_for_others() {
    let limits = api::guard::Limits {
        address_concurrency: 2,
        school_wait: Duration::from_millis(300),
        trust_forwarded_for: true,
        ..Default::default()
    };
    let app = TestApp::spawn_with_limits(limits).await;
    app.register("grace@imara.ac.ke").await;
    let login = |from: &'static str, email: String, password: &'static str| {
        app.request(Method::POST, "/auth/login")
            .header("x-forwarded-for", format!("203.0.113.9, {from}"))
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    // Guessing at many accounts, so no account's own lock-out answers first.
    let flood: Vec<_> = (0..24)
        .map(|i| {
            login(
                "198.51.100.7",
                format!("guess{i}@imara.ac.ke"),
                "guess-password-1",
            )
        })
        .collect();
    let started = Instant::now();
    let flood = futures_util::future::join_all(flood);
    let other = async {
        // Let the flood take its places first.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let response = login(
            "192.0.2.44",
            "grace@imara.ac.ke".to_string(),
            "correct horse battery",
        )
        .await
        .unwrap();
        (response.status(), started.elapsed())
    };
    let (flooded, (other_status, other_took)) = tokio::join!(flood, other);
    let statuses: Vec<StatusCode> = flooded.into_iter().map(|r| r.unwrap().status()).collect();
    assert!(
        statuses.contains(&StatusCode::SERVICE_UNAVAILABLE),
        "some of the flood is told to come back: {statuses:?}"
    );
    assert_eq!(other_status, StatusCode::OK, "another address signs in");
    assert!(other_took < Duration::from_secs(5), "{other_took:?}");
}
