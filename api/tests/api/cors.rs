//! CORS is off unless origins are configured, and then only for them.

use reqwest::{Method, StatusCode};

use crate::helpers::TestApp;

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.request(Method::OPTIONS, "/students")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, x-school-id, content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let app = TestApp::spawn().await;
    let response = preflight(&app, "https://app.imara.ac.ke").await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn configured_origins_are_allowed_and_others_are_not() {
    let limits = api::guard::Limits {
        cors_origins: vec!["https://app.imara.ac.ke".parse().unwrap()],
        ..Default::default()
    };
    let app = TestApp::spawn_with_limits(limits).await;

    let allowed = preflight(&app, "https://app.imara.ac.ke").await;
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.imara.ac.ke"
    );
    let headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(headers.contains("x-school-id") && headers.contains("authorization"));

    let other = preflight(&app, "https://evil.example").await;
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let simple = app
        .request(Method::GET, "/healthz")
        .header("origin", "https://app.imara.ac.ke")
        .send()
        .await
        .unwrap();
    assert_eq!(
        simple.headers()["access-control-allow-origin"],
        "https://app.imara.ac.ke"
    );
}
