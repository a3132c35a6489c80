//! The data a benchmark runs on: a bursar signed up through the api, a
//! school and a class, students inserted in bulk as the runtime role, and
//! their Term 1 invoices from POST /invoices/generate.

use std::time::Duration;

use anyhow::{Context, bail, ensure};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// A signed-in owner of one school, talking to the api.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub client: Client,
    pub token: String,
    pub user_id: Uuid,
    pub school: Uuid,
}

impl Api {
    /// Signs up a bursar and creates their school.
    pub async fn sign_up(base: &str) -> anyhow::Result<Self> {
        let client = Client::builder().timeout(Duration::from_secs(60)).build()?;
        let response = client
            .post(format!("{base}/auth/register"))
            .json(&json!({"email": "bursar@load.example", "full_name": "Load Bursar", "password": "correct horse battery"}))
            .send()
            .await?;
        let body = expect(response, StatusCode::CREATED, "POST /auth/register").await?;
        let token = body["access_token"]
            .as_str()
            .context("no access_token in the register answer")?
            .to_string();
        let user_id = uuid_at(&body["user"]["id"])?;
        let mut api = Self {
            base: base.to_string(),
            client,
            token,
            user_id,
            school: Uuid::nil(),
        };
        let response = api
            .request(Method::POST, "/schools")
            .json(&json!({"name": "Imara Academy"}))
            .send()
            .await?;
        api.school = uuid_at(&expect(response, StatusCode::CREATED, "POST /schools").await?["id"])?;
        Ok(api)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if self.school.is_nil() {
            request
        } else {
            request.header("X-School-ID", self.school.to_string())
        }
    }

    pub async fn create_class(&self) -> anyhow::Result<Uuid> {
        let response = self
            .request(Method::POST, "/classes")
            .json(&json!({"name": "Grade 4 East", "level": "Grade 4", "academic_year": "2025", "stream": "East"}))
            .send()
            .await?;
        uuid_at(&expect(response, StatusCode::CREATED, "POST /classes").await?["id"])
    }

    /// POST /invoices/generate for the class, waiting for the operation.
    pub async fn generate_invoices(&self, class: Uuid) -> anyhow::Result<()> {
        let response = self
            .request(Method::POST, "/invoices/generate")
            .header("Prefer", "wait=60")
            .json(&json!({"class_id": class, "term": 1, "year": 2025}))
            .send()
            .await?;
        let status = response.status();
        let operation: Value = response.json().await.unwrap_or(Value::Null);
        ensure!(
            status == StatusCode::OK || status == StatusCode::ACCEPTED,
            "POST /invoices/generate answered {status}: {operation}"
        );
        match operation["status"].as_str() {
            Some("succeeded") => Ok(()),
            _ => bail!("invoice generation did not succeed within 60 s: {operation}"),
        }
    }
}

/// `n` students in the class, inserted in one statement as the runtime role.
pub async fn insert_students(
    pool: &PgPool,
    school: Uuid,
    class: Uuid,
    n: usize,
) -> anyhow::Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    let mut tx = shared::db::begin_tenant(pool, school, None).await?;
    sqlx::query(
        "INSERT INTO students (school_id, id, admission_no, first_name, last_name, class_id)
         SELECT app_school_id(), s.id, 'ADM-' || lpad(s.n::text, 6, '0'), 'Pupil' || s.n, 'Otieno', $2
           FROM unnest($1::uuid[]) WITH ORDINALITY AS s(id, n)",
    )
    .bind(&ids)
    .bind(class)
    .execute(&mut *tx)
    .await
    .context("inserting the students")?;
    tx.commit().await?;
    Ok(ids)
}

/// A school with a class of `students`, each with a Term 1 invoice.
pub async fn school_with_invoices(
    base: &str,
    probe: &PgPool,
    students: usize,
) -> anyhow::Result<(Api, Uuid, Vec<Uuid>)> {
    let api = Api::sign_up(base).await?;
    let class = api.create_class().await?;
    let ids = insert_students(probe, api.school, class, students).await?;
    api.generate_invoices(class).await?;
    Ok((api, class, ids))
}

pub async fn expect(
    response: reqwest::Response,
    status: StatusCode,
    what: &str,
) -> anyhow::Result<Value> {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    ensure!(actual == status, "{what} answered {actual}: {body}");
    Ok(body)
}

fn uuid_at(value: &Value) -> anyhow::Result<Uuid> {
    value
        .as_str()
        .context("no id in the answer")?
        .parse()
        .context("the id is not a UUID")
}
