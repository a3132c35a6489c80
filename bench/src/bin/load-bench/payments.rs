//! payments: POST /payments with many in flight, timed from the first POST
//! until every payment is POSTED by the worker processes; then the ledger
//! is checked (trial balance balanced, 1100 = open invoice balances, 1000 =
//! the payments). Target: at least 1,000 payments posted per second.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use anyhow::ensure;
use bench::{
    app_pool, judged,
    procs::{self, Proc, Sampler, WorkerOptions, mb},
};
use shared::testing::Member;
use sqlx::PgPool;
use uuid::Uuid;

/// Target: at least 1,000 payments per second, from the first POST to the last POSTED.
#[derive(clap::Args)]
pub struct Args {
    /// Payments to POST
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    payments: u64,
    /// POST /payments requests in flight
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=1024))]
    concurrency: u64,
    /// Students with an invoice, paid round robin
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=99_999))]
    students: u64,
    /// Worker processes
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=16))]
    workers: u64,
    #[command(flatten)]
    worker: WorkerArgs,
    /// Limit on posting them all, in seconds
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout_secs: u64,
}

/// How each worker process runs (payments and memory).
#[derive(clap::Args)]
pub struct WorkerArgs {
    /// Each worker's --concurrency
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=256))]
    worker_concurrency: u64,
    /// Each worker's --batch-size
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=1000))]
    batch_size: u64,
}

impl WorkerArgs {
    pub fn options(&self) -> WorkerOptions {
        WorkerOptions {
            concurrency: self.worker_concurrency,
            batch_size: self.batch_size,
            max_connections: 10,
        }
    }
}

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

pub async fn run(args: &Args, database: &str, scratch: &Path) -> anyhow::Result<bool> {
    let load = Load {
        payments: args.payments as usize,
        concurrency: args.concurrency as usize,
        timeout: Duration::from_secs(args.timeout_secs),
    };
    let students = args.students as usize;
    let workers = args.workers as usize;
    let options = args.worker.options();

    let probe = app_pool(database, 2).await?;
    let (mut api, base) = procs::start_api(database, scratch, 10).await?;
    let mut worker_procs = (1..=workers)
        .map(|i| procs::start_worker(database, scratch, i, &options))
        .collect::<anyhow::Result<Vec<Proc>>>()?;
    let (client, _, ids) = bench::school_with_invoices(&base, &probe, students).await?;

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
    Ok(met)
}

/// POSTs the payments (student-level, round robin over `students`) and
/// waits until every one is POSTED.
pub async fn post_all(
    client: &Member,
    probe: &PgPool,
    students: &[Uuid],
    load: &Load,
) -> anyhow::Result<Posting> {
    let deadline = Instant::now() + load.timeout;
    let started = Instant::now();
    let bench::payments::Accepted {
        latencies,
        took: accepted,
    } = bench::payments::burst(
        client,
        students,
        load.payments,
        AMOUNT,
        'L',
        load.concurrency,
        load.timeout,
    )
    .await?;
    let mut posted_when_accepted = None;
    loop {
        let mut tx = shared::db::begin_tenant(probe, client.school, None).await?;
        let posted = bench::payments::posted_so_far(&mut tx).await?;
        tx.commit().await?;
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

/// The books after the payments: the trial balance balances, 1100
/// Receivable is the sum of open invoice balances and 1000 Cash the sum of
/// the posted payments, and the api's trial balance says the same.
pub async fn check_ledger(client: &Member, probe: &PgPool) -> anyhow::Result<()> {
    let books = bench::check_books(client, probe).await?;
    println!(
        "  ledger: trial balance balanced (debits {}); 1100 = {} = open invoice balances; 1000 = {} = posted payments",
        books.debits, books.receivable, books.cash
    );
    Ok(())
}
