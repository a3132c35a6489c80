use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn a_class_is_created_from_a_grade_level_stream_and_year() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let class = owner.create("/classes", json!({"name": "Grade 4 East", "level": "grade 4", "academic_year": 2025, "stream": "East"}))
        .await;
    assert_eq!(class["level"], "Grade 4");
    assert_eq!(class["academic_year"], 2025);
    assert_eq!(class["stream"], "East");
    let (status, fetched) = owner
        .get_json(&format!("/classes/{}", class["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["name"], "Grade 4 East");
}

#[tokio::test]
async fn a_level_the_school_does_not_have_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let response = owner
        .post(
            "/classes",
            json!({"name": "Form 3 West", "level": "Form 3", "academic_year": "2025"}),
        )
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "unknown_level").await;
}

#[tokio::test]
async fn the_same_class_name_twice_in_a_year_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    owner.grade_4_east().await;
    let response = owner
        .post(
            "/classes",
            json!({"name": "Grade 4 East", "level": "Grade 4", "academic_year": "2025"}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "duplicate_class").await;
}

#[tokio::test]
async fn an_academic_year_that_is_not_a_year_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    for year in [json!("twenty"), json!(1899), json!(2025.5)] {
        let response = owner
            .post(
                "/classes",
                json!({"name": "Grade 4 East", "level": "Grade 4", "academic_year": year}),
            )
            .await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    }
}

#[tokio::test]
async fn lists_page_with_a_next_link() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    for stream in ["East", "West", "North"] {
        owner.create("/classes", json!({"name": format!("Grade 5 {stream}"), "level": "Grade 5", "academic_year": 2025, "stream": stream}))
            .await;
    }
    let first = owner.get("/classes?limit=2").await;
    let link = first
        .headers()
        .get("link")
        .expect("a Link header")
        .to_str()
        .unwrap()
        .to_string();
    let page: Value = first.json().await.unwrap();
    assert_eq!(page.as_array().unwrap().len(), 2);
    assert!(link.ends_with("rel=\"next\"") && link.contains("limit=2") && link.contains("after="));
    let next = link.trim_start_matches('<').split('>').next().unwrap();
    let second = owner.get(next).await;
    assert!(second.headers().get("link").is_none());
    let rest: Value = second.json().await.unwrap();
    assert_eq!(rest.as_array().unwrap().len(), 1);
    assert_ne!(rest[0]["id"], page[0]["id"]);
    assert_ne!(rest[0]["id"], page[1]["id"]);
    let too_many = owner.get("/classes?limit=501").await;
    assert_problem(too_many, StatusCode::BAD_REQUEST, "invalid_limit").await;
}

#[tokio::test]
async fn an_unknown_class_is_404_and_a_malformed_id_is_400() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let missing = owner
        .get(&format!("/classes/{}", uuid::Uuid::new_v4()))
        .await;
    assert_problem(missing, StatusCode::NOT_FOUND, "class_not_found").await;
    let malformed = owner.get("/classes/not-a-uuid").await;
    assert_problem(malformed, StatusCode::BAD_REQUEST, "invalid_path").await;
}
