//! Test harness: a fresh database per test (copied from a migrated
//! template), the real router served on port 0, and a client that talks
//! HTTP to it as the runtime role would be used in production.

use std::{
    hash::{Hash, Hasher},
    str::FromStr,
};

use api::{AppState, jwt::Keys};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use shared::db::MIGRATOR;
use sqlx::{
    ConnectOptions, Connection, Executor, PgConnection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use uuid::Uuid;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

fn env_url(key: &str) -> PgConnectOptions {
    let url = std::env::var(key)
        .unwrap_or_else(|_| panic!("{key} is not set: run the suite with scripts/test"));
    PgConnectOptions::from_str(&url).unwrap_or_else(|e| panic!("{key} is not a valid URL: {e}"))
}

fn template_name() -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for migration in MIGRATOR.iter() {
        migration.version.hash(&mut hasher);
        migration.checksum.hash(&mut hasher);
    }
    format!("schoolops_tpl_{:016x}", hasher.finish())
}

/// Creates the migrated template once per migration set; an advisory lock
/// keeps concurrent test processes from racing to build it.
async fn ensure_template(owner: &PgConnectOptions, name: &str) {
    let mut conn = owner.connect().await.expect("connect as the owner role");
    conn.execute("SELECT pg_advisory_lock(7261001)")
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    if !exists {
        let building = format!("{name}_building");
        conn.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {building} WITH (FORCE)"
        )))
        .await
        .unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
            .await
            .unwrap();
        let mut template = owner.clone().database(&building).connect().await.unwrap();
        MIGRATOR
            .run(&mut template)
            .await
            .expect("migrations apply to a fresh database");
        template.close().await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {building} RENAME TO {name}"
        )))
        .await
        .unwrap();
    }
    conn.execute("SELECT pg_advisory_unlock(7261001)")
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// A fresh, migrated database; returns its name.
pub async fn fresh_database() -> String {
    let owner = env_url("DATABASE_OWNER_URL");
    let template = template_name();
    ensure_template(&owner, &template).await;
    let name = format!("schoolops_t_{}", Uuid::new_v4().simple());
    let mut conn = owner.connect().await.unwrap();
    conn.execute(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name} TEMPLATE {template}"
    )))
    .await
    .unwrap();
    conn.close().await.unwrap();
    name
}

/// A pool of the runtime role (schoolops_app) on `database`.
pub async fn app_pool(database: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(5)
        .connect_with(env_url("DATABASE_URL").database(database))
        .await
        .expect("connect as the runtime role")
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
        shared::telemetry::init_tracing(shared::config::Environment::Development);
        let database = fresh_database().await;
        let pool = app_pool(&database).await;
        shared::db::roles::ensure_runtime_role_is_bound_by_rls(&pool)
            .await
            .expect("the test role is the runtime role, bound by RLS");
        let keys = Keys::new(JWT_SECRET.as_bytes(), 60);
        let state = AppState {
            pool: pool.clone(),
            keys: keys.clone(),
            refresh_days: 7,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(api::serve(listener, state, std::future::pending()));
        Self {
            base,
            client: reqwest::Client::new(),
            pool,
            keys,
        }
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
