//! payments: POST /payments with many in flight, timed from the first POST
//! until every payment is POSTED by the worker processes; then the ledger
//! is checked (trial balance balanced, 1100 = open invoice balances, 1000 =
//! the payments). Target: at least 1,000 payments posted per second.

use std::time::{Duration, Instant};

use anyhow::ensure;
use bench::app_pool;
use futures_util::{StreamExt, stream};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    Verdict,
    flags::Flags,
    judged,
    procs::{self, Proc, Sampler, WorkerOptions, mb},
    seed::{self, Api},
};

pub const HELP: &str =
    "load-bench payments: payments posted per second through api and worker processes

USAGE: load-bench payments [--payments N] [--concurrency N] [--students N] [--workers N]
                           [--worker-concurrency N] [--batch-size N] [--timeout-secs N]

  --payments            payments to POST (default 10000)
  --concurrency         POST /payments requests in flight (default 32)
  --students            students with an invoice, paid round robin (default 1000)
  --workers             worker processes (default 1)
  --worker-concurrency  each worker's --concurrency (default 16)
  --batch-size          each worker's --batch-size (default 50)
  --timeout-secs        limit on posting them all (default 300)

Target: at least 1,000 payments per second, from the first POST to the last POSTED.";

const TARGET_RATE: f64 = 1000.0;
const AMOUNT: &str = "10.00";

pub struct Load {
    pub payments: usize,
    pub concurrency: usize,
    pub timeout: Duration,
}

/// The figures of one payment load.
pub struct Posting {
    pub accepted_secs: f64,
    pub posted_secs: f64,
    /// How many were POSTED when the last 201 arrived.
    pub posted_when_accepted: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

pub async fn run(flags: &Flags, database: &str) -> anyhow::Result<Verdict> {
    flags.only(&[
        "payments",
        "concurrency",
        "students",
        "workers",
        "worker-concurrency",
        "batch-size",
        "timeout-secs",
    ])?;
    let load = Load {
        payments: flags.number("payments", 10_000, 1..=1_000_000)? as usize,
        concurrency: flags.number("concurrency", 32, 1..=1024)? as usize,
        timeout: Duration::from_secs(flags.number("timeout-secs", 300, 1..=3600)?),
    };
    let students = flags.number("students", 1000, 1..=99_999)? as usize;
    let workers = flags.number("workers", 1, 1..=16)? as usize;
    let options = worker_options(flags)?;

    let scratch = procs::scratch(database)?;
    let probe = app_pool(database, 2).await?;
    let (mut api, base) = procs::start_api(database, &scratch, 10).await?;
    let mut worker_procs = (1..=workers)
        .map(|i| procs::start_worker(database, &scratch, i, &options))
        .collect::<anyhow::Result<Vec<Proc>>>()?;
    let (client, _, ids) = seed::school_with_invoices(&base, &probe, students).await?;

    println!(
        "payments: {} x MPESA {AMOUNT} to {students} students' invoices, {} in flight; {workers} worker process(es), --concurrency {} --batch-size {}",
        load.payments, load.concurrency, options.concurrency, options.batch_size
    );
    let mut pids = vec![api.pid()];
    pids.extend(worker_procs.iter().map(Proc::pid));
    let sampler = Sampler::start(&pids);
    let posting = post_all(&client, &probe, &ids, &load).await?;
    let peaks = sampler.stop().await;
    api.check_running()?;
    for worker in &mut worker_procs {
        worker.check_running()?;
    }
    let rate = load.payments as f64 / posting.posted_secs;
    println!(
        "  accepted by the api: {:>8.1} /s   ({} x 201 in {:.3} s; latency p50 {:.1} ms, p99 {:.1} ms)",
        load.payments as f64 / posting.accepted_secs,
        load.payments,
        posting.accepted_secs,
        posting.p50_ms,
        posting.p99_ms
    );
    println!(
        "  posted end to end:   {rate:>8.1} /s   (first POST to all POSTED: {:.3} s; {:.3} s after the last 201)",
        posting.posted_secs,
        posting.posted_secs - posting.accepted_secs
    );
    let drained = load.payments - posting.posted_when_accepted;
    let drain_secs = posting.posted_secs - posting.accepted_secs;
    if drained > 0 && drain_secs > 0.0 {
        println!(
            "  worker alone:        {:>8.1} /s   ({} posted while POSTing, {drained} after, with the api idle)",
            drained as f64 / drain_secs,
            posting.posted_when_accepted
        );
    }
    check_ledger(&client, &probe).await?;
    let met = rate >= TARGET_RATE;
    println!(
        "  target: at least {TARGET_RATE:.0} posted per second: {}",
        judged(met, rate, TARGET_RATE, true)
    );
    let workers_peak: Vec<String> = peaks[1..]
        .iter()
        .map(|kib| format!("{:.1}", mb(*kib)))
        .collect();
    println!(
        "  resident memory, peak: api {:.1} MB, worker(s) {} MB",
        mb(peaks[0]),
        workers_peak.join(", ")
    );
    api.stop();
    for worker in &mut worker_procs {
        worker.stop();
    }
    Ok(Verdict { met })
}

/// The worker processes' options: --worker-concurrency and --batch-size.
pub fn worker_options(flags: &Flags) -> anyhow::Result<WorkerOptions> {
    Ok(WorkerOptions {
        concurrency: flags.number("worker-concurrency", 16, 1..=256)?,
        batch_size: flags.number("batch-size", 50, 1..=1000)?,
        max_connections: 10,
    })
}

/// POSTs the payments (student-level, round robin over `students`) and
/// waits until every one is POSTED.
pub async fn post_all(
    client: &Api,
    probe: &PgPool,
    students: &[Uuid],
    load: &Load,
) -> anyhow::Result<Posting> {
    let run = Uuid::new_v4().simple().to_string();
    let run = &run[..8];
    let deadline = Instant::now() + load.timeout;
    let started = Instant::now();
    let latencies: Vec<anyhow::Result<Duration>> = stream::iter(0..load.payments)
        .map(|i| {
            let body = json!({
                "student_id": students[i % students.len()],
                "amount": AMOUNT,
                "method": "MPESA",
                "txn_ref": format!("L{run}{i:07}"),
            });
            async move {
                let sent = Instant::now();
                let response = client
                    .request(Method::POST, "/payments")
                    .json(&body)
                    .send()
                    .await?;
                seed::expect(response, StatusCode::CREATED, "POST /payments").await?;
                Ok(sent.elapsed())
            }
        })
        .buffer_unordered(load.concurrency)
        .take_until(tokio::time::sleep_until(deadline.into()))
        .collect()
        .await;
    let accepted = started.elapsed();
    ensure!(
        latencies.len() == load.payments,
        "only {} of {} payments were answered within {:?}",
        latencies.len(),
        load.payments,
        load.timeout
    );
    let mut latencies = latencies.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    latencies.sort();
    let mut posted_when_accepted = None;
    loop {
        let mut tx = shared::db::begin_tenant(probe, client.school, None).await?;
        let (posted, failed): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE posting_status = 'POSTED'),
                    count(*) FILTER (WHERE posting_status = 'FAILED')
               FROM payments",
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        ensure!(failed == 0, "{failed} payments FAILED to post");
        posted_when_accepted.get_or_insert(posted as usize);
        if posted == load.payments as i64 {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "only {posted} of {} payments POSTED within {:?}",
            load.payments,
            load.timeout
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let posted = started.elapsed();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index].as_secs_f64() * 1000.0
    };
    Ok(Posting {
        accepted_secs: accepted.as_secs_f64(),
        posted_secs: posted.as_secs_f64(),
        posted_when_accepted: posted_when_accepted.unwrap_or(0),
        p50_ms: percentile(0.5),
        p99_ms: percentile(0.99),
    })
}

/// The trial balance balances, 1100 Receivable is the sum of open invoice
/// balances and 1000 Cash the sum of the posted payments.
pub async fn check_ledger(client: &Api, probe: &PgPool) -> anyhow::Result<()> {
    let response = client
        .request(Method::GET, "/ledger/trial-balance")
        .send()
        .await?;
    let trial = seed::expect(response, StatusCode::OK, "GET /ledger/trial-balance").await?;
    let (receivable, cash) = bench::check_books(&trial, probe, client.school).await?;
    println!(
        "  ledger: trial balance balanced (debits {}); 1100 = {receivable} = open invoice balances; 1000 = {cash} = posted payments",
        trial["total_debit"]
            .as_str()
            .map_or(Value::Null, |s| json!(s))
    );
    Ok(())
}
