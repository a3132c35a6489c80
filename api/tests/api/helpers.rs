//! Test harness: a fresh database per test (copied from a migrated
//! template), the real router served on port 0, and a client that talks
//! HTTP to it as the runtime role would be used in production.

use api::{AppState, jwt::Keys};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
pub use shared::testing::{app_pool, fresh_database};
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// A language model address nothing listens on (the discard port).
pub const NO_MODEL: &str = "http://127.0.0.1:9";

fn dev_mail() -> shared::config::MailConfig {
    shared::config::MailConfig {
        smtp_url: None,
        from: "SchoolOps <no-reply@schoolops.test>".into(),
        dir: std::env::temp_dir().join(format!("schoolops-mail-{}", Uuid::new_v4().simple())),
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
    pub keys: Keys,
}

/// A signed-in user: their token and id.
#[derive(Clone)]
pub struct Session {
    pub token: String,
    pub refresh_token: String,
    pub user_id: Uuid,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_until(std::future::pending()).await
    }

    /// Like `spawn`, with the request path's limits (deadlines, CORS) set.
    pub async fn spawn_with_limits(limits: api::guard::Limits) -> Self {
        Self::spawn_serving(std::future::pending(), limits).await
    }

    /// Like `spawn`, with a server that shuts down when `shutdown` resolves.
    pub async fn spawn_until(
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Self {
        Self::spawn_serving(shutdown, api::guard::Limits::default()).await
    }

    async fn spawn_serving(
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
        limits: api::guard::Limits,
    ) -> Self {
        shared::telemetry::init_tracing(shared::config::Environment::Development);
        let database = fresh_database().await;
        let pool = app_pool(&database).await;
        shared::db::roles::ensure_runtime_role_is_bound_by_rls(&pool)
            .await
            .expect("the test role is the runtime role, bound by RLS");
        let keys = Keys::new(JWT_SECRET.as_bytes(), 60);
        let state = AppState {
            guard: api::guard::Guard::new(limits),
            pool: pool.clone(),
            keys: keys.clone(),
            refresh_days: 7,
            hub: api::hub::EventHub::start(pool.clone()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(api::serve(listener, state, shutdown));
        Self {
            base,
            client: reqwest::Client::new(),
            pool,
            keys,
        }
    }

    /// Runs a real worker (every queue) against this app's database, in
    /// this process, until the test ends. Its language model is unreachable.
    pub fn start_worker(&self) {
        self.start_worker_with_ollama(NO_MODEL);
    }

    /// Like `start_worker`, with the language model at `ollama_url` and
    /// short waits (a fake model answers at once).
    pub fn start_worker_with_ollama(&self, ollama_url: &str) {
        let mut ollama = shared::ollama::OllamaConfig::new(ollama_url, "smollm2:135m");
        ollama.connect_timeout = std::time::Duration::from_secs(1);
        ollama.first_byte_timeout = std::time::Duration::from_secs(2);
        ollama.idle_timeout = std::time::Duration::from_secs(2);
        // Offered whenever the model reports the capability.
        ollama.offer_tools = true;
        self.run_worker(dev_mail(), ollama);
    }

    /// Like `start_worker`, with a real language model as `ollama` says.
    pub fn start_worker_with_model(&self, ollama: shared::ollama::OllamaConfig) {
        self.run_worker(dev_mail(), ollama);
    }

    /// Like `start_worker`, sending email as `mail` says.
    pub fn start_worker_with_mail(&self, mail: shared::config::MailConfig) {
        self.run_worker(
            mail,
            shared::ollama::OllamaConfig::new(NO_MODEL, "smollm2:135m"),
        );
    }

    fn run_worker(&self, mail: shared::config::MailConfig, ollama: shared::ollama::OllamaConfig) {
        let assistant = worker::chat::Assistant::new(shared::ollama::OllamaClient::new(ollama));
        let mailer = worker::mail::Mailer::new(&mail).expect("a valid mail configuration");
        let options = worker::Options {
            poll_interval: std::time::Duration::from_millis(200),
            heartbeat: std::time::Duration::from_secs(2),
            // Tests drive the reminder scheduler at chosen instants.
            scheduler_every: None,
            ..worker::Options::default()
        };
        let ctx = worker::Ctx {
            pool: self.pool.clone(),
            mailer,
            assistant,
        };
        tokio::spawn(async move { worker::run(ctx, &options, std::future::pending()).await });
    }

    /// Polls GET `path` until `done` holds for the JSON, for at most 20 s.
    pub async fn eventually(
        &self,
        session: &Session,
        school: Uuid,
        path: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (_, body) = self.get_json(session, school, path).await;
            if done(&body) {
                return body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{path} never reached the expected state: {body}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Sets the school for a transaction on the runtime role's pool.
    pub async fn tenant_tx(&self, school: Uuid) -> sqlx::Transaction<'static, sqlx::Postgres> {
        let mut tx = self.pool.begin().await.unwrap();
        shared::db::set_tenant(&mut tx, Some(school), None)
            .await
            .unwrap();
        tx
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// A request as `session` acting in `school`.
    pub fn as_member(
        &self,
        method: Method,
        path: &str,
        session: &Session,
        school: Uuid,
    ) -> RequestBuilder {
        self.request(method, path)
            .bearer_auth(&session.token)
            .header("X-School-ID", school.to_string())
    }

    pub async fn register(&self, email: &str) -> Session {
        let response = self
            .request(Method::POST, "/auth/register")
            .json(&json!({"email": email, "full_name": "Test User", "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "register {email}");
        let body: Value = response.json().await.unwrap();
        Session {
            token: body["access_token"].as_str().unwrap().to_string(),
            refresh_token: body["refresh_token"].as_str().unwrap().to_string(),
            user_id: body["user"]["id"].as_str().unwrap().parse().unwrap(),
        }
    }

    pub async fn create_school(&self, session: &Session, name: &str) -> Uuid {
        let response = self
            .request(Method::POST, "/schools")
            .bearer_auth(&session.token)
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create school {name}"
        );
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// A registered user who owns a new school.
    pub async fn owner_with_school(&self, email: &str, school: &str) -> (Session, Uuid) {
        let session = self.register(email).await;
        let school_id = self.create_school(&session, school).await;
        (session, school_id)
    }

    /// Adds a new user to `school` with `role`, as its owner.
    pub async fn member(&self, owner: &Session, school: Uuid, email: &str, role: &str) -> Session {
        let session = self.register(email).await;
        let response = self
            .as_member(Method::POST, "/members", owner, school)
            .json(&json!({"email": email, "role": role}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "add {role} {email}");
        session
    }

    /// POSTs `body` as a member and returns the created record's JSON.
    pub async fn create(&self, session: &Session, school: Uuid, path: &str, body: Value) -> Value {
        let response = self
            .as_member(Method::POST, path, session, school)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let json: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {json}");
        json
    }

    pub async fn get_json(
        &self,
        session: &Session,
        school: Uuid,
        path: &str,
    ) -> (StatusCode, Value) {
        let response = self
            .as_member(Method::GET, path, session, school)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A class "Grade 4 East" for 2025.
    pub async fn grade_4_east(&self, session: &Session, school: Uuid) -> Uuid {
        let class = self
            .create(session, school, "/classes", json!({"name": "Grade 4 East", "level": "Grade 4", "academic_year": "2025", "stream": "East"}))
            .await;
        class["id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn guardian(&self, session: &Session, school: Uuid, first: &str) -> Uuid {
        let guardian = self
            .create(
                session,
                school,
                "/guardians",
                json!({"first_name": first, "last_name": "Doe", "phone": "0712345678"}),
            )
            .await;
        guardian["id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn student(&self, session: &Session, school: Uuid, admission_no: &str) -> Uuid {
        let student = self
            .create(
                session,
                school,
                "/students",
                json!({"admission_no": admission_no, "first_name": "John", "last_name": "Doe"}),
            )
            .await;
        student["id"].as_str().unwrap().parse().unwrap()
    }
}

/// Asserts a problem+json answer with `status` and `code`; returns the body.
pub async fn assert_problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    let actual = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "unexpected status; body {body}");
    assert_eq!(content_type, "application/problem+json", "body {body}");
    assert_eq!(body["code"], code, "body {body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// A connection as the runtime role on the app's database, no tenant set.
pub async fn raw_app_connection(app: &TestApp) -> PgConnection {
    let options = app.pool.connect_options();
    PgConnection::connect_with(&options).await.unwrap()
}
