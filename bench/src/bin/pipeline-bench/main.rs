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
//! Run with `scripts/bench pipeline`, which prepares PostgreSQL and the environment.

mod baseline;

use std::{
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::{Context, ensure};
use bench::{app_pool, median};
use serde_json::{Value, json};
use shared::testing::{ApiClient, Member, seed};
use sqlx::{ConnectOptions, Connection, Executor, PgPool};
use uuid::Uuid;

/// The generation targets.
const TARGET_SECS: f64 = 2.0;
const TARGET_RATIO: f64 = 2.0;
const TERM: i16 = 1;
const YEAR: i32 = 2025;
const PAYMENT_AMOUNT: &str = "5000.00";

#[derive(clap::Parser)]
#[command(
    name = "pipeline-bench",
    about = "pipeline-bench: invoice generation and payment posting through the api and worker",
    after_help = "Needs DATABASE_URL (runtime role) and DATABASE_OWNER_URL; `scripts/bench pipeline` sets both.\n\
                  Exit status: 0 targets met, 1 the run failed, 2 a target was missed."
)]
struct Args {
    /// Students in the class (invoice numbers have five digits: INV-2025-00001)
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=99_999))]
    students: u64,
    /// Generation rounds, each on two new schools; targets are judged on the
    /// median (5: later rounds run on worker connections that have prepared
    /// the batch statement more than 5 times)
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=100))]
    rounds: u64,
    /// Payments to post (0 skips the payment phase)
    #[arg(long, default_value_t = 2_000)]
    payments: usize,
    /// POST /payments requests in flight
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    concurrency: u64,
    /// Limit on each wait, in seconds: generation, baseline, payments posted
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    timeout_secs: u64,
    /// Skip ANALYZE (as the owner role) after each round's students are inserted
    #[arg(long)]
    no_analyze: bool,
    /// Keep the benchmark database (its name is printed) instead of dropping it
    #[arg(long)]
    keep_db: bool,
}

fn main() -> ExitCode {
    let args: Args = match bench::parse_args() {
        Ok(args) => args,
        Err(code) => return code,
    };
    bench::main("pipeline-bench", args.keep_db, |database| async move {
        bench(&args, &database).await
    })
}

/// The api, the worker and the probes the benchmark uses on one database.
struct Bench {
    /// The bursar, who creates a school per round.
    bursar: Member,
    /// The runtime role, for setup and for polling; not the api's or the worker's pool.
    probe: PgPool,
    timeout: Duration,
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

    let base = bench::in_process::serve_api(&api_pool).await?;
    let _worker = bench::in_process::start_worker(
        &worker_pool,
        shared::ollama::OllamaConfig::new(bench::in_process::NO_MODEL, "none"),
        "pipeline-bench",
    )?;
    let bench = Bench {
        bursar: ApiClient::with_timeout(base, Duration::from_secs(90))
            .register("bursar@bench.example")
            .await,
        probe,
        timeout: Duration::from_secs(args.timeout_secs),
    };

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
        let measured = bench.round(args, database, round as usize).await?;
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
            .payments(school, class, args.payments, args.concurrency as usize)
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
        let students = args.students as usize;
        // --- Setup (not measured) -------------------------------------------
        let setup = Instant::now();
        let api_school = self
            .bursar
            .create_school(&format!("Imara Academy {round}"))
            .await;
        let api_class = self.bursar.at(api_school).grade_4_east().await;
        self.insert_students(api_school, api_class, students)
            .await?;
        let sql_school = self
            .bursar
            .create_school(&format!("Baseline Academy {round}"))
            .await;
        let sql_class = self.bursar.at(sql_school).grade_4_east().await;
        self.insert_students(sql_school, sql_class, students)
            .await?;
        if !args.no_analyze {
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
            sql_run = Some(self.baseline(sql_school, sql_class, students).await?);
        }
        let (api, operation) = self.generate(api_school, api_class).await?;
        if api_first {
            sql_run = Some(self.baseline(sql_school, sql_class, students).await?);
        }
        let (sql, sql_created) = sql_run.context("the baseline did not run")?;

        let rows = self.rows(api_school).await?;
        ensure!(
            rows.invoices == students as i64,
            "expected {} invoices after generation, found {}; operation: {operation}",
            students,
            rows.invoices
        );
        ensure!(
            operation["result"]["created"] == json!(students),
            "the operation reports {} created, expected {}",
            operation["result"]["created"],
            students
        );
        let sql_rows = self.rows(sql_school).await?;
        ensure!(
            sql_created == students as i64 && sql_rows.invoices == students as i64,
            "the baseline statement created {sql_created} invoices ({} found), expected {}",
            sql_rows.invoices,
            students
        );
        ensure!(
            rows == sql_rows,
            "the baseline wrote different rows than the api: api {rows:?}, sql {sql_rows:?}"
        );
        ensure!(
            self.bursar.at(sql_school).trial_balance().await["balanced"] == json!(true),
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

    async fn tenant_tx(&self, school: Uuid) -> anyhow::Result<shared::db::Tx> {
        Ok(shared::db::begin_tenant(&self.probe, school, None).await?)
    }

    /// Students in bulk, as the runtime role in the school (setup, not measured).
    async fn insert_students(&self, school: Uuid, class: Uuid, n: usize) -> anyhow::Result<()> {
        let mut tx = self.tenant_tx(school).await?;
        seed::students(&mut tx, class, n)
            .await
            .context("inserting the students")?;
        tx.commit().await?;
        Ok(())
    }

    /// POST /invoices/generate and wait for `succeeded`: the measured time
    /// and the finished operation.
    async fn generate(&self, school: Uuid, class: Uuid) -> anyhow::Result<(Duration, Value)> {
        let started = Instant::now();
        let bursar = self.bursar.at(school);
        let generation = bursar.generate_invoices(class, TERM, YEAR, self.timeout);
        let operation = tokio::time::timeout(self.timeout, generation)
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "invoice generation did not succeed within {:?}",
                    self.timeout
                )
            })?;
        Ok((started.elapsed(), operation))
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
            sqlx::query_scalar(baseline::SQL)
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
        let payer = &self.bursar.at(school);
        let deadline = Instant::now() + self.timeout;
        let started = Instant::now();
        let bench::payments::Accepted {
            latencies,
            took: accepted_time,
        } = bench::payments::burst(
            payer,
            &students,
            n,
            PAYMENT_AMOUNT,
            'B',
            concurrency,
            self.timeout,
        )
        .await?;

        loop {
            let mut tx = self.tenant_tx(school).await?;
            let posted = bench::payments::posted_so_far(&mut tx).await?;
            tx.commit().await?;
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
        payer.trial_balance().await;
        let trial_time = trial_started.elapsed();
        let books = bench::check_books(payer, &self.probe).await?;
        println!(
            "  ledger: trial balance balanced (GET in {:.1} ms); 1100 = {} = open invoice balances; 1000 = {} = payments",
            trial_time.as_secs_f64() * 1000.0,
            books.receivable,
            books.cash
        );
        Ok(())
    }
}
