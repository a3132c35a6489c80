//! reports-bench: the fee office's reports over HTTP against the release
//! api (a separate process, as production runs it) on a school of 10,000
//! students, 30,000 invoices and 40,000 payments written in SQL
//! (`school.rs`), on a fresh database.
//!
//! Each report is timed --runs times (20) after two warm-up requests:
//! median and p95 from send to the last byte; target: median under 500 ms.
//! The defaulters' CSV is also timed to its first byte and first chunk,
//! and the api's resident memory is sampled while the JSON and then the
//! CSV are read, to show that the CSV streams rather than being built
//! whole. Each report's total is checked against the ledger once.
//!
//! Figures go to stdout. Exit status: 0 all targets met, 1 the run failed,
//! 2 a target was missed. Run with `scripts/bench reports`.

mod school;

use std::{
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::{Context, ensure};
use bench::{
    app_pool, judged, median, percentile,
    procs::{self, Sampler, mb},
};
use shared::testing::{ApiClient, Member, process::Scratch};
use sqlx::{ConnectOptions, Connection, Executor};

const TARGET_MS: f64 = 500.0;
const RANGE: &str = "from=2026-01-01&to=2026-11-30";

#[derive(clap::Parser)]
#[command(
    name = "reports-bench",
    about = "reports-bench: the four reports on a school of 10,000 students through the release api",
    after_help = "Needs DATABASE_URL (runtime role) and DATABASE_OWNER_URL; `scripts/bench reports` sets both.\n\
                  Exit status: 0 targets met, 1 the run failed, 2 a target was missed."
)]
struct Args {
    /// Students (each with 3 invoices and 4 payments)
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(i64).range(20..=33_333))]
    students: i64,
    /// Timed requests per report (after two warm-up requests)
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,
    /// Keep the benchmark database (its name is printed) instead of dropping it
    #[arg(long)]
    keep_db: bool,
}

fn main() -> ExitCode {
    let args: Args = match bench::parse_args() {
        Ok(args) => args,
        Err(code) => return code,
    };
    bench::main("reports-bench", args.keep_db, |database| async move {
        let mut scratch = Scratch::new(&format!("reports-bench-{database}"));
        scratch.keep();
        let outcome = run(&args, &database, scratch.path()).await;
        if outcome.is_ok() && !args.keep_db {
            let _ = std::fs::remove_dir_all(scratch.path());
        } else {
            eprintln!(
                "reports-bench: the api's log is in {}",
                scratch.path().display()
            );
        }
        outcome
    })
}

/// One timed request: to the response head, to the first body chunk and
/// to the last byte; the chunks and bytes read.
struct Timing {
    head: Duration,
    first_chunk: Duration,
    total: Duration,
    chunks: usize,
    bytes: usize,
}

async fn fetch(member: &Member, path: &str, csv: bool) -> anyhow::Result<(Timing, Vec<u8>)> {
    let mut request = member.request(reqwest::Method::GET, path);
    if csv {
        request = request.header("Accept", "text/csv");
    }
    let started = Instant::now();
    let response = request.send().await?;
    let head = started.elapsed();
    ensure!(
        response.status() == reqwest::StatusCode::OK,
        "GET {path}: {}",
        response.status()
    );
    let mut body = Vec::new();
    let mut response = response;
    let (mut chunks, mut first_chunk) = (0, None);
    while let Some(chunk) = response.chunk().await? {
        first_chunk.get_or_insert_with(|| started.elapsed());
        chunks += 1;
        body.extend_from_slice(&chunk);
    }
    let total = started.elapsed();
    Ok((
        Timing {
            head,
            first_chunk: first_chunk.unwrap_or(total),
            total,
            chunks,
            bytes: body.len(),
        },
        body,
    ))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Times `path` `runs` times after two warm-ups; prints and judges the line.
async fn time(
    member: &Member,
    label: &str,
    path: &str,
    csv: bool,
    runs: u64,
) -> anyhow::Result<(bool, Vec<Timing>)> {
    for _ in 0..2 {
        fetch(member, path, csv).await?;
    }
    let mut timings = Vec::new();
    for _ in 0..runs {
        timings.push(fetch(member, path, csv).await?.0);
    }
    let mut totals: Vec<f64> = timings.iter().map(|t| ms(t.total)).collect();
    totals.sort_by(f64::total_cmp);
    let med = median(totals.iter().copied());
    let p95 = percentile(&totals, 0.95);
    let met = med < TARGET_MS;
    println!(
        "  {label:<32} median {med:>7.1} ms  p95 {p95:>7.1} ms  max {:>7.1} ms  {:>9} bytes  {}",
        totals.last().copied().unwrap_or(f64::NAN),
        timings[0].bytes,
        judged(met, med, TARGET_MS, false)
    );
    Ok((met, timings))
}

async fn run(args: &Args, database: &str, scratch: &std::path::Path) -> anyhow::Result<bool> {
    let probe = app_pool(database, 2).await?;
    let (api, base) = procs::start_api(database, scratch, 10).await?;
    let client = ApiClient::with_timeout(&base, Duration::from_secs(120));
    let bursar = client
        .owner_with_school("bursar@reports.example", "Imara Academy")
        .await;

    // --- The school, in SQL (not measured beyond its own line) ---------------
    let setup = Instant::now();
    let mut tx = shared::db::begin_tenant(&probe, bursar.school, None).await?;
    school::write(&mut tx, args.students as i32, bursar.user_id)
        .await
        .context("writing the school")?;
    tx.commit().await?;
    let written = setup.elapsed();
    let mut owner = shared::testing::env_url("DATABASE_OWNER_URL")
        .database(database)
        .connect()
        .await
        .context("connecting as the owner role (DATABASE_OWNER_URL)")?;
    owner.execute("SET client_min_messages = error").await?;
    owner.execute("ANALYZE").await?;
    owner.close().await?;
    let books = bench::check_books(&bursar, &probe).await?;
    let counts: (i64, i64, i64, i64) = {
        let mut tx = shared::db::begin_tenant(&probe, bursar.school, None).await?;
        let counts = sqlx::query_as(
            "SELECT (SELECT count(*) FROM students), (SELECT count(*) FROM invoices),
                    (SELECT count(*) FROM payments), (SELECT count(*) FROM journal_lines)",
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        counts
    };
    println!(
        "reports-bench: {} students, {} invoices, {} payments, {} journal lines written in SQL in {:.1} s (then ANALYZE); books check: right (1100 = {}, 2000 = {}); database {database}",
        counts.0,
        counts.1,
        counts.2,
        counts.3,
        written.as_secs_f64(),
        books.receivable,
        books.unearned
    );
    println!(
        "load average now (/proc/loadavg): {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!();

    // --- Totals tie to the ledger ---------------------------------------------
    let (_, aged) = bursar.get_json("/reports/aged-receivables").await;
    ensure!(
        aged["total"]["total"] == aged["receivable"]
            && aged["receivable"].as_str() == Some(&books.receivable.to_string()),
        "aged receivables' total {} is not 1100 ({})",
        aged["total"]["total"],
        books.receivable
    );
    let (_, collected) = bursar
        .get_json(&format!("/reports/collections?{RANGE}&group_by=item"))
        .await;
    ensure!(
        collected["total"].as_str() == Some(&books.posted_payments.to_string())
            && collected["payments"] == counts.2,
        "collections' total {} is not the posted payments ({})",
        collected["total"],
        books.posted_payments
    );
    let (_, defaulters) = bursar.get_json("/reports/defaulters").await;
    let owing = defaulters.as_array().map_or(0, Vec::len);
    println!(
        "checks: aged total = 1100 = {}; collections total = posted payments = {} ({} payments); {owing} defaulters",
        books.receivable, collected["total"], collected["payments"]
    );
    println!();

    // --- Timings ----------------------------------------------------------------
    println!(
        "over HTTP, {} runs each after 2 warm-ups; send to last byte; target median < {TARGET_MS:.0} ms",
        args.runs
    );
    let runs = args.runs;
    let mut all_met = true;
    let rss_before = api.rss_kib()?;
    let sampler = Sampler::start(&[api.pid()]);
    let (met, _) = time(
        &bursar,
        "defaulters (JSON)",
        "/reports/defaulters",
        false,
        runs,
    )
    .await?;
    let json_peak = sampler.stop().await[0];
    all_met &= met;
    let sampler = Sampler::start(&[api.pid()]);
    let (met, csv) = time(
        &bursar,
        "defaulters (CSV, streamed)",
        "/reports/defaulters",
        true,
        runs,
    )
    .await?;
    let csv_peak = sampler.stop().await[0];
    all_met &= met;
    for (label, path) in [
        ("aged receivables", "/reports/aged-receivables".to_string()),
        (
            "collections by day",
            format!("/reports/collections?{RANGE}&group_by=day"),
        ),
        (
            "collections by method",
            format!("/reports/collections?{RANGE}&group_by=method"),
        ),
        (
            "collections by item",
            format!("/reports/collections?{RANGE}&group_by=item"),
        ),
        (
            "collections by class",
            format!("/reports/collections?{RANGE}&group_by=class"),
        ),
        (
            "class summary (term 1)",
            "/reports/class-summary?term=1&year=2026".to_string(),
        ),
    ] {
        let (met, _) = time(&bursar, label, &path, false, runs).await?;
        all_met &= met;
    }
    println!();

    let heads: Vec<f64> = csv.iter().map(|t| ms(t.head)).collect();
    let firsts: Vec<f64> = csv.iter().map(|t| ms(t.first_chunk)).collect();
    let totals: Vec<f64> = csv.iter().map(|t| ms(t.total)).collect();
    let chunks: Vec<f64> = csv.iter().map(|t| t.chunks as f64).collect();
    println!(
        "defaulters CSV streaming: {owing} rows, {} bytes; median head {:.1} ms, first chunk {:.1} ms, last byte {:.1} ms; median {:.0} chunks",
        csv[0].bytes,
        median(heads.into_iter()),
        median(firsts.into_iter()),
        median(totals.into_iter()),
        median(chunks.into_iter())
    );
    println!(
        "api resident memory (VmRSS, 1 MB = 10^6 bytes): {:.1} MB before; peak {:.1} MB while the JSON was read, {:.1} MB while the CSV was read",
        mb(rss_before),
        mb(json_peak),
        mb(csv_peak)
    );
    println!(
        "load average after (/proc/loadavg): {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    Ok(all_met)
}
