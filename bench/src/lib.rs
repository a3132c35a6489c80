//! What the benchmark binaries share. The binaries live in `src/bin/`:
//! `pipeline-bench` (invoice generation and payments through an in-process
//! api and worker), `chat-bench` (chat latency) and `load-bench` (students,
//! payments, SSE and memory against the release binaries as processes).
//! The client, seeding, the books check and child processes come from
//! `shared::testing`; here are the run around them (arguments, a fresh
//! database, exit status), the in-process api and worker, the production
//! processes and medians.

pub mod in_process;
pub mod payments;
pub mod procs;

use std::{future::Future, process::ExitCode, time::Duration};

use anyhow::bail;
use futures_util::FutureExt;

/// Exit status 1: the run failed (an error, a timeout, wrong rows).
pub const FAILED: u8 = 1;
/// Exit status 2: the run completed and a target was missed.
pub const MISSED: u8 = 2;

/// The parsed arguments, or the exit status after printing help (0) or a
/// usage error (1: clap's own 2 would read as "a target was missed").
pub fn parse_args<T: clap::Parser>() -> Result<T, ExitCode> {
    T::try_parse().map_err(|err| {
        let _ = err.print();
        if err.use_stderr() {
            ExitCode::from(FAILED)
        } else {
            ExitCode::SUCCESS
        }
    })
}

/// Runs a benchmark as its `main`: logs to stderr (RUST_LOG, default
/// `warn,sqlx::query=error`), a fresh database for `run`, then the
/// database dropped (unless `keep_db`) once the runtime, and with it every
/// in-process pool, has ended. `run` answers whether every target was met;
/// an error or a panic is a failed run.
pub fn main<F, Fut>(name: &str, keep_db: bool, run: F) -> ExitCode
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
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
            eprintln!("{name}: FAILED: starting the runtime: {err}");
            return ExitCode::from(FAILED);
        }
    };
    let outcome = runtime.block_on(async {
        for key in ["DATABASE_URL", "DATABASE_OWNER_URL"] {
            if std::env::var_os(key).is_none() {
                bail!(
                    "{key} is not set: run scripts/bench, or export it (schoolops-admin setup prints it)"
                );
            }
        }
        let database = fresh_database_within(Duration::from_secs(120)).await?;
        // The toolkit panics on an unexpected answer: that is a failed run.
        let outcome = std::panic::AssertUnwindSafe(run(database.clone()))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(anyhow::anyhow!("a check panicked (see above)")));
        Ok((database, outcome))
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
    let outcome = match outcome {
        Ok((database, outcome)) => {
            if keep_db {
                println!("database kept: {database}");
            } else {
                let dropped = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(anyhow::Error::from)
                    .and_then(|rt| {
                        rt.block_on(shared::testing::drop_database(&database))
                            .map_err(anyhow::Error::from)
                    });
                if let Err(err) = dropped {
                    eprintln!("{name}: could not drop {database}: {err:#}");
                }
            }
            outcome
        }
        Err(err) => Err(err),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("{name}: a target was missed");
            ExitCode::from(MISSED)
        }
        Err(err) => {
            eprintln!("{name}: FAILED: {err:#}");
            ExitCode::from(FAILED)
        }
    }
}

async fn fresh_database_within(limit: Duration) -> anyhow::Result<String> {
    // fresh_database panics on failure: catch it, so it is reported as an error.
    let created = std::panic::AssertUnwindSafe(shared::testing::fresh_database()).catch_unwind();
    match tokio::time::timeout(limit, created).await {
        Err(_) => bail!("creating the benchmark database timed out after {limit:?}"),
        Ok(Err(_)) => bail!("creating the benchmark database failed (see the panic above)"),
        Ok(Ok(database)) => Ok(database),
    }
}

/// A pool of at most `max` runtime-role connections on `database`.
pub async fn app_pool(database: &str, max: u32) -> anyhow::Result<sqlx::PgPool> {
    use anyhow::Context;
    shared::testing::app_pool_with(database, max)
        .await
        .context("connecting as the runtime role (DATABASE_URL)")
}

pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The value at `p` (0 to 1) of `sorted`, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// "+12.3%" / "-4.5%": how far `value` is past `target` (higher is better
/// when `higher_is_better`).
pub fn margin(value: f64, target: f64, higher_is_better: bool) -> String {
    let over = if higher_is_better {
        value / target - 1.0
    } else {
        1.0 - value / target
    };
    format!("{:+.1}%", over * 100.0)
}

/// "met (margin +12.3%)" or "MISSED (margin -4.5%)".
pub fn judged(met: bool, value: f64, target: f64, higher_is_better: bool) -> String {
    let word = if met { "met" } else { "MISSED" };
    format!(
        "{word} (margin {})",
        margin(value, target, higher_is_better)
    )
}

/// Checks the school's books (as the runtime role on `probe`) and that
/// the api's trial balance agrees; returns them for the report.
pub async fn check_books(
    member: &shared::testing::Member,
    probe: &sqlx::PgPool,
) -> anyhow::Result<shared::testing::Books> {
    let trial = member.trial_balance().await;
    let mut tx = shared::db::begin_tenant(probe, member.school, None).await?;
    let books = shared::testing::Books::read(&mut tx).await?;
    tx.commit().await?;
    books.check().map_err(anyhow::Error::msg)?;
    books.agrees_with(&trial).map_err(anyhow::Error::msg)?;
    Ok(books)
}

/// A bursar signed up through the api at `base`, with a school and a class
/// "Grade 4 East" of `students` (inserted in bulk as the runtime role on
/// `probe`), each invoiced for Term 1 2025 by POST /invoices/generate.
pub async fn school_with_invoices(
    base: &str,
    probe: &sqlx::PgPool,
    students: usize,
) -> anyhow::Result<(shared::testing::Member, uuid::Uuid, Vec<uuid::Uuid>)> {
    let api = shared::testing::ApiClient::with_timeout(base, Duration::from_secs(60));
    let bursar = api
        .owner_with_school("bursar@load.example", "Imara Academy")
        .await;
    let class = bursar.grade_4_east().await;
    let mut tx = shared::db::begin_tenant(probe, bursar.school, None).await?;
    let ids = shared::testing::seed::students(&mut tx, class, students).await?;
    tx.commit().await?;
    bursar
        .generate_invoices(class, 1, 2025, Duration::from_secs(60))
        .await;
    Ok((bursar, class, ids))
}
