//! sse: many subscribers of GET /events on one school of the api process;
//! events committed one at a time (shared::events::append in a tenant
//! transaction, as the worker does); each delivery timed from the moment
//! COMMIT was sent to the moment the subscriber read the event. Target:
//! p99 under 50 ms with 1,000 subscribers.

use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bench::app_pool;
use futures_util::{StreamExt, stream};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    Verdict,
    flags::Flags,
    judged,
    procs::{self, Sampler, mb},
    seed::Api,
};

pub const HELP: &str = "load-bench sse: commit-to-client latency with many SSE subscribers

USAGE: load-bench sse [--subscribers N] [--events N] [--interval-ms N]

  --subscribers  concurrent GET /events connections to one school (default 1000)
  --events       events committed, one at a time (default 50)
  --interval-ms  pause between events (default 100)

Target: p99 under 50 ms from COMMIT sent to the event read by the subscriber,
over every delivery. Raises no file limit itself: scripts/bench-sse does (ulimit -n).";

const TARGET_P99_MS: f64 = 50.0;
const KIND: &str = "bench.tick";

pub async fn run(flags: &Flags, database: &str) -> anyhow::Result<Verdict> {
    flags.only(&["subscribers", "events", "interval-ms"])?;
    let subscribers = flags.number("subscribers", 1000, 1..=10_000)? as usize;
    let events = flags.number("events", 50, 1..=10_000)? as usize;
    let interval = Duration::from_millis(flags.number("interval-ms", 100, 0..=10_000)?);

    let scratch = procs::scratch(database)?;
    let probe = app_pool(database, 2).await?;
    let (mut api, base) = procs::start_api(database, &scratch, 10).await?;
    let client = Api::sign_up(&base).await?;
    let idle_kib = api.rss_kib()?;

    // Every subscriber on its own connection, opened 50 at a time.
    let opened = Instant::now();
    let readers: Vec<anyhow::Result<Reader>> = stream::iter(0..subscribers)
        .map(|_| Reader::open(&client))
        .buffer_unordered(50)
        .collect()
        .await;
    let readers = readers
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()
        .context("opening the subscribers (is `ulimit -n` high enough?)")?;
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
        .map(|reader| tokio::spawn(reader.read(events, deadline)))
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
    Ok(Verdict { met })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// One subscriber: an open GET /events answer, read as it arrives.
struct Reader {
    response: reqwest::Response,
}

impl Reader {
    async fn open(client: &Api) -> anyhow::Result<Self> {
        let response = client.request(Method::GET, "/events").send().await?;
        if !response.status().is_success() {
            bail!("GET /events answered {}", response.status());
        }
        Ok(Self { response })
    }

    /// (seq, arrival) of each of the `events` bench events, until all have
    /// come or the deadline passes.
    async fn read(
        mut self,
        events: usize,
        deadline: Instant,
    ) -> anyhow::Result<Vec<(usize, Instant)>> {
        let mut arrivals = Vec::with_capacity(events);
        let mut buffer: Vec<u8> = Vec::new();
        let deadline = tokio::time::Instant::from_std(deadline);
        while arrivals.len() < events {
            let chunk = match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => break,
                Ok(chunk) => chunk?.context("the event stream ended")?,
            };
            let at = Instant::now();
            buffer.extend_from_slice(&chunk);
            while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = buffer.drain(..end + 2).collect();
                if let Some(seq) = bench_seq(&String::from_utf8_lossy(&block)) {
                    arrivals.push((seq, at));
                }
            }
        }
        Ok(arrivals)
    }
}

/// The seq of a bench event's SSE block; None for any other block.
fn bench_seq(block: &str) -> Option<usize> {
    let mut kind = None;
    let mut data = String::new();
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            kind = Some(v.trim());
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    if kind != Some(KIND) {
        return None;
    }
    let payload: Value = serde_json::from_str(&data).ok()?;
    payload["seq"].as_u64().map(|seq| seq as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bench_block_gives_its_seq_and_others_none() {
        assert_eq!(
            bench_seq("id: 7\nevent: bench.tick\ndata: {\"seq\":3}\n\n"),
            Some(3)
        );
        assert_eq!(
            bench_seq("id: 8\nevent: payment.posted\ndata: {\"seq\":3}\n\n"),
            None
        );
        assert_eq!(bench_seq(": keep-alive\n\n"), None);
    }
}
