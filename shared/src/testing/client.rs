//! The one HTTP client of the tests and benchmarks: `ApiClient` talks to an
//! api at a base URL; a `Member` is a signed-in user acting in one school
//! (as crates.io's `RequestHelper`), so `member.post("/payments", body)`
//! carries the bearer token and `X-School-ID` itself.
//!
//! Its helpers panic with the method, path, status and body when the api
//! answers otherwise than expected: a test fails there, and a benchmark
//! reports the run as failed.

use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// The password every test and benchmark user signs up with.
pub const PASSWORD: &str = "correct horse battery";

/// A client of the api at `base`.
#[derive(Clone)]
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// No overall timeout: a test may read an event stream for as long as it runs.
    pub fn new(base: impl Into<String>) -> Self {
        Self::with_http(base, reqwest::Client::new())
    }

    /// With a limit on each whole request and answer (benchmarks).
    pub fn with_timeout(base: impl Into<String>, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .expect("a reqwest client");
        Self::with_http(base, http)
    }

    fn with_http(base: impl Into<String>, http: reqwest::Client) -> Self {
        Self {
            base: base.into(),
            http,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// An anonymous request to `path` (relative to the base URL).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// Signs `email` up ("Test User", `PASSWORD`); the member has no school yet.
    pub async fn register(&self, email: &str) -> Member {
        let response = send(
            self.request(Method::POST, "/auth/register")
                .json(&json!({"email": email, "full_name": "Test User", "password": PASSWORD})),
            "POST /auth/register",
        )
        .await;
        let body = expect_status(response, StatusCode::CREATED, &format!("register {email}")).await;
        let text = |value: &Value| {
            value
                .as_str()
                .unwrap_or_else(|| panic!("register {email}: no token in {body}"))
                .to_string()
        };
        Member {
            api: self.clone(),
            token: text(&body["access_token"]),
            refresh_token: text(&body["refresh_token"]),
            user_id: id_of(&body["user"]),
            school: Uuid::nil(),
        }
    }

    /// A new user who owns a new school, acting in it.
    pub async fn owner_with_school(&self, email: &str, school: &str) -> Member {
        let owner = self.register(email).await;
        let school = owner.create_school(school).await;
        owner.at(school)
    }
}

/// A signed-in user acting in one school: every request carries their
/// bearer token and, unless the school is nil, `X-School-ID`.
#[derive(Clone)]
pub struct Member {
    api: ApiClient,
    pub token: String,
    pub refresh_token: String,
    pub user_id: Uuid,
    pub school: Uuid,
}

impl Member {
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// The same user acting in `school`.
    pub fn at(&self, school: Uuid) -> Member {
        Member {
            school,
            ..self.clone()
        }
    }

    /// A request as this member, to add a body or headers to.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.api.request(method, path).bearer_auth(&self.token);
        if self.school.is_nil() {
            request
        } else {
            request.header("X-School-ID", self.school.to_string())
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        send(self.request(Method::GET, path), &format!("GET {path}")).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        send(
            self.request(Method::POST, path).json(&body),
            &format!("POST {path}"),
        )
        .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        send(
            self.request(Method::PATCH, path).json(&body),
            &format!("PATCH {path}"),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Response {
        send(
            self.request(Method::DELETE, path),
            &format!("DELETE {path}"),
        )
        .await
    }

    /// POSTs `body` and returns the created record; panics unless 201.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let response = self.post(path, body).await;
        expect_status(response, StatusCode::CREATED, &format!("POST {path}")).await
    }

    /// GET `path`: the status and the JSON (null when there is none).
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Polls GET `path` until `done` holds for the JSON, for at most 20 s.
    pub async fn eventually(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (_, body) = self.get_json(path).await;
            if done(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{path} never reached the expected state: {body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Creates a school this user owns; returns its id.
    pub async fn create_school(&self, name: &str) -> Uuid {
        id_of(&self.create("/schools", json!({"name": name})).await)
    }

    /// Signs `email` up and brings them into this school with `role`: this
    /// member invites the address, the new user accepts. Returns the new
    /// member, acting in this school.
    pub async fn add_member(&self, email: &str, role: &str) -> Member {
        let added = self.api.register(email).await.at(self.school);
        let invitation = self.invite(email, role).await;
        added.accept(id_of(&invitation)).await;
        added
    }

    /// POST /members: invites `email` with `role`; returns the invitation.
    pub async fn invite(&self, email: &str, role: &str) -> Value {
        let response = self
            .post("/members", json!({"email": email, "role": role}))
            .await;
        expect_status(
            response,
            StatusCode::CREATED,
            &format!("invite {role} {email}"),
        )
        .await
    }

    /// POST /invitations/{id}/accept as this user; returns the school joined.
    pub async fn accept(&self, invitation: Uuid) -> Value {
        let path = format!("/invitations/{invitation}/accept");
        let response = send(
            self.api
                .request(Method::POST, &path)
                .bearer_auth(&self.token),
            &format!("POST {path}"),
        )
        .await;
        expect_status(response, StatusCode::OK, &format!("POST {path}")).await
    }

    /// A class "Grade 4 East" for 2025.
    pub async fn grade_4_east(&self) -> Uuid {
        id_of(
            &self
                .create(
                    "/classes",
                    json!({"name": "Grade 4 East", "level": "Grade 4", "academic_year": "2025", "stream": "East"}),
                )
                .await,
        )
    }

    /// A guardian `first` Doe.
    pub async fn guardian(&self, first: &str) -> Uuid {
        id_of(
            &self
                .create(
                    "/guardians",
                    json!({"first_name": first, "last_name": "Doe", "phone": "0712345678"}),
                )
                .await,
        )
    }

    /// A student John Doe with `admission_no`, in no class.
    pub async fn student(&self, admission_no: &str) -> Uuid {
        id_of(
            &self
                .create(
                    "/students",
                    json!({"admission_no": admission_no, "first_name": "John", "last_name": "Doe"}),
                )
                .await,
        )
    }

    /// POST /invoices/generate for `class`, waiting up to `wait_secs` (at
    /// most 60, as the api allows) and then polling the operation until
    /// it finishes or `limit` passes. Returns the finished operation;
    /// panics unless it succeeded.
    pub async fn generate_invoices(
        &self,
        class: Uuid,
        term: i16,
        year: i32,
        limit: Duration,
    ) -> Value {
        let deadline = Instant::now() + limit;
        let wait = limit.as_secs().clamp(1, 60);
        let response = send(
            self.request(Method::POST, "/invoices/generate")
                .header("Prefer", format!("wait={wait}"))
                .json(&json!({"class_id": class, "term": term, "year": year})),
            "POST /invoices/generate",
        )
        .await;
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut operation: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status == StatusCode::OK || status == StatusCode::ACCEPTED,
            "POST /invoices/generate answered {status}: {operation}"
        );
        let location = location.expect("POST /invoices/generate gave no Location");
        loop {
            match operation["status"].as_str() {
                Some("succeeded") => return operation,
                Some("failed") => panic!("invoice generation failed: {operation}"),
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "invoice generation did not succeed within {limit:?}: {operation}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
            let response = self.get(&location).await;
            operation = expect_status(response, StatusCode::OK, "GET /operations/{id}").await;
        }
    }

    /// GET /ledger/trial-balance; panics unless 200.
    pub async fn trial_balance(&self) -> Value {
        let response = self.get("/ledger/trial-balance").await;
        expect_status(response, StatusCode::OK, "GET /ledger/trial-balance").await
    }
}

async fn send(request: RequestBuilder, what: &str) -> Response {
    request
        .send()
        .await
        .unwrap_or_else(|err| panic!("{what}: no answer: {err}"))
}

/// The JSON of `response`; panics (with `what` and the body) unless its
/// status is `status`.
pub async fn expect_status(response: Response, status: StatusCode, what: &str) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{what} answered {actual}: {body}");
    body
}

/// The `id` of a record as the api answers it.
pub fn id_of(record: &Value) -> Uuid {
    record["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no UUID id in {record}"))
}
