//! The OpenAPI document a client developer builds against, read from the
//! running router: every response described, every request body with an
//! example, every error response with the problem codes it can carry,
//! every list paged with `limit`/`after` and `Link`, every 503 with
//! `Retry-After`. openapi_examples.rs sends the examples and checks the
//! document against what the api answers.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::TestApp;

/// Answer without touching the database or reading anything: no problem
/// ever comes back.
const NEVER_REFUSES: &[&str] = &["GET /healthz"];

/// Arrays answered whole: a school has a handful of each.
const UNPAGED: &[&str] = &[
    "GET /schools/my",
    "GET /grade-levels",
    "GET /terms",
    "GET /fees/structures",
    "GET /invoices/{id}/lines",
    // An invoice's credit notes: a handful at most.
    "GET /invoices/{id}/credit-notes",
    "GET /ledger/accounts",
    "GET /members",
    "GET /members/invitations",
    "GET /invitations",
    // A student's refunds: a handful at most, like their statement's lines.
    "GET /students/{id}/refunds",
    // A school has a handful of sponsors.
    "GET /sponsors",
    // A sponsor pays a few times a year.
    "GET /sponsors/{id}/payments",
    // A report is whole: its order and totals are the point of it.
    "GET /reports/defaulters",
];

pub async fn document(app: &TestApp) -> Value {
    let response = app
        .request(Method::GET, "/openapi.json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// ("METHOD /path", operation) for every operation but the skipped ones.
pub fn operations(document: &Value) -> Vec<(String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                found.push((name, operation));
            }
        }
    }
    assert!(found.len() > 50, "{} operations", found.len());
    found
}

/// The named parameters of an operation, as (in, name).
pub fn parameters(operation: &Value) -> BTreeSet<(String, String)> {
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["in"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The codes an operation lists for `status`.
pub fn codes(operation: &Value, status: u16) -> Vec<String> {
    operation["responses"][status.to_string()]["x-problem-codes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|code| code.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_response_of_every_operation_has_a_description() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let mut missing = Vec::new();
    for (name, operation) in operations(&document) {
        for (status, response) in operation["responses"].as_object().unwrap() {
            let text = response["description"].as_str().unwrap_or("").trim();
            if text.is_empty() {
                missing.push(format!("{name} {status}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "responses without a description: {missing:?}"
    );
}

#[tokio::test]
async fn every_request_body_has_an_example() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let mut missing = Vec::new();
    for (name, operation) in operations(&document) {
        let Some(content) = operation["requestBody"]["content"].as_object() else {
            continue;
        };
        for (media_type, body) in content {
            if body["example"].is_null()
                && body["examples"].as_object().is_none_or(|e| e.is_empty())
            {
                missing.push(format!("{name} {media_type}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "request bodies without an example: {missing:?}"
    );
}

#[tokio::test]
async fn every_error_response_lists_the_problem_codes_it_can_carry() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let mut wrong = Vec::new();
    for (name, operation) in operations(&document) {
        if NEVER_REFUSES.contains(&name.as_str()) {
            continue;
        }
        let declared = &operation["x-problem-codes"];
        if !declared.is_object() {
            wrong.push(format!("{name}: no x-problem-codes"));
            continue;
        }
        for (status, response) in operation["responses"].as_object().unwrap() {
            let status: u16 = status.parse().unwrap();
            if status < 400 {
                continue;
            }
            let listed = codes(operation, status);
            let description = response["description"].as_str().unwrap_or("");
            if listed.is_empty() {
                wrong.push(format!("{name} {status}: no codes"));
            }
            for code in &listed {
                if !description.contains(&format!("`{code}`")) {
                    wrong.push(format!("{name} {status}: `{code}` not in the description"));
                }
            }
            if declared[status.to_string()] != serde_json::json!(listed) {
                wrong.push(format!(
                    "{name} {status}: operation and response lists differ"
                ));
            }
            if response["content"]["application/problem+json"].is_null() {
                wrong.push(format!("{name} {status}: not application/problem+json"));
            }
        }
        for status in declared.as_object().unwrap().keys() {
            if operation["responses"][status].is_null() {
                wrong.push(format!("{name}: codes for {status}, no response"));
            }
        }
        // Whatever else it does, every operation can be stopped past its deadline.
        if !codes(operation, 503).contains(&"request_timeout".to_string()) {
            wrong.push(format!("{name}: no 503 request_timeout"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test]
async fn every_list_pages_with_limit_and_after_and_documents_link() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let mut wrong = Vec::new();
    for (name, operation) in operations(&document) {
        let ok = &operation["responses"]["200"];
        let array = ok["content"]["application/json"]["schema"]["type"] == "array";
        let params = parameters(operation);
        let pages = params.contains(&("query".into(), "limit".into()));
        if name.starts_with("GET ") && array && !pages && !UNPAGED.contains(&name.as_str()) {
            wrong.push(format!(
                "{name}: a list without limit/after (or add it to UNPAGED)"
            ));
        }
        if pages {
            if !params.contains(&("query".into(), "after".into())) {
                wrong.push(format!("{name}: limit without after"));
            }
            if ok["headers"]["Link"]["description"].as_str().is_none() {
                wrong.push(format!("{name}: pages without documenting Link"));
            }
            if !codes(operation, 400).contains(&"invalid_limit".to_string()) {
                wrong.push(format!("{name}: pages without 400 invalid_limit"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test]
async fn busy_answers_say_when_to_retry_and_headers_read_are_described() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let mut wrong = Vec::new();
    for (name, operation) in operations(&document) {
        let busy = &operation["responses"]["503"];
        if !busy.is_null() && busy["headers"]["Retry-After"].is_null() {
            wrong.push(format!("{name}: 503 without Retry-After"));
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let text = parameter["description"].as_str().unwrap_or("").trim();
            if parameter["in"] == "header" && text.is_empty() {
                wrong.push(format!("{name}: header {} undescribed", parameter["name"]));
            }
        }
        for status in ["200", "202"] {
            let response = &operation["responses"][status];
            if response["content"]["application/json"]["schema"]["$ref"]
                == "#/components/schemas/Operation"
                && name.starts_with("POST ")
                && response["headers"]["Location"].is_null()
            {
                wrong.push(format!("{name} {status}: an operation without Location"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
