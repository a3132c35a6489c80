//! The release `api` and `worker` binaries as child processes, as
//! production runs them (shared::testing's `ChildProcess`, with the
//! production environment), and a sampler of their resident memory that
//! keeps each process's peak while a load runs.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, bail};

/// The processes run with ENV=production, which refuses a published or
/// guessable secret: a random one per run (three v4 UUIDs, 366 random bits).
fn jwt_secret() -> &'static str {
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| {
        format!(
            "{}{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        )
    })
}

pub use shared::testing::ChildProcess as Proc;

/// Runs a command to its end off the async runtime (wrk and pgbench run
/// for seconds) and returns its output.
pub async fn output(mut command: Command) -> anyhow::Result<std::process::Output> {
    Ok(tokio::task::spawn_blocking(move || command.output()).await??)
}

/// Megabytes (10^6 bytes), the unit of the memory targets.
pub fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

/// Where the api and worker binaries are: beside this one (one cargo
/// target directory builds all three), or LOAD_BENCH_BIN_DIR.
fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let dir = match std::env::var_os("LOAD_BENCH_BIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::current_exe()?
            .parent()
            .context("this binary has no directory")?
            .to_path_buf(),
    };
    let path = dir.join(name);
    if !path.is_file() {
        bail!(
            "{} is missing: build it with `cargo build --release -p {name}` (the scripts do)",
            path.display()
        );
    }
    Ok(path)
}

fn spawn(
    name: &str,
    binary: &Path,
    args: &[String],
    env: &[(&str, String)],
    scratch: &Path,
) -> anyhow::Result<Proc> {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ENV", "production")
        .env(
            "RUST_LOG",
            std::env::var("LOAD_BENCH_RUST_LOG").unwrap_or_else(|_| "info".into()),
        );
    // Allocator tuning, if any, reaches the processes measured.
    for (key, value) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("MALLOC_") {
            command.env(key, value);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    Proc::start(name, command, scratch)
}

/// Starts the api on a free loopback port with `max_connections` database
/// connections and waits until /readyz answers. Returns it and its base URL.
pub async fn start_api(
    database: &str,
    scratch: &Path,
    max_connections: u32,
) -> anyhow::Result<(Proc, String)> {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.local_addr()?.port()
    };
    let mut api = spawn(
        "api",
        &binary("api")?,
        &[],
        &[
            ("DATABASE_URL", shared::testing::app_url(database)),
            ("DATABASE_MAX_CONNECTIONS", max_connections.to_string()),
            // Every benchmark request is one school's: its share is the
            // whole pool here (the default is half), so the figures measure
            // the request path, not the share.
            ("API_SCHOOL_CONCURRENCY", max_connections.to_string()),
            ("JWT_SECRET", jwt_secret().into()),
            ("HOST", "127.0.0.1".into()),
            ("PORT", port.to_string()),
        ],
        scratch,
    )?;
    let base = format!("http://127.0.0.1:{port}");
    api.wait_ready(&format!("{base}/readyz"), Duration::from_secs(30))
        .await?;
    Ok((api, base))
}

/// How a worker process is run.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub concurrency: u64,
    pub batch_size: u64,
    pub max_connections: u32,
}

impl Default for WorkerOptions {
    /// The worker's own defaults.
    fn default() -> Self {
        Self {
            concurrency: 8,
            batch_size: 10,
            max_connections: 10,
        }
    }
}

pub fn start_worker(
    database: &str,
    scratch: &Path,
    index: usize,
    options: &WorkerOptions,
) -> anyhow::Result<Proc> {
    let mut worker = spawn(
        &format!("worker-{index}"),
        &binary("worker")?,
        &[
            "--concurrency".into(),
            options.concurrency.to_string(),
            "--batch-size".into(),
            options.batch_size.to_string(),
        ],
        &[
            ("DATABASE_URL", shared::testing::app_url(database)),
            (
                "DATABASE_MAX_CONNECTIONS",
                options.max_connections.to_string(),
            ),
            ("MAIL_DIR", scratch.join("mail").display().to_string()),
            // No model: nothing here chats.
            ("OLLAMA_BASE_URL", "http://127.0.0.1:9".into()),
            // Several workers may run at once: no health port each.
            ("WORKER_HTTP_PORT", "0".into()),
        ],
        scratch,
    )?;
    std::thread::sleep(Duration::from_millis(200));
    worker.check_running()?;
    Ok(worker)
}

/// Samples the resident memory of some processes every 50 ms and keeps
/// each one's peak until stopped.
pub struct Sampler {
    peaks: Vec<Arc<AtomicU64>>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Sampler {
    pub fn start(pids: &[u32]) -> Self {
        let peaks: Vec<Arc<AtomicU64>> = pids.iter().map(|_| Arc::default()).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let task = {
            let pids = pids.to_vec();
            let peaks = peaks.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    for (pid, peak) in pids.iter().zip(&peaks) {
                        if let Ok(kib) = shared::testing::process::rss_kib(*pid) {
                            peak.fetch_max(kib, Ordering::Relaxed);
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        Self { peaks, stop, task }
    }

    /// The peak of each process, in the order given, in KiB.
    pub async fn stop(self) -> Vec<u64> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        self.peaks
            .iter()
            .map(|peak| peak.load(Ordering::Relaxed))
            .collect()
    }
}
