//! memory: resident memory (VmRSS) of the api and worker processes, idle
//! after start-up and a few requests, and at its peak under load: wrk on
//! GET /students, then a burst of payments posted. Targets: each under
//! 30 MB idle and under 150 MB loaded.

use std::{path::Path, time::Duration};

use bench::{
    app_pool, judged,
    procs::{self, Proc, Sampler, mb},
};
use reqwest::StatusCode;

use crate::{
    payments::{self, Load, WorkerArgs},
    wrk,
};

/// Targets: api and worker each under 30 MB idle and under 150 MB loaded
/// (1 MB = 10^6 bytes).
#[derive(clap::Args)]
pub struct Args {
    /// The wrk run on GET /students, in seconds (10 connections, 2 threads)
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600))]
    duration_secs: u64,
    /// Payments POSTed and posted after it, 32 in flight
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    payments: u64,
    #[command(flatten)]
    worker: WorkerArgs,
}

const IDLE_MB: f64 = 30.0;
const LOADED_MB: f64 = 150.0;
const STUDENTS: usize = 1000;

pub async fn run(args: &Args, database: &str, scratch: &Path) -> anyhow::Result<bool> {
    let duration = Duration::from_secs(args.duration_secs);
    let load = Load {
        payments: args.payments as usize,
        concurrency: 32,
        timeout: Duration::from_secs(300),
    };
    let options = args.worker.options();

    let probe = app_pool(database, 2).await?;
    let (mut api, base) = procs::start_api(database, scratch, 10).await?;
    let mut worker = procs::start_worker(database, scratch, 1, &options)?;
    let (client, _, students) = bench::school_with_invoices(&base, &probe, STUDENTS).await?;
    for path in [
        "/students",
        "/invoices",
        "/ledger/trial-balance",
        "/payments",
    ] {
        let response = client.get(path).await;
        shared::testing::client::expect_status(response, StatusCode::OK, path).await;
    }
    // Settled: the peak of two quiet seconds after the last request.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let sampler = Sampler::start(&[api.pid(), worker.pid()]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = sampler.stop().await;
    println!(
        "memory: api and worker (--concurrency {} --batch-size {}) as separate processes; VmRSS, 1 MB = 10^6 bytes",
        options.concurrency, options.batch_size
    );
    println!(
        "  idle (started, {STUDENTS} students invoiced, a few requests): api {:.1} MB, worker {:.1} MB",
        mb(idle[0]),
        mb(idle[1])
    );

    let sampler = Sampler::start(&[api.pid(), worker.pid()]);
    let url = format!("{base}/students");
    let headers = [
        ("Authorization", format!("Bearer {}", client.token)),
        ("X-School-ID", client.school.to_string()),
    ];
    let students_run = wrk::run(&url, &headers, 2, 10, duration).await?;
    let after_wrk = sampler.stop().await;
    println!(
        "  under wrk on GET /students ({:.0} req/s for {} s), peak: api {:.1} MB, worker {:.1} MB",
        students_run.requests_per_sec,
        duration.as_secs(),
        mb(after_wrk[0]),
        mb(after_wrk[1])
    );
    let mut loaded = after_wrk.clone();
    if load.payments > 0 {
        let sampler = Sampler::start(&[api.pid(), worker.pid()]);
        let posting = payments::post_all(&client, &probe, &students, &load).await?;
        let during = sampler.stop().await;
        payments::check_ledger(&client, &probe).await?;
        println!(
            "  under {} payments posted ({:.0}/s), peak: api {:.1} MB, worker {:.1} MB",
            load.payments,
            load.payments as f64 / posting.posted_secs,
            mb(during[0]),
            mb(during[1])
        );
        for (peak, now) in loaded.iter_mut().zip(during) {
            *peak = (*peak).max(now);
        }
    }
    api.check_running()?;
    worker.check_running()?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "  2 s after the load: api {:.1} MB, worker {:.1} MB",
        mb(api.rss_kib()?),
        mb(worker.rss_kib()?)
    );

    let mut met = true;
    for (proc, idle, loaded) in [(&api, idle[0], loaded[0]), (&worker, idle[1], loaded[1])] {
        met &= verdict(proc, "idle", mb(idle), IDLE_MB);
        met &= verdict(proc, "loaded", mb(loaded), LOADED_MB);
    }
    api.stop();
    worker.stop();
    probe.close().await;
    Ok(met)
}

fn verdict(proc: &Proc, what: &str, value: f64, target: f64) -> bool {
    let met = value < target;
    println!(
        "  target: {} {what} under {target:.0} MB: {value:.1} MB, {}",
        proc.name(),
        judged(met, value, target, false)
    );
    met
}
