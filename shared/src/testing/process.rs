//! The api or worker binary as a child process: started with its
//! environment and its output in a log file, waited for until an HTTP
//! address answers, stopped (SIGTERM, then SIGKILL) or killed, and always
//! killed and reaped when dropped, so no test or benchmark leaves one behind.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use uuid::Uuid;

pub struct ChildProcess {
    name: String,
    child: Child,
    log: PathBuf,
}

impl ChildProcess {
    /// Starts `command` with no stdin and its stdout and stderr in
    /// `<dir>/<name>.log`, in `dir` (which has no .env to pick up).
    pub fn start(name: &str, mut command: Command, dir: &Path) -> anyhow::Result<Self> {
        let log = dir.join(format!("{name}.log"));
        let out =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = command
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {name} ({:?})", command.get_program()))?;
        Ok(Self {
            name: name.to_string(),
            child,
            log,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Fails, naming its log, when the process has exited.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); its log: {}",
                self.name,
                self.log.display()
            );
        }
        Ok(())
    }

    /// Panics with the process's log if it has exited on its own.
    pub fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited on its own ({status}); its log:\n{}",
                self.name,
                self.log_text()
            );
        }
    }

    /// Waits until GET `url` answers 2xx, for at most `limit`; fails if
    /// the process exits first.
    pub async fn wait_ready(&mut self, url: &str, limit: Duration) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + limit;
        loop {
            self.check_running()?;
            if let Ok(response) = client.get(url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not answer {url} within {limit:?}; its log: {}",
                    self.name,
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no drain, no cleanup, no chance to release its jobs.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, up to 15 s to drain, then SIGKILL.
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
    }

    /// Resident memory now, in KiB (VmRSS of /proc/<pid>/status).
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        rss_kib(self.pid())
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The resident memory of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no VmRSS in /proc/{pid}/status"))
}

/// The worker binary at `binary` as the tests run it: on `database` as the
/// runtime role, mail as files under `<dir>/mail`, a 1 s heartbeat (a dead
/// worker's jobs go back to the queue after 3 s), no health port (several
/// run on one host), development logs at info. Add or override with `.env`.
pub fn worker_command(binary: &Path, database: &str, dir: &Path) -> Command {
    let mut command = Command::new(binary);
    command
        .env("DATABASE_URL", super::app_url(database))
        .env("WORKER_HEARTBEAT_SECS", "1")
        .env("WORKER_HTTP_PORT", "0")
        .env("MAIL_DIR", dir.join("mail"))
        .env("ENV", "development")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1");
    command
}

/// A scratch directory (logs, mail) removed when dropped, unless kept.
pub struct Scratch {
    path: PathBuf,
    keep: bool,
}

impl Scratch {
    /// A new directory `schoolops-<label>-<random>` under the temp dir, with a `mail` folder.
    pub fn new(label: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("schoolops-{label}-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(path.join("mail")).expect("create a scratch directory");
        Self { path, keep: false }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Leaves the directory in place when dropped (to read its logs).
    pub fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
