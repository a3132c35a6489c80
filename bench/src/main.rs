//! pipeline-bench: the async pipeline measured end to end, through the real
//! api router (HTTP on 127.0.0.1:0) and a real in-process worker, on a fresh
//! database.
//!
//! 1. Invoice generation: a class of N students (10,000 by default), timed
//!    from POST /invoices/generate to the operation's `succeeded`, against
//!    the same rows written by one hand-written set-based SQL statement in a
//!    second school of N students in the same run. Targets: under 2 s, and
//!    at most 2x the SQL baseline. Repeated for --rounds (5), each on two
//!    new schools, alternating which goes first; the targets are judged on
//!    the medians. Later rounds run on warm worker connections, as a
//!    long-running worker would (prepared statements past PostgreSQL's five
//!    custom plans).
//! 2. Payments: POST /payments with bounded concurrency, timed until every
//!    payment is POSTED by the worker; then the ledger is checked.
//!
//! Figures go to stdout, logs (RUST_LOG, default
//! `warn,sqlx::query=error`: no slow-statement warnings) to stderr. Exit
//! status: 0 all targets met, 1 the run failed (error, timeout, wrong
//! rows), 2 the run completed but a target was missed.
//! Run with `scripts/bench`, which prepares PostgreSQL and the environment.

use std::{
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};
use bench::{app_pool, drop_database, fresh_database_within, median};
use futures_util::{StreamExt, stream};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use sqlx::{ConnectOptions, Connection, Executor, PgPool, Postgres, Transaction};
use uuid::Uuid;

const HELP: &str =
    "pipeline-bench: invoice generation and payment posting through the api and worker

USAGE: pipeline-bench [--students N] [--rounds N] [--payments N] [--concurrency N]
                      [--timeout-secs N] [--no-analyze] [--keep-db]

  --students      students in the class, 1 to 99999 (default 10000)
  --rounds        generation rounds, each on two new schools; targets are judged
                  on the median (default 5: later rounds run on worker connections
                  that have prepared the batch statement more than 5 times)
  --payments      payments to post (default 2000; 0 skips the payment phase)
  --concurrency   POST /payments requests in flight (default 16)
  --timeout-secs  limit on each wait: generation, baseline, payments posted (default 120)
  --no-analyze    skip ANALYZE (as the owner role) after each round's students are inserted
  --keep-db       keep the benchmark database (its name is printed) instead of dropping it

Needs DATABASE_URL (runtime role) and DATABASE_OWNER_URL; scripts/bench sets both.
Exit status: 0 targets met, 1 the run failed, 2 a target was missed.";

/// The generation targets.
const TARGET_SECS: f64 = 2.0;
const TARGET_RATIO: f64 = 2.0;
const TERM: i16 = 1;
const YEAR: i32 = 2025;
const PAYMENT_AMOUNT: &str = "5000.00";
const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-01";

#[derive(Debug, Clone)]
struct Args {
    students: usize,
    rounds: usize,
    payments: usize,
    concurrency: usize,
    timeout: Duration,
    analyze: bool,
    keep_db: bool,
}

impl Args {
    fn parse(args: &[String]) -> anyhow::Result<Option<Self>> {
        let mut parsed = Self {
            students: 10_000,
            rounds: 5,
            payments: 2_000,
            concurrency: 16,
            timeout: Duration::from_secs(120),
            analyze: true,
            keep_db: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_string())),
                None => (arg.as_str(), None),
            };
            let mut number = |name: &str| -> anyhow::Result<usize> {
                let value = match &inline {
                    Some(value) => value.clone(),
                    None => args
                        .next()
                        .with_context(|| format!("{name} needs a value"))?
                        .clone(),
                };
                value
                    .parse::<usize>()
                    .with_context(|| format!("{name} needs a whole number, got {value:?}"))
            };
            match flag {
                "-h" | "--help" => return Ok(None),
                "--students" => parsed.students = number(flag)?,
                "--rounds" => parsed.rounds = number(flag)?,
                "--payments" => parsed.payments = number(flag)?,
                "--concurrency" => parsed.concurrency = number(flag)?,
                "--timeout-secs" => parsed.timeout = Duration::from_secs(number(flag)? as u64),
                "--no-analyze" => parsed.analyze = false,
                "--keep-db" => parsed.keep_db = true,
                other => bail!("unknown argument {other:?}\n\n{HELP}"),
            }
        }
        // Invoice numbers have five digits (INV-2025-00001): a school's
        // 100,000th invoice of a year would not fit.
        ensure!(
            (1..=99_999).contains(&parsed.students),
            "--students must be 1 to 99999"
        );
        ensure!(
            (1..=100).contains(&parsed.rounds),
            "--rounds must be 1 to 100"
        );
        ensure!(
            (1..=1024).contains(&parsed.concurrency),
            "--concurrency must be 1 to 1024"
        );
        ensure!(
            parsed.timeout >= Duration::from_secs(1),
            "--timeout-secs must be at least 1"
        );
        Ok(Some(parsed))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match Args::parse(&args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("pipeline-bench: {err:#}");
            return ExitCode::from(1);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx::query=error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .compact()
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("pipeline-bench: FAILED: starting the runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let (database, outcome) = runtime.block_on(run(&args));
    // The api, the worker and their connections end with the runtime; then
    // the database can be dropped (the owner may not end the runtime role's
    // sessions, so it waits for them to go).
    runtime.shutdown_timeout(Duration::from_secs(5));
    if let Some(database) = database {
        if args.keep_db {
            println!("database kept: {database}");
        } else {
            let dropped = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|rt| rt.block_on(drop_database(&database)));
            if let Err(err) = dropped {
                eprintln!("pipeline-bench: could not drop {database}: {err:#}");
            }
        }
    }
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("pipeline-bench: a target was missed");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("pipeline-bench: FAILED: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// The api, the worker and the probes the benchmark uses on one database.
struct Bench {
    base: String,
    client: Client,
    /// The runtime role, for setup and for polling; not the api's or the worker's pool.
    probe: PgPool,
    token: String,
    timeout: Duration,
}

/// The database made (if any) and the outcome: Ok(true) when the targets are met.
async fn run(args: &Args) -> (Option<String>, anyhow::Result<bool>) {
    for key in ["DATABASE_URL", "DATABASE_OWNER_URL"] {
        if std::env::var_os(key).is_none() {
            let err = anyhow::anyhow!(
                "{key} is not set: run scripts/bench, or export it (schoolops-admin setup prints it)"
            );
            return (None, Err(err));
        }
    }
    let database = match fresh_database_within(args.timeout).await {
        Ok(database) => database,
        Err(err) => return (None, Err(err)),
    };
    let result = bench(args, &database).await;
    (Some(database), result)
}

async fn owner_connection(database: &str) -> anyhow::Result<sqlx::PgConnection> {
    shared::testing::env_url("DATABASE_OWNER_URL")
        .database(database)
        .connect()
        .await
        .context("connecting as the owner role (DATABASE_OWNER_URL)")
}

async fn bench(args: &Args, database: &str) -> anyhow::Result<bool> {
    // Two pools, as the api and the worker are two processes in production,
    // each with the default DATABASE_MAX_CONNECTIONS (10).
    let api_pool = app_pool(database, 10).await?;
    let worker_pool = app_pool(database, 10).await?;
    let probe = app_pool(database, 4).await?;
    shared::db::roles::ensure_runtime_role_is_bound_by_rls(&api_pool)
        .await
        .context("DATABASE_URL must be the runtime role, bound by RLS")?;

    let state = api::AppState {
        guard: Default::default(),
        pool: api_pool.clone(),
        keys: api::jwt::Keys::new(JWT_SECRET.as_bytes(), 60),
        refresh_days: 7,
        hub: api::hub::EventHub::start(api_pool.clone()),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(api::serve(listener, state, std::future::pending()));

    // As TestApp::start_worker: every queue, the default concurrency (8).
    let options = worker::Options {
        poll_interval: Duration::from_millis(200),
        heartbeat: Duration::from_secs(2),
        ..worker::Options::default()
    };
    // The benchmark sends no email. The file transport wants a directory at
    // start; it is removed at once so nothing is left behind.
    let mail_dir =
        std::env::temp_dir().join(format!("schoolops-bench-mail-{}", Uuid::new_v4().simple()));
    let mailer = worker::mail::Mailer::new(&shared::config::MailConfig {
        smtp_url: None,
        from: "SchoolOps <no-reply@schoolops.test>".into(),
        dir: mail_dir.clone(),
    })?;
    let _ = std::fs::remove_dir(&mail_dir);
    let ctx = worker::Ctx {
        pool: worker_pool.clone(),
        mailer,
        assistant: worker::chat::Assistant::new(shared::ollama::OllamaClient::new(
            shared::ollama::OllamaConfig::new("http://127.0.0.1:9", "none"),
        )),
    };
    tokio::spawn(async move {
        if let Err(err) = worker::run(ctx, &options, std::future::pending()).await {
            eprintln!("pipeline-bench: the worker stopped: {err:#}");
        }
    });

    let client = Client::builder().timeout(Duration::from_secs(90)).build()?;
    let mut bench = Bench {
        base,
        client,
        probe,
        token: String::new(),
        timeout: args.timeout,
    };
    bench.token = bench.register().await?;

    println!(
        "pipeline-bench: {} students, {} round(s), {} payments, concurrency {}, database {database}",
        args.students, args.rounds, args.payments, args.concurrency
    );
    println!();
    println!(
        "invoice generation, {} students per class, term {TERM} {YEAR}",
        args.students
    );

    let mut rounds = Vec::new();
    let mut last_api_school = None;
    for round in 1..=args.rounds {
        let measured = bench.round(args, database, round).await?;
        println!(
            "  round {round}: api + worker {:>7.3} s (queued {:.3} s, running {:.3} s) | SQL baseline {:>7.3} s | ratio {:>5.2} x | {}",
            measured.api.as_secs_f64(),
            measured.queued,
            measured.running,
            measured.sql.as_secs_f64(),
            measured.ratio(),
            if measured.api_first {
                "api ran first"
            } else {
                "SQL ran first"
            }
        );
        if round == 1 {
            let rows = &measured.rows;
            println!(
                "           rows each: {} invoices, {} invoice_lines, {} journal_entries, {} journal_lines (setup {:.2} s)",
                rows.invoices,
                rows.invoice_lines,
                rows.journal_entries,
                rows.journal_lines,
                measured.setup.as_secs_f64()
            );
        }
        last_api_school = Some((measured.api_school, measured.api_class));
        rounds.push(measured);
    }
    let api_secs = median(rounds.iter().map(|r| r.api.as_secs_f64()));
    let sql_secs = median(rounds.iter().map(|r| r.sql.as_secs_f64()));
    let ratio = median(rounds.iter().map(Round::ratio));
    let best_api = rounds
        .iter()
        .map(|r| r.api.as_secs_f64())
        .fold(f64::INFINITY, f64::min);
    let under_target = api_secs < TARGET_SECS;
    let within_ratio = ratio <= TARGET_RATIO;
    let worst_api = rounds
        .iter()
        .map(|r| r.api.as_secs_f64())
        .fold(0.0, f64::max);
    println!(
        "  median of {}: api + worker {api_secs:.3} s (best {best_api:.3} s, worst {worst_api:.3} s), SQL baseline {sql_secs:.3} s, ratio {ratio:.2} x",
        rounds.len()
    );
    println!(
        "  target api + worker < {TARGET_SECS:.0} s (median): {}",
        pass(under_target)
    );
    println!(
        "  target ratio <= {TARGET_RATIO:.1} (median):       {}",
        pass(within_ratio)
    );

    // --- Payments -----------------------------------------------------------
    if args.payments > 0
        && let Some((school, class)) = last_api_school
    {
        bench
            .payments(school, class, args.payments, args.concurrency)
            .await?;
    }

    Ok(under_target && within_ratio)
}

/// One measured round: two new schools of `students` each, one invoiced
/// through the api and worker, the other by the baseline statement.
struct Round {
    api: Duration,
    sql: Duration,
    queued: f64,
    running: f64,
    api_first: bool,
    rows: Rows,
    setup: Duration,
    api_school: Uuid,
    api_class: Uuid,
}

impl Round {
    fn ratio(&self) -> f64 {
        self.api.as_secs_f64() / self.sql.as_secs_f64()
    }
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

/// The worker's own view, in seconds: queued (created_at to started_at)
/// and running (started_at to finished_at).
fn operation_times(operation: &Value) -> Option<(f64, f64)> {
    let at = |key: &str| {
        operation[key]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    let secs = |d: chrono::TimeDelta| d.num_microseconds().unwrap_or(0) as f64 / 1e6;
    let (created, started, finished) = (at("created_at")?, at("started_at")?, at("finished_at")?);
    Some((secs(started - created), secs(finished - started)))
}

#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
struct Rows {
    invoices: i64,
    invoice_lines: i64,
    journal_entries: i64,
    journal_lines: i64,
}

impl Bench {
    async fn round(&self, args: &Args, database: &str, round: usize) -> anyhow::Result<Round> {
        // --- Setup (not measured) -------------------------------------------
        let setup = Instant::now();
        let api_school = self
            .create_school(&format!("Imara Academy {round}"))
            .await?;
        let api_class = self.create_class(api_school).await?;
        self.insert_students(api_school, api_class, args.students)
            .await?;
        let sql_school = self
            .create_school(&format!("Baseline Academy {round}"))
            .await?;
        let sql_class = self.create_class(sql_school).await?;
        self.insert_students(sql_school, sql_class, args.students)
            .await?;
        if args.analyze {
            let mut owner = owner_connection(database).await?;
            // Shared catalogs are the superuser's: no notice for each one skipped.
            owner.execute("SET client_min_messages = error").await?;
            owner.execute("ANALYZE").await?;
            owner.close().await?;
        }
        let setup = setup.elapsed();

        // Alternate which goes first, so neither always gets the colder cache.
        let api_first = round % 2 == 1;
        let mut sql_run = None;
        if !api_first {
            sql_run = Some(self.baseline(sql_school, sql_class, args.students).await?);
        }
        let (api, operation) = self.generate(api_school, api_class).await?;
        if api_first {
            sql_run = Some(self.baseline(sql_school, sql_class, args.students).await?);
        }
        let (sql, sql_created) = sql_run.context("the baseline did not run")?;

        let rows = self.rows(api_school).await?;
        ensure!(
            rows.invoices == args.students as i64,
            "expected {} invoices after generation, found {}; operation: {operation}",
            args.students,
            rows.invoices
        );
        ensure!(
            operation["result"]["created"] == json!(args.students),
            "the operation reports {} created, expected {}",
            operation["result"]["created"],
            args.students
        );
        let sql_rows = self.rows(sql_school).await?;
        ensure!(
            sql_created == args.students as i64 && sql_rows.invoices == args.students as i64,
            "the baseline statement created {sql_created} invoices ({} found), expected {}",
            sql_rows.invoices,
            args.students
        );
        ensure!(
            rows == sql_rows,
            "the baseline wrote different rows than the api: api {rows:?}, sql {sql_rows:?}"
        );
        ensure!(
            self.trial_balance(sql_school).await?["balanced"] == json!(true),
            "the baseline school's trial balance does not balance"
        );
        let (queued, running) = operation_times(&operation).unwrap_or((f64::NAN, f64::NAN));
        Ok(Round {
            api,
            sql,
            queued,
            running,
            api_first,
            rows,
            setup,
            api_school,
            api_class,
        })
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    fn in_school(&self, method: Method, path: &str, school: Uuid) -> RequestBuilder {
        self.request(method, path)
            .header("X-School-ID", school.to_string())
    }

    async fn register(&self) -> anyhow::Result<String> {
        let response = self
            .client
            .post(format!("{}/auth/register", self.base))
            .json(&json!({"email": "bursar@bench.example", "full_name": "Bench Bursar", "password": "correct horse battery"}))
            .send()
            .await?;
        let body = expect(response, StatusCode::CREATED, "POST /auth/register").await?;
        body["access_token"]
            .as_str()
            .map(str::to_string)
            .context("no access_token in the register answer")
    }

    async fn create_school(&self, name: &str) -> anyhow::Result<Uuid> {
        let response = self
            .request(Method::POST, "/schools")
            .json(&json!({"name": name}))
            .send()
            .await?;
        let body = expect(response, StatusCode::CREATED, "POST /schools").await?;
        id_of(&body)
    }

    async fn create_class(&self, school: Uuid) -> anyhow::Result<Uuid> {
        let response = self
            .in_school(Method::POST, "/classes", school)
            .json(&json!({"name": "Grade 4 East", "level": "Grade 4", "academic_year": "2025", "stream": "East"}))
            .send()
            .await?;
        let body = expect(response, StatusCode::CREATED, "POST /classes").await?;
        id_of(&body)
    }

    async fn tenant_tx(&self, school: Uuid) -> anyhow::Result<Transaction<'static, Postgres>> {
        let mut tx = self.probe.begin().await?;
        shared::db::set_tenant(&mut tx, Some(school), None).await?;
        Ok(tx)
    }

    /// Students in bulk, as the runtime role in the school (setup, not measured).
    async fn insert_students(&self, school: Uuid, class: Uuid, n: usize) -> anyhow::Result<()> {
        let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
        let mut tx = self.tenant_tx(school).await?;
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
        Ok(())
    }

    /// POST /invoices/generate and wait for `succeeded`: the measured time
    /// and the finished operation.
    async fn generate(&self, school: Uuid, class: Uuid) -> anyhow::Result<(Duration, Value)> {
        tokio::time::timeout(self.timeout, self.generate_unbounded(school, class))
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "invoice generation did not succeed within {:?}",
                    self.timeout
                )
            })?
    }

    async fn generate_unbounded(
        &self,
        school: Uuid,
        class: Uuid,
    ) -> anyhow::Result<(Duration, Value)> {
        let deadline = Instant::now() + self.timeout;
        let started = Instant::now();
        // The api honours at most 60 s; past that, GET /operations/{id} is polled.
        let wait = self.timeout.as_secs().clamp(1, 60);
        let response = self
            .in_school(Method::POST, "/invoices/generate", school)
            .header("Prefer", format!("wait={wait}"))
            .json(&json!({"class_id": class, "term": TERM, "year": YEAR}))
            .send()
            .await?;
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut operation: Value = response.json().await.unwrap_or(Value::Null);
        ensure!(
            status == StatusCode::OK || status == StatusCode::ACCEPTED,
            "POST /invoices/generate answered {status}: {operation}"
        );
        let location = location.context("POST /invoices/generate gave no Location")?;
        loop {
            match operation["status"].as_str() {
                Some("succeeded") => return Ok((started.elapsed(), operation)),
                Some("failed") => bail!("invoice generation failed: {operation}"),
                _ => {}
            }
            ensure!(
                Instant::now() < deadline,
                "invoice generation did not succeed within {:?}: {operation}",
                self.timeout
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
            let response = self
                .in_school(Method::GET, &location, school)
                .send()
                .await?;
            operation = expect(response, StatusCode::OK, "GET /operations/{id}").await?;
        }
    }

    /// The same rows as the worker writes (invoices numbered from the
    /// school's counter, their lines, one journal entry each with balanced
    /// lines), by one statement of data-modifying CTEs. Timed from BEGIN to
    /// COMMIT on the client.
    async fn baseline(
        &self,
        school: Uuid,
        class: Uuid,
        students: usize,
    ) -> anyhow::Result<(Duration, i64)> {
        let started = Instant::now();
        // Time-ordered invoice ids in number order, drawn as the worker draws them.
        let invoice_ids: Vec<Uuid> = (0..students).map(|_| Uuid::now_v7()).collect();
        let mut tx = self.tenant_tx(school).await?;
        let created: i64 = tokio::time::timeout(
            self.timeout,
            sqlx::query_scalar(BASELINE_SQL)
                .bind(class)
                .bind(TERM)
                .bind(YEAR)
                .bind(&invoice_ids)
                .bind(Uuid::now_v7())
                .fetch_one(&mut *tx),
        )
        .await
        .context("the baseline statement timed out")?
        .context("the baseline statement")?;
        tx.commit().await?;
        Ok((started.elapsed(), created))
    }

    async fn rows(&self, school: Uuid) -> anyhow::Result<Rows> {
        let mut tx = self.tenant_tx(school).await?;
        let rows = sqlx::query_as(
            "SELECT (SELECT count(*) FROM invoices) AS invoices,
                    (SELECT count(*) FROM invoice_lines) AS invoice_lines,
                    (SELECT count(*) FROM journal_entries) AS journal_entries,
                    (SELECT count(*) FROM journal_lines) AS journal_lines",
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn trial_balance(&self, school: Uuid) -> anyhow::Result<Value> {
        let response = self
            .in_school(Method::GET, "/ledger/trial-balance", school)
            .send()
            .await?;
        expect(response, StatusCode::OK, "GET /ledger/trial-balance").await
    }

    /// POSTs `n` MPESA payments (one per student, round robin) with
    /// `concurrency` in flight, then waits until all are POSTED.
    async fn payments(
        &self,
        school: Uuid,
        class: Uuid,
        n: usize,
        concurrency: usize,
    ) -> anyhow::Result<()> {
        let mut tx = self.tenant_tx(school).await?;
        let students: Vec<Uuid> =
            sqlx::query_scalar("SELECT id FROM students WHERE class_id = $1 ORDER BY admission_no")
                .bind(class)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        ensure!(!students.is_empty(), "no students to pay for");
        let run = Uuid::new_v4().simple().to_string();
        let run = &run[..8];

        let deadline = Instant::now() + self.timeout;
        let started = Instant::now();
        let latencies: Vec<anyhow::Result<Duration>> = stream::iter(0..n)
            .map(|i| {
                let body = json!({
                    "student_id": students[i % students.len()],
                    "amount": PAYMENT_AMOUNT,
                    "method": "MPESA",
                    "txn_ref": format!("B{run}{i:07}"),
                });
                async move {
                    let sent = Instant::now();
                    let response = self
                        .in_school(Method::POST, "/payments", school)
                        .json(&body)
                        .send()
                        .await?;
                    expect(response, StatusCode::CREATED, "POST /payments").await?;
                    Ok(sent.elapsed())
                }
            })
            .buffer_unordered(concurrency)
            .take_until(tokio::time::sleep_until(deadline.into()))
            .collect()
            .await;
        let accepted_time = started.elapsed();
        ensure!(
            latencies.len() == n,
            "only {} of {n} payments were answered within {:?}",
            latencies.len(),
            self.timeout
        );
        let mut latencies = latencies.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
        latencies.sort();

        loop {
            let mut tx = self.tenant_tx(school).await?;
            let (posted, failed): (i64, i64) = sqlx::query_as(
                "SELECT count(*) FILTER (WHERE posting_status = 'POSTED'),
                        count(*) FILTER (WHERE posting_status = 'FAILED')
                   FROM payments",
            )
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            ensure!(failed == 0, "{failed} payments FAILED to post");
            if posted == n as i64 {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "only {posted} of {n} payments POSTED within {:?}",
                self.timeout
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let posted_time = started.elapsed();

        let percentile = |p: f64| {
            let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
            latencies[index].as_secs_f64() * 1000.0
        };
        println!();
        println!("payments, {n} x MPESA {PAYMENT_AMOUNT}, {concurrency} in flight");
        println!(
            "  accepted by the api: {:>8.1} /s   ({n} x 201 in {:.3} s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms)",
            n as f64 / accepted_time.as_secs_f64(),
            accepted_time.as_secs_f64(),
            percentile(0.5),
            percentile(0.99),
            percentile(1.0)
        );
        println!(
            "  posted end to end:   {:>8.1} /s   (first POST to all POSTED: {:.3} s; {:.3} s after the last 201)",
            n as f64 / posted_time.as_secs_f64(),
            posted_time.as_secs_f64(),
            (posted_time - accepted_time).as_secs_f64()
        );

        // The ledger after it all.
        let trial_started = Instant::now();
        let trial = self.trial_balance(school).await?;
        let trial_time = trial_started.elapsed();
        let (receivable, cash) = bench::check_books(&trial, &self.probe, school).await?;
        println!(
            "  ledger: trial balance balanced (GET in {:.1} ms); 1100 = {receivable} = open invoice balances; 1000 = {cash} = payments",
            trial_time.as_secs_f64() * 1000.0
        );
        Ok(())
    }
}

async fn expect(
    response: reqwest::Response,
    status: StatusCode,
    what: &str,
) -> anyhow::Result<Value> {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    ensure!(actual == status, "{what} answered {actual}: {body}");
    Ok(body)
}

fn id_of(body: &Value) -> anyhow::Result<Uuid> {
    body["id"]
        .as_str()
        .context("no id in the answer")?
        .parse()
        .context("the id is not a UUID")
}

/// One statement: the class's fee structure chosen once (every student of
/// a class has its level), the targets numbered from the school's counter,
/// and invoices, invoice_lines, journal_entries and journal_lines inserted
/// from the same materialised set. Ids are drawn up front so no insert waits
/// on another's RETURNING. $1 class, $2 term, $3 year, $4 invoice ids
/// (time-ordered, one per student, used in number order), $5 the id of the
/// operation recorded as having issued them (invoices.operation_id).
const BASELINE_SQL: &str = "
WITH structure AS (
    SELECT f.id
      FROM fee_structures f JOIN classes c ON c.id = $1
     WHERE (f.term = $2 AND f.year = $3 AND (f.level_id = c.level_id OR f.level_id IS NULL)) OR f.is_default
     ORDER BY (f.level_id IS NULL), f.is_default
     LIMIT 1),
items AS (
    SELECT i.id, i.name, i.amount, i.income_account_id
      FROM fee_items i JOIN structure s ON i.fee_structure_id = s.id
     WHERE NOT i.optional),
invoice_total AS (
    SELECT coalesce(sum(amount), 0) AS total FROM items),
per_account AS (
    SELECT income_account_id, sum(amount) AS amount
      FROM items GROUP BY income_account_id HAVING sum(amount) > 0),
receivable AS (
    SELECT id FROM gl_accounts WHERE code = '1100'),
targets AS MATERIALIZED (
    SELECT s.id AS student_id, gen_random_uuid() AS entry_id,
           row_number() OVER (ORDER BY s.admission_no, s.id) AS n
      FROM students s
     WHERE s.class_id = $1 AND s.status = 'ACTIVE'
       AND EXISTS (SELECT 1 FROM structure)
       AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.student_id = s.id AND i.term = $2 AND i.year = $3)),
operation AS (
    INSERT INTO operations (school_id, id, kind, status, progress_done, progress_total, started_at, finished_at)
    SELECT app_school_id(), $5, 'invoices.generate', 'succeeded', count(*), count(*), now(), now()
      FROM targets),
counter AS (
    INSERT INTO invoice_counters AS c (school_id, year, last_no)
    SELECT app_school_id(), $3, count(*) FROM targets
    ON CONFLICT (school_id, year) DO UPDATE SET last_no = c.last_no + excluded.last_no
    RETURNING last_no),
numbered AS MATERIALIZED (
    SELECT t.student_id, ($4::uuid[])[t.n] AS invoice_id, t.entry_id, tt.total,
           'INV-' || $3::int || '-' || lpad((c.last_no - k.count + t.n)::text, 5, '0') AS number
      FROM targets t, counter c, (SELECT count(*) AS count FROM targets) k, invoice_total tt),
issued AS (
    INSERT INTO invoices (school_id, id, operation_id, number, student_id, term, year, total, status)
    SELECT app_school_id(), invoice_id, $5, number, student_id, $2, $3, total,
           CASE WHEN total = 0 THEN 'PAID' ELSE 'UNPAID' END
      FROM numbered
    RETURNING 1),
copied AS (
    INSERT INTO invoice_lines (school_id, invoice_id, fee_item_id, name, amount, income_account_id)
    SELECT app_school_id(), n.invoice_id, i.id, i.name, i.amount, i.income_account_id
      FROM numbered n CROSS JOIN items i),
entries AS (
    INSERT INTO journal_entries (school_id, id, memo, source_type, source_id)
    SELECT app_school_id(), entry_id, 'Invoice ' || number, 'invoice', invoice_id
      FROM numbered WHERE total > 0),
posted AS (
    INSERT INTO journal_lines (school_id, journal_entry_id, account_id, student_id, invoice_id, debit, credit)
    SELECT app_school_id(), n.entry_id, r.id, n.student_id, n.invoice_id, n.total, 0
      FROM numbered n CROSS JOIN receivable r WHERE n.total > 0
    UNION ALL
    SELECT app_school_id(), n.entry_id, a.income_account_id, n.student_id, n.invoice_id, 0, a.amount
      FROM numbered n CROSS JOIN per_account a WHERE n.total > 0)
SELECT count(*) FROM issued";
