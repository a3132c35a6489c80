//! load-bench: load benchmarks against the real release binaries `api` and
//! `worker`, run as separate processes on a fresh database, each printing
//! its figures, its target and the margin.
//!
//!   students  GET /students (50 rows, under RLS) with wrk against pgbench
//!             running the same transaction; target at least 70% of pgbench.
//!   payments  POST /payments until every payment is POSTED, then the
//!             ledger checked; target at least 1,000 per second.
//!   sse       1,000 subscribers of GET /events; latency from COMMIT to
//!             each client, p50 and p99; target p99 under 50 ms.
//!   memory    resident memory of api and worker, idle and under the load
//!             of the two first; targets under 30 MB idle and 150 MB loaded.
//!
//! Run with scripts/bench-students, -payments, -sse, -memory, which prepare
//! PostgreSQL, the tools and the binaries. Exit status: 0 the target was
//! met, 1 the run failed, 2 the run completed and a target was missed.

mod flags;
mod memory;
mod payments;
mod pgbench;
mod procs;
mod seed;
mod sse;
mod students;
mod wrk;

use std::{process::ExitCode, time::Duration};

use bench::{drop_database, fresh_database_within};
use flags::Flags;

const HELP: &str = "load-bench: load benchmarks against the release api and worker processes

USAGE: load-bench students [--connections N] [--duration-secs N] [--rounds N] [--threads N]
       load-bench payments [--payments N] [--concurrency N] [--students N] [--workers N]
                           [--worker-concurrency N] [--batch-size N] [--timeout-secs N]
       load-bench sse      [--subscribers N] [--events N] [--interval-ms N]
       load-bench memory   [--duration-secs N] [--payments N]
       (any of them: --keep-db keeps the benchmark database; --help per subcommand)

Needs DATABASE_URL (runtime role) and DATABASE_OWNER_URL, and wrk and pgbench on PATH;
scripts/bench-students (and -payments, -sse, -memory) set them up.
Exit status: 0 target met, 1 the run failed, 2 a target was missed.";

/// The outcome of a completed run: whether every target was met.
pub struct Verdict {
    pub met: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        println!("{HELP}");
        return ExitCode::from(1);
    };
    if command == "-h" || command == "--help" {
        println!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let flags = match Flags::parse(rest) {
        Ok(flags) => flags,
        Err(err) => {
            eprintln!("load-bench: {err:#}");
            return ExitCode::from(1);
        }
    };
    if flags.help() {
        println!("{}", help_for(command));
        return ExitCode::SUCCESS;
    }
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
            eprintln!("load-bench: FAILED: starting the runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let keep_db = flags.has("keep-db");
    let outcome = runtime.block_on(async {
        for key in ["DATABASE_URL", "DATABASE_OWNER_URL"] {
            if std::env::var_os(key).is_none() {
                anyhow::bail!(
                    "{key} is not set: run scripts/bench-{command}, or export it (schoolops-admin setup prints it)"
                );
            }
        }
        let database = fresh_database_within(Duration::from_secs(120)).await?;
        let outcome = run(command, &flags, &database).await;
        Ok((database, outcome))
    });
    let outcome = match outcome {
        Ok((database, outcome)) => {
            // The processes' logs: kept when the run failed, to read.
            let scratch = procs::scratch_path(&database);
            if outcome.is_ok() && !keep_db {
                let _ = std::fs::remove_dir_all(&scratch);
            } else if scratch.exists() {
                eprintln!(
                    "load-bench: the api and worker logs are in {}",
                    scratch.display()
                );
            }
            if keep_db {
                println!("database kept: {database}");
            } else if let Err(err) = runtime.block_on(drop_database(&database)) {
                eprintln!("load-bench: could not drop {database}: {err:#}");
            }
            outcome
        }
        Err(err) => Err(err),
    };
    runtime.shutdown_timeout(Duration::from_secs(5));
    match outcome {
        Ok(Verdict { met: true }) => ExitCode::SUCCESS,
        Ok(Verdict { met: false }) => {
            println!("load-bench {command}: a target was missed");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("load-bench {command}: FAILED: {err:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(command: &str, flags: &Flags, database: &str) -> anyhow::Result<Verdict> {
    match command {
        "students" => students::run(flags, database).await,
        "payments" => payments::run(flags, database).await,
        "sse" => sse::run(flags, database).await,
        "memory" => memory::run(flags, database).await,
        other => anyhow::bail!("unknown benchmark {other:?}\n\n{HELP}"),
    }
}

fn help_for(command: &str) -> &'static str {
    match command {
        "students" => students::HELP,
        "payments" => payments::HELP,
        "sse" => sse::HELP,
        "memory" => memory::HELP,
        _ => HELP,
    }
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
