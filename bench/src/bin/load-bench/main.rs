//! load-bench: load benchmarks against the real release binaries `api` and
//! `worker`, run as separate processes on a fresh database, each printing
//! its figures, its target and the margin.
//!
//!   students  GET /students (50 rows, under RLS) with wrk against pgbench
//!             running the same transaction; target at least 70% of pgbench.
//!   payments  POST /payments until every payment is POSTED, then the
//!             ledger is checked; target at least 1,000 per second.
//!   sse       1,000 subscribers of GET /events; latency from COMMIT to
//!             each client, p50 and p99; target p99 under 50 ms.
//!   memory    resident memory of api and worker, idle and under the load
//!             of the two first; targets under 30 MB idle and 150 MB loaded.
//!
//! Run with `scripts/bench students|payments|sse|memory`, which prepares
//! PostgreSQL, the tools and the binaries. Exit status: 0 the target was
//! met, 1 the run failed, 2 the run completed and a target was missed.

mod memory;
mod payments;
mod pgbench;
mod sse;
mod students;
mod wrk;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use shared::testing::Scratch;

#[derive(Parser)]
#[command(
    name = "load-bench",
    about = "load-bench: load benchmarks against the release api and worker processes",
    after_help = "Needs DATABASE_URL (runtime role) and DATABASE_OWNER_URL, and wrk and pgbench on PATH;\n\
                  `scripts/bench students` (and payments, sse, memory) set them up. The api and worker\n\
                  binaries are taken from beside this one, or from LOAD_BENCH_BIN_DIR.\n\
                  Exit status: 0 target met, 1 the run failed, 2 a target was missed."
)]
struct Args {
    #[command(subcommand)]
    benchmark: Benchmark,
    /// Keep the benchmark database (its name is printed) and the processes' logs.
    #[arg(long, global = true)]
    keep_db: bool,
}

#[derive(Subcommand)]
enum Benchmark {
    /// GET /students with wrk against pgbench.
    Students(students::Args),
    /// Payments posted per second through api and worker processes.
    Payments(payments::Args),
    /// Commit-to-client latency with many SSE subscribers.
    Sse(sse::Args),
    /// Resident memory of api and worker, idle and loaded.
    Memory(memory::Args),
}

impl Benchmark {
    fn name(&self) -> &'static str {
        match self {
            Self::Students(_) => "students",
            Self::Payments(_) => "payments",
            Self::Sse(_) => "sse",
            Self::Memory(_) => "memory",
        }
    }
}

fn main() -> ExitCode {
    let args: Args = match bench::parse_args() {
        Ok(args) => args,
        Err(code) => return code,
    };
    let name = format!("load-bench {}", args.benchmark.name());
    bench::main(&name, args.keep_db, |database| async move {
        // Kept unless the run succeeds: the processes' logs, to read.
        let mut scratch = Scratch::new(&format!("load-bench-{database}"));
        scratch.keep();
        let outcome = match &args.benchmark {
            Benchmark::Students(a) => students::run(a, &database, scratch.path()).await,
            Benchmark::Payments(a) => payments::run(a, &database, scratch.path()).await,
            Benchmark::Sse(a) => sse::run(a, &database, scratch.path()).await,
            Benchmark::Memory(a) => memory::run(a, &database, scratch.path()).await,
        };
        if outcome.is_ok() && !args.keep_db {
            let _ = std::fs::remove_dir_all(scratch.path());
        } else {
            eprintln!(
                "load-bench: the api and worker logs are in {}",
                scratch.path().display()
            );
        }
        outcome
    })
}
