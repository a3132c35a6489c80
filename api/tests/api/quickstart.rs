//! The README's quick start, end to end over HTTP.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn the_quick_start_works_end_to_end() {
    let app = TestApp::spawn().await;
    let register: Value = app
        .request(Method::POST, "/auth/register")
        .json(&json!({"email": "bursar@imara.ac.ke", "full_name": "Grace Wanjiru", "password": "Imara-2025-pass"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = register["access_token"].as_str().unwrap();

    let school: Value = app
        .request(Method::POST, "/schools")
        .bearer_auth(token)
        .json(&json!({"name": "Imara Academy"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let school_id = school["id"].as_str().unwrap();
    let call = |method: Method, path: &str| {
        app.request(method, path)
            .bearer_auth(token)
            .header("X-School-ID", school_id)
    };

    let class = call(Method::POST, "/classes")
        .json(&json!({"name": "Grade 4 East", "level": "Grade 4", "academic_year": "2025", "stream": "East"}))
        .send()
        .await
        .unwrap();
    assert_eq!(class.status(), StatusCode::CREATED);
    let class: Value = class.json().await.unwrap();

    let guardian = call(Method::POST, "/guardians")
        .json(&json!({"first_name": "Jane", "last_name": "Doe", "phone": "+254712345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(guardian.status(), StatusCode::CREATED);
    let guardian: Value = guardian.json().await.unwrap();

    let student = call(Method::POST, "/students")
        .json(&json!({"admission_no": "ADM-2025-001", "first_name": "John", "last_name": "Doe", "primary_guardian_id": guardian["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(student.status(), StatusCode::CREATED);
    let student: Value = student.json().await.unwrap();
    assert_eq!(student["guardians"][0]["first_name"], "Jane");

    let moved = call(
        Method::PATCH,
        &format!("/students/{}", student["id"].as_str().unwrap()),
    )
    .json(&json!({"class_id": class["id"]}))
    .send()
    .await
    .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(moved["class_id"], class["id"]);

    let listed: Value = call(
        Method::GET,
        &format!("/students?class_id={}", class["id"].as_str().unwrap()),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(listed[0]["admission_no"], "ADM-2025-001");
}
