//! The document against the api: every request-body example is sent (its
//! placeholder ids swapped for rows made first) and accepted; the status
//! and headers that come back (Location, Preference-Applied) are the
//! documented ones; Idempotency-Key is documented exactly where it is
//! read; and the codes each operation's shape implies (a bearer token,
//! X-School-ID, a JSON body, `limit`) are the codes it answers.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::openapi_contract::{codes, document, operations, parameters};
use crate::helpers::TestApp;

/// Every operation with a request body, in an order where each finds the
/// rows its example names: a new one goes here, and its example is sent.
const ORDER: &[&str] = &[
    "POST /auth/register",
    "POST /auth/login",
    "POST /auth/refresh",
    "POST /schools",
    "PATCH /schools/{id}",
    "POST /members",
    "PATCH /members/{user_id}",
    "PATCH /terms/{id}",
    "POST /classes",
    "POST /guardians",
    "PATCH /guardians/{id}",
    "POST /students",
    "PATCH /students/{id}",
    "POST /fees/structures",
    "PATCH /fees/structures/{id}",
    "PUT /fees/sibling-discount",
    "POST /sponsors",
    "POST /adjustments",
    "POST /invoices/generate",
    "POST /invoices",
    "POST /invoices/{id}/credit-notes",
    "POST /invoices/{id}/cancel",
    "POST /payments",
    "POST /students/{id}/refunds",
    "POST /payments/{id}/reverse",
    "POST /sponsors/{id}/payments",
    "POST /sponsor-payments/{id}/reverse",
    "POST /notifications/send",
    "POST /reminders/schedules",
    "PATCH /reminders/schedules/{id}",
    "POST /chats",
    "POST /chats/{id}/messages",
];

/// The rows the walk has made so far, by what names them.
#[derive(Default)]
struct Made {
    token: Option<String>,
    school: Option<Uuid>,
    ids: HashMap<&'static str, Value>,
}

impl Made {
    fn id(&self, kind: &'static str, name: &str) -> Value {
        self.ids
            .get(kind)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: no {kind} made yet; reorder ORDER"))
    }

    /// The example with its placeholder ids swapped for made ones.
    fn fill(&self, name: &str, example: &Value) -> Value {
        match example {
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, value)| {
                        let filled = match key.as_str() {
                            "class_id" => self.id("class", name),
                            "student_id" => self.id("student", name),
                            "primary_guardian_id" => self.id("guardian", name),
                            "guardian_ids" => json!([self.id("guardian", name)]),
                            "student_ids" => json!([self.id("student", name)]),
                            "invoice_id" => self.id("invoice", name),
                            "sponsor_id" => self.id("sponsor", name),
                            "refresh_token" => self.id("refresh_token", name),
                            _ => self.fill(name, value),
                        };
                        (key.clone(), filled)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn path(&self, name: &str, path: &str) -> String {
        let kind = match path {
            p if p.starts_with("/terms/") => "term",
            p if p.starts_with("/students/") => "student",
            p if p.starts_with("/guardians/") => "guardian",
            p if p.starts_with("/invoices/{") => "invoice",
            p if p.starts_with("/fees/structures/") => "fee_structure",
            p if p.starts_with("/reminders/schedules/") => "schedule",
            p if p.starts_with("/chats/") => "chat",
            p if p.starts_with("/payments/") => "payment",
            p if p.starts_with("/sponsors/") => "sponsor",
            p if p.starts_with("/sponsor-payments/") => "sponsor_payment",
            p if p.starts_with("/schools/") => {
                let school = self.school.expect("a school made first");
                return path.replace("{id}", &school.to_string());
            }
            p if p.starts_with("/members/") => {
                let id = self.id("user", name);
                return path.replace("{user_id}", id.as_str().unwrap());
            }
            p if !p.contains('{') => return p.to_string(),
            _ => panic!("{name}: which row fills {path}?"),
        };
        let id = self.id(kind, name);
        path.replace("{id}", id.as_str().unwrap())
    }

    fn request(&self, app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = app.request(method, path);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(school) = self.school {
            request = request.header("X-School-ID", school.to_string());
        }
        request
    }

    /// Posts the school's PENDING payments as the worker would, first
    /// recording 1,000.00 cash more for the student when `extra`.
    async fn post_payments(&self, app: &TestApp, extra: bool) {
        use shared::domain::payment;
        let mut tx = app.tenant_tx(self.school.unwrap()).await;
        let user: Uuid = self.id("user", "post").as_str().unwrap().parse().unwrap();
        let student: Uuid = self
            .id("student", "post")
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        if extra {
            let cash = payment::NewPayment {
                invoice_id: None,
                student_id: Some(student),
                sponsor_id: None,
                amount: shared::domain::money::Money::parse("1000").unwrap(),
                method: payment::Method::Cash,
                txn_ref: None,
                paid_at: None,
            };
            payment::record(&mut tx, user, &cash).await.unwrap();
        }
        let pending: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM payments WHERE posting_status = 'PENDING' ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        for id in pending {
            payment::post(&mut tx, id).await.unwrap();
        }
        tx.commit().await.unwrap();
    }

    /// A term 3 invoice for the student, generated as the worker would, so
    /// the example adjustment's sponsor owes its share.
    async fn sponsored_invoice(&self, app: &TestApp) {
        use shared::domain::invoice::generate;
        let mut tx = app.tenant_tx(self.school.unwrap()).await;
        let id = |kind| -> Uuid {
            self.id(kind, "sponsored")
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        };
        generate::batch(&mut tx, id("operation"), &[id("student")], 3, 2025, &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    /// Remembers what the answer to `name` made.
    fn note(&mut self, name: &str, body: &Value) {
        let kind = match name {
            "POST /auth/register" => {
                self.token = Some(body["access_token"].as_str().unwrap().to_string());
                self.ids
                    .insert("refresh_token", body["refresh_token"].clone());
                self.ids.insert("user", body["user"]["id"].clone());
                return;
            }
            "POST /schools" => {
                self.school = Some(body["id"].as_str().unwrap().parse().unwrap());
                return;
            }
            "POST /classes" => "class",
            "POST /guardians" => "guardian",
            "POST /students" => "student",
            "POST /invoices" => "invoice",
            "POST /fees/structures" => "fee_structure",
            "POST /reminders/schedules" => "schedule",
            "POST /chats" => "chat",
            "POST /payments" => "payment",
            "POST /sponsors" => "sponsor",
            "POST /sponsors/{id}/payments" => "sponsor_payment",
            "POST /invoices/generate" => "operation",
            _ => return,
        };
        self.ids.insert(kind, body["id"].clone());
    }
}

#[tokio::test]
async fn every_request_body_example_is_accepted_and_answered_as_documented() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let operations: HashMap<String, &Value> = operations(&document).into_iter().collect();
    let mut with_bodies: Vec<&String> = operations
        .iter()
        .filter(|(_, op)| !op["requestBody"].is_null())
        .map(|(name, _)| name)
        .collect();
    with_bodies.sort();
    let mut ordered: Vec<&String> = ORDER
        .iter()
        .map(|n| operations.keys().find(|k| k == n).unwrap())
        .collect();
    ordered.sort();
    assert_eq!(
        with_bodies, ordered,
        "ORDER must name every operation with a body"
    );

    let mut made = Made::default();
    for name in ORDER {
        let operation = operations[*name];
        let (method, path) = name.split_once(' ').unwrap();
        let method: Method = method.parse().unwrap();
        if *name == "PATCH /terms/{id}" {
            let terms = made
                .request(&app, Method::GET, "/terms")
                .send()
                .await
                .unwrap();
            let terms: Value = terms.json().await.unwrap();
            made.ids.insert("term", terms[0]["id"].clone());
        }
        if *name == "POST /students/{id}/refunds" {
            // A refund needs credit: the example payment posted (it pays
            // the invoice), then 1,000.00 cash more, posted, as credit.
            made.post_payments(&app, true).await;
        }
        if *name == "POST /payments/{id}/reverse" {
            made.post_payments(&app, false).await;
        }
        if *name == "POST /sponsors/{id}/payments" {
            made.sponsored_invoice(&app).await;
        }
        let example = &operation["requestBody"]["content"]["application/json"]["example"];
        let body = made.fill(name, example);
        let path = made.path(name, path);
        let response = made
            .request(&app, method.clone(), &path)
            .header("Prefer", "wait=1")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_success(),
            "{name} refused its example {body}: {status} {answer}"
        );
        let documented = &operation["responses"][status.as_str()];
        assert!(!documented.is_null(), "{name}: {status} is not documented");
        if headers.contains_key("location") {
            assert!(
                !documented["headers"]["Location"].is_null(),
                "{name} {status}: Location undocumented"
            );
        }
        let prefer = parameters(operation).contains(&("header".into(), "Prefer".into()));
        assert_eq!(
            headers.contains_key("preference-applied"),
            prefer,
            "{name}: Prefer is read {} and documented {}",
            headers.contains_key("preference-applied"),
            prefer
        );
        made.note(name, &answer);

        // A malformed Idempotency-Key is refused exactly where it is read.
        let response = made
            .request(&app, method, &path)
            .header("Idempotency-Key", "not a key")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        let reads =
            status == StatusCode::BAD_REQUEST && answer["code"] == "invalid_idempotency_key";
        let documents =
            parameters(operation).contains(&("header".into(), "Idempotency-Key".into()));
        assert_eq!(
            reads, documents,
            "{name}: Idempotency-Key read {reads}, documented {documents}"
        );
    }
}

/// The code `request` answers with, after checking it is problem+json.
async fn answered(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or("").to_string())
}

#[tokio::test]
async fn the_codes_an_operation_implies_are_the_codes_it_answers() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("bursar@imara.ac.ke", "Imara Academy")
        .await;
    let document = document(&app).await;
    let mut wrong = Vec::new();
    for (name, operation) in operations(&document) {
        if name.ends_with("/healthz") || name.ends_with("/readyz") || name.ends_with("/metrics") {
            continue;
        }
        let (method, path) = name.split_once(' ').unwrap();
        let method: Method = method.parse().unwrap();
        let path = path
            .replace("{id}", &Uuid::now_v7().to_string())
            .replace("{message_id}", &Uuid::now_v7().to_string());
        let params = parameters(operation);
        let mut expect = |got: (u16, String), why: &str| {
            if !codes(operation, got.0).contains(&got.1) {
                wrong.push(format!(
                    "{name} {why}: answered {} {}, not listed",
                    got.0, got.1
                ));
            }
        };
        if operation["security"].is_array() {
            expect(
                answered(app.request(method.clone(), &path)).await,
                "without a token",
            );
        }
        if params.contains(&("header".into(), "X-School-ID".into())) {
            let request = app.request(method.clone(), &path).bearer_auth(&owner.token);
            expect(answered(request).await, "without X-School-ID");
        }
        let with_school = || {
            app.request(method.clone(), &path)
                .bearer_auth(&owner.token)
                .header("X-School-ID", owner.school.to_string())
        };
        if params.contains(&("query".into(), "limit".into())) {
            expect(
                answered(with_school().query(&[("limit", "0")])).await,
                "with limit=0",
            );
        }
        if !operation["requestBody"].is_null() {
            let request = with_school()
                .header("content-type", "text/plain")
                .body("Grade 4 East");
            expect(answered(request).await, "with a text body");
            let request = with_school()
                .header("content-type", "application/json")
                .body("{\"term\": ");
            expect(answered(request).await, "with broken JSON");
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
