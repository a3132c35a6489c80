//! sse: many subscribers of GET /events on one school of the api process;
//! events committed one at a time (shared::events::append in a tenant
//! transaction, as the worker does); each delivery timed from the moment
//! COMMIT was sent to the moment the subscriber read the event. Target:
//! p99 under 50 ms with 1,000 subscribers.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use anyhow::ensure;
use bench::{
    app_pool, judged, percentile,
    procs::{self, Sampler, mb},
};
use futures_util::{StreamExt, stream};
use reqwest::Method;
use serde_json::json;
use shared::testing::{ApiClient, EventStream};

/// Target: p99 under 50 ms from COMMIT sent to the event read by the
/// subscriber, over every delivery. Raises no file limit itself:
/// `scripts/bench sse` does (ulimit -n).
#[derive(clap::Args)]
pub struct Args {
    /// Concurrent GET /events connections to one school
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    subscribers: u64,
    /// Events committed, one at a time
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    events: u64,
    /// Pause between events, in milliseconds
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    interval_ms: u64,
}

const TARGET_P99_MS: f64 = 50.0;
const KIND: &str = "bench.tick";

pub async fn run(args: &Args, database: &str, scratch: &Path) -> anyhow::Result<bool> {
    let subscribers = args.subscribers as usize;
    let events = args.events as usize;
    let interval = Duration::from_millis(args.interval_ms);

    let probe = app_pool(database, 2).await?;
    let (mut api, base) = procs::start_api(database, scratch, 10).await?;
    let client = ApiClient::with_timeout(&base, Duration::from_secs(60))
        .owner_with_school("bursar@load.example", "Imara Academy")
        .await;
    let idle_kib = api.rss_kib()?;

    // Every subscriber on its own connection, opened 50 at a time.
    let opened = Instant::now();
    // A subscriber that cannot connect panics, failing the run: see `ulimit -n`.
    let readers: Vec<EventStream> = stream::iter(0..subscribers)
        .map(|_| EventStream::open(client.request(Method::GET, "/events")))
        .buffer_unordered(50)
        .collect()
        .await;
    let opened = opened.elapsed();
    let subscribed_kib = api.rss_kib()?;
    println!(
        "sse: {subscribers} subscribers of one school (opened in {:.2} s), {events} events committed {} ms apart",
        opened.as_secs_f64(),
        interval.as_millis()
    );

    let sampler = Sampler::start(&[api.pid()]);
    let deadline = Instant::now() + Duration::from_secs(30) + interval * events as u32;
    let tasks: Vec<_> = readers
        .into_iter()
        .map(|reader| tokio::spawn(read(reader, events, deadline)))
        .collect();

    // (COMMIT sent, COMMIT returned) per event, in order.
    let mut commits = Vec::with_capacity(events);
    for seq in 0..events {
        let mut tx = shared::db::begin_tenant(&probe, client.school, None).await?;
        shared::events::append(&mut tx, KIND, &json!({ "seq": seq })).await?;
        let sent = Instant::now();
        tx.commit().await?;
        commits.push((sent, Instant::now()));
        tokio::time::sleep(interval).await;
    }

    let mut from_sent = Vec::with_capacity(subscribers * events);
    let mut from_returned = Vec::with_capacity(subscribers * events);
    let mut missing = 0;
    for task in tasks {
        let arrivals = task.await??;
        missing += events - arrivals.len();
        for (seq, at) in arrivals {
            let (sent, returned) = commits[seq];
            from_sent.push(at.saturating_duration_since(sent).as_secs_f64() * 1000.0);
            from_returned.push(at.saturating_duration_since(returned).as_secs_f64() * 1000.0);
        }
    }
    let peak = sampler.stop().await;
    api.check_running()?;
    ensure!(
        missing == 0,
        "{missing} of {} deliveries did not arrive within 30 s",
        subscribers * events
    );
    from_sent.sort_by(f64::total_cmp);
    from_returned.sort_by(f64::total_cmp);
    let commit_ms = bench::median(
        commits
            .iter()
            .map(|(sent, returned)| (*returned - *sent).as_secs_f64() * 1000.0),
    );
    let p99 = percentile(&from_sent, 0.99);
    let met = p99 < TARGET_P99_MS;
    println!(
        "  {} deliveries, latency from COMMIT sent: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        from_sent.len(),
        percentile(&from_sent, 0.5),
        p99,
        percentile(&from_sent, 1.0)
    );
    println!(
        "  (from COMMIT returned to the committer: p50 {:.1} ms, p99 {:.1} ms; COMMIT itself, median {:.2} ms)",
        percentile(&from_returned, 0.5),
        percentile(&from_returned, 0.99),
        commit_ms
    );
    println!(
        "  target: p99 under {TARGET_P99_MS:.0} ms: {}",
        judged(met, p99, TARGET_P99_MS, false)
    );
    println!(
        "  api resident memory: {:.1} MB before subscribers, {:.1} MB with {subscribers} open, {:.1} MB peak while events flowed",
        mb(idle_kib),
        mb(subscribed_kib),
        mb(peak[0])
    );
    api.stop();
    probe.close().await;
    Ok(met)
}

/// (seq, arrival) of each of the `events` bench events on `stream`, until
/// all have come or the deadline passes.
async fn read(
    mut stream: EventStream,
    events: usize,
    deadline: Instant,
) -> anyhow::Result<Vec<(usize, Instant)>> {
    let mut arrivals = Vec::with_capacity(events);
    let deadline = tokio::time::Instant::from_std(deadline);
    while arrivals.len() < events {
        let Some(event) = stream.next_until(deadline).await else {
            break;
        };
        if event.kind == KIND
            && let Some(seq) = event.data["seq"].as_u64()
        {
            arrivals.push((seq as usize, event.arrived));
        }
    }
    Ok(arrivals)
}
