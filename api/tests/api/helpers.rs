//! Test harness: a fresh database per test (copied from a migrated
//! template), the real router served on port 0, and a worker in this
//! process on demand. Requests go through shared::testing's client: a
//! `Member` (`app.owner_with_school(...)`) carries its token and school.

use api::{AppState, jwt::Keys};
use reqwest::StatusCode;
use serde_json::Value;
pub use shared::testing::fresh_database;
pub use shared::testing::{ApiClient, Member};
use shared::testing::{app_direct_pool, app_pool};
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

/// The api on a fresh database; derefs to its `ApiClient` (`app.request`,
/// `app.register`, `app.owner_with_school`).
pub struct TestApp {
    pub api: ApiClient,
    /// The app's pool (through PgBouncer under SCHOOLOPS_TEST_PGBOUNCER_PORT).
    pub pool: PgPool,
    /// For LISTEN and session locks: `pool` itself unless PgBouncer fronts it.
    pub direct: PgPool,
    pub keys: Keys,
}

impl std::ops::Deref for TestApp {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.api
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_until(std::future::pending()).await
    }

    /// Like `spawn`, with the request path's limits (deadlines, CORS) set.
    pub async fn spawn_with_limits(limits: api::guard::Limits) -> Self {
        Self::spawn_serving(std::future::pending(), limits).await
    }

    /// Like `spawn`, with /metrics behind `token`.
    pub async fn spawn_with_metrics_token(token: &str) -> Self {
        Self::serve(
            std::future::pending(),
            api::guard::Limits::default(),
            Some(shared::secret::Secret::new(token.to_string())),
        )
        .await
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
        Self::serve(shutdown, limits, None).await
    }

    async fn serve(
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
        limits: api::guard::Limits,
        metrics_token: Option<shared::secret::Secret<String>>,
    ) -> Self {
        shared::telemetry::init_tracing(shared::config::Environment::Development);
        let database = fresh_database().await;
        let pool = app_pool(&database).await;
        let direct = app_direct_pool(&database, &pool).await;
        shared::db::roles::ensure_runtime_role_is_bound_by_rls(&pool)
            .await
            .expect("the test role is the runtime role, bound by RLS");
        let keys = Keys::new(JWT_SECRET.as_bytes(), 60);
        let state = AppState {
            guard: api::guard::Guard::new(limits),
            pool: pool.clone(),
            keys: keys.clone(),
            refresh_days: 7,
            hub: api::hub::EventHub::start(direct.clone()),
            metrics_token,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(api::serve(listener, state, shutdown));
        Self {
            api: ApiClient::new(base),
            pool,
            direct,
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
            direct: self.direct.clone(),
            mailer,
            assistant,
        };
        tokio::spawn(async move { worker::run(ctx, &options, std::future::pending()).await });
    }

    /// Sets the school for a transaction on the runtime role's pool.
    pub async fn tenant_tx(&self, school: Uuid) -> sqlx::Transaction<'static, sqlx::Postgres> {
        let mut tx = self.pool.begin().await.unwrap();
        shared::db::set_tenant(&mut tx, Some(school), None)
            .await
            .unwrap();
        tx
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

/// The books of `member`'s school, read from the ledger, checked (trial
/// balance balanced, 1100 = open invoice balances, 1000 = posted payments)
/// and matched against what GET /ledger/trial-balance answers.
pub async fn assert_books_right(app: &TestApp, member: &Member) -> shared::testing::Books {
    let mut tx = app.tenant_tx(member.school).await;
    let books = shared::testing::Books::read(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    books.assert_right();
    let trial = member.trial_balance().await;
    if let Err(problem) = books.agrees_with(&trial) {
        panic!("{problem}");
    }
    books
}

/// A connection as the runtime role on the app's database, no tenant set.
pub async fn raw_app_connection(app: &TestApp) -> PgConnection {
    let options = app.pool.connect_options();
    PgConnection::connect_with(&options).await.unwrap()
}
