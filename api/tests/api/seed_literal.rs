//! The seed's quick start sent byte for byte, as its own client sends it
//! (`"gender":"Male"`), and the gender spellings clients in the wild use.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, assert_problem};

/// Sends `body` exactly as written: no re-serialisation.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<(&str, &str)>,
    body: &str,
) -> reqwest::Response {
    let mut request = app
        .request(method, path)
        .header("content-type", "application/json");
    if let Some((token, school)) = auth {
        request = request.bearer_auth(token);
        if !school.is_empty() {
            request = request.header("X-School-ID", school);
        }
    }
    if !body.is_empty() {
        request = request.body(body.to_string());
    }
    request.send().await.unwrap()
}

async fn json(response: reqwest::Response, status: StatusCode) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn the_seeds_quick_start_passes_to_the_letter() {
    let app = TestApp::spawn().await;
    let register = send(
        &app,
        Method::POST,
        "/auth/register",
        None,
        r#"{"email":"bursar@imara.ac.ke","full_name":"Grace Wanjiru","password":"Imara-2025-pass"}"#,
    )
    .await;
    let token = json(register, StatusCode::CREATED).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let school = send(
        &app,
        Method::POST,
        "/schools",
        Some((&token, "")),
        r#"{"name":"Imara Academy"}"#,
    )
    .await;
    let school = json(school, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let auth = Some((token.as_str(), school.as_str()));

    let class = send(
        &app,
        Method::POST,
        "/classes",
        auth,
        r#"{"name":"Grade 4 East","level":"Grade 4","academic_year":"2025","stream":"East"}"#,
    )
    .await;
    let class = json(class, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let guardian = send(
        &app,
        Method::POST,
        "/guardians",
        auth,
        r#"{"first_name":"Jane","last_name":"Doe","phone":"+254712345678"}"#,
    )
    .await;
    let guardian = json(guardian, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let student = send(
        &app,
        Method::POST,
        "/students",
        auth,
        &format!(
            r#"{{"admission_no":"ADM-2025-001","first_name":"John","last_name":"Doe","gender":"Male","primary_guardian_id":"{guardian}"}}"#
        ),
    )
    .await;
    let student = json(student, StatusCode::CREATED).await;
    assert_eq!(student["gender"], "MALE");
    let id = student["id"].as_str().unwrap();

    let moved = send(
        &app,
        Method::PATCH,
        &format!("/students/{id}"),
        auth,
        &format!(r#"{{"class_id":"{class}"}}"#),
    )
    .await;
    assert_eq!(
        json(moved, StatusCode::OK).await["class_id"],
        class.as_str()
    );
    let listed = send(
        &app,
        Method::GET,
        &format!("/students?class_id={class}"),
        auth,
        "",
    )
    .await;
    let listed = json(listed, StatusCode::OK).await;
    assert_eq!(listed[0]["admission_no"], "ADM-2025-001");
    assert_eq!(listed[0]["gender"], "MALE");
}

#[tokio::test]
async fn gender_is_read_in_any_letter_case_and_as_m_or_f() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("genders@example.com", "Genders")
        .await;
    let token = owner.token.clone();
    let school = owner.school.to_string();
    for (i, (sent, stored)) in [
        ("Male", "MALE"),
        ("female", "FEMALE"),
        ("OTHER", "OTHER"),
        ("m", "MALE"),
        ("F", "FEMALE"),
        (" Female ", "FEMALE"),
    ]
    .into_iter()
    .enumerate()
    {
        let created = send(
            &app,
            Method::POST,
            "/students",
            Some((&token, &school)),
            &format!(
                r#"{{"admission_no":"G-{i}","first_name":"Amani","last_name":"Otieno","gender":"{sent}"}}"#
            ),
        )
        .await;
        assert_eq!(
            json(created, StatusCode::CREATED).await["gender"],
            stored,
            "{sent}"
        );
    }
}

#[tokio::test]
async fn an_unknown_gender_is_refused_with_a_clear_message() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("genders@example.com", "Genders")
        .await;
    let school = owner.school.to_string();
    for sent in ["Boy", "", "X", "males"] {
        let refused = send(
            &app,
            Method::POST,
            "/students",
            Some((&owner.token, &school)),
            &format!(
                r#"{{"admission_no":"G-1","first_name":"Amani","last_name":"Otieno","gender":"{sent}"}}"#
            ),
        )
        .await;
        let problem = assert_problem(refused, StatusCode::BAD_REQUEST, "invalid_body").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("MALE, FEMALE or OTHER"), "{detail}");
    }
}
