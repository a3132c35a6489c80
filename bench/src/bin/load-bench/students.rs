//! students: GET /students (the first page, 50 rows, under RLS) with wrk,
//! against pgbench running the transaction the api runs for it, in the
//! same run, on the same connection count. Target: wrk at least 70% of
//! pgbench.

use std::{path::Path, time::Duration};

use anyhow::{Context, ensure};
use bench::{
    app_pool, judged, median,
    procs::{self, Sampler, mb},
};
use reqwest::StatusCode;

use crate::{pgbench, wrk};

/// Target: GET /students requests/s at least 70% of pgbench's transactions/s.
#[derive(clap::Args)]
pub struct Args {
    /// The api's DATABASE_MAX_CONNECTIONS, wrk's connections and pgbench's
    /// clients (the api's default pool)
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=90))]
    connections: u64,
    /// wrk's and pgbench's threads
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    threads: u64,
    /// Each wrk and each pgbench run, in seconds
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    duration_secs: u64,
    /// Rounds of one wrk and one pgbench run, alternating which goes first;
    /// the target is judged on the median ratio
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=20))]
    rounds: u64,
}

const TARGET_RATIO: f64 = 0.70;
const STUDENTS: usize = 60;

/// The api's transaction for GET /students, statement for statement and
/// round trip for round trip: the Tenant extractor's `db::begin_member`
/// sends BEGIN and `SELECT enter_school(school, user)` (the settings and the
/// membership check, migration 0013) in one simple-protocol message, which
/// pgbench sends as one message too (`\;`); then `student::list` with no
/// filter and the default page (50 rows, 51 fetched), prepared once per
/// connection with the parameter types sqlx binds (uuid, text, bigint), as
/// sqlx caches its prepared statements per connection; then COMMIT. NULL
/// parameters cannot be passed as pgbench variables, hence PREPARE/EXECUTE
/// over the simple protocol.
pub const SCRIPT: &str = r"\if :prepared = 0
PREPARE list(uuid, uuid, text, text, bigint) AS SELECT id, admission_no, first_name, last_name, gender, date_of_birth, class_id, status, upi_no, knec_no, birth_cert_no, created_at, updated_at FROM students WHERE ($1::uuid IS NULL OR id > $1) AND ($2::uuid IS NULL OR class_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR admission_no ILIKE $4 OR (first_name || ' ' || last_name) ILIKE $4) ORDER BY id LIMIT $5;
\set prepared 1
\endif
BEGIN \; SELECT enter_school(':school', ':user');
EXECUTE list(NULL, NULL, NULL, NULL, 51);
COMMIT;
";

struct Round {
    wrk: wrk::WrkRun,
    pgbench: pgbench::PgbenchRun,
}

impl Round {
    fn ratio(&self) -> f64 {
        self.wrk.requests_per_sec / self.pgbench.tps
    }
}

pub async fn run(args: &Args, database: &str, scratch: &Path) -> anyhow::Result<bool> {
    let connections = args.connections;
    let threads = args.threads;
    let duration = Duration::from_secs(args.duration_secs);
    let rounds = args.rounds as usize;

    let probe = app_pool(database, 2).await?;
    let (mut api, base) = procs::start_api(database, scratch, connections as u32).await?;
    let mut worker = procs::start_worker(database, scratch, 1, &procs::WorkerOptions::default())?;
    let (client, class, _) = bench::school_with_invoices(&base, &probe, STUDENTS).await?;
    probe.close().await;

    // The page both sides read: 50 students of the 60, a next link.
    let response = client.get("/students").await;
    let has_next = response.headers().get("link").is_some();
    let page =
        shared::testing::client::expect_status(response, StatusCode::OK, "GET /students").await;
    let rows = page.as_array().map_or(0, Vec::len);
    ensure!(
        rows == 50 && has_next,
        "GET /students gave {rows} rows (next link: {has_next}), expected 50 and a next link"
    );

    let script = scratch.join("students.sql");
    std::fs::write(&script, SCRIPT)?;
    let url = format!("{base}/students");
    let headers = [
        ("Authorization", format!("Bearer {}", client.token)),
        ("X-School-ID", client.school.to_string()),
    ];
    let variables = [
        ("school", client.school.to_string()),
        ("user", client.user_id.to_string()),
        ("prepared", "0".to_string()),
    ];
    let db_url = shared::testing::app_url(database);

    println!(
        "students: GET /students (50 of {STUDENTS} students in class {class}, RLS) with wrk against pgbench"
    );
    println!(
        "  {connections} connections each (api DATABASE_MAX_CONNECTIONS, wrk -c, pgbench -c), {threads} threads, {} s per run, {rounds} round(s)",
        duration.as_secs()
    );
    // Warm both paths (caches, prepared statements, connections).
    let warm = Duration::from_secs(2);
    wrk::run(&url, &headers, threads, connections, warm)
        .await
        .context("wrk warm-up")?;
    pgbench::run(&db_url, &script, &variables, connections, threads, warm)
        .await
        .context("pgbench warm-up")?;

    let sampler = Sampler::start(&[api.pid(), worker.pid()]);
    let mut results = Vec::new();
    for round in 1..=rounds {
        let pgbench_first = round % 2 == 1;
        let mut pg = None;
        if pgbench_first {
            pg = Some(
                pgbench::run(&db_url, &script, &variables, connections, threads, duration).await?,
            );
        }
        let wrk = wrk::run(&url, &headers, threads, connections, duration).await?;
        if !pgbench_first {
            pg = Some(
                pgbench::run(&db_url, &script, &variables, connections, threads, duration).await?,
            );
        }
        let result = Round {
            wrk,
            pgbench: pg.context("pgbench did not run")?,
        };
        println!(
            "  round {round} ({} first): api {:>8.1} req/s (p50 {:.2} ms, p99 {:.2} ms)   pgbench {:>8.1} tps ({:.2} ms avg)   ratio {:.2}",
            if pgbench_first { "pgbench" } else { "wrk" },
            result.wrk.requests_per_sec,
            result.wrk.p50_ms,
            result.wrk.p99_ms,
            result.pgbench.tps,
            result.pgbench.latency_ms,
            result.ratio()
        );
        results.push(result);
    }
    let peaks = sampler.stop().await;
    api.check_running()?;
    worker.check_running()?;

    let api_rate = median(results.iter().map(|r| r.wrk.requests_per_sec));
    let pg_rate = median(results.iter().map(|r| r.pgbench.tps));
    let ratio = median(results.iter().map(Round::ratio));
    let met = ratio >= TARGET_RATIO;
    println!(
        "  median: api {api_rate:.1} req/s, pgbench {pg_rate:.1} tps, ratio {ratio:.2} ({:.0}% of pgbench)",
        ratio * 100.0
    );
    println!(
        "  target: at least {:.0}% of pgbench: {}",
        TARGET_RATIO * 100.0,
        judged(met, ratio, TARGET_RATIO, true)
    );
    println!(
        "  resident memory, peak during the rounds: api {:.1} MB, worker {:.1} MB",
        mb(peaks[0]),
        mb(peaks[1])
    );
    api.stop();
    worker.stop();
    Ok(met)
}
