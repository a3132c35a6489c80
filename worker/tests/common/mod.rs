//! What the tests that run the real worker binary share: the worker as a
//! child process and a scratch directory for its logs and mail.

// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use uuid::Uuid;

/// A worker binary running as a child process; killed (SIGKILL) and reaped
/// when dropped, so no test path leaves one behind.
pub struct WorkerProcess {
    child: Child,
    log: PathBuf,
}

impl WorkerProcess {
    /// Starts `worker` on `database` with a 1 s heartbeat (the jobs of a
    /// dead worker go back to the queue after 3 s) and no health port
    /// (several run on one host), plus `env`.
    pub fn start(database: &str, dir: &Path, name: &str, env: &[(&str, &str)]) -> Self {
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_worker"));
        // No .env from the working tree: the environment is all here.
        command
            .current_dir(dir)
            .env("DATABASE_URL", shared::testing::app_url(database))
            .env("WORKER_HEARTBEAT_SECS", "1")
            .env("WORKER_HTTP_PORT", "0")
            .env("MAIL_DIR", dir.join("mail"))
            .env("ENV", "development")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1");
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start the worker binary");
        Self { child, log }
    }

    /// Panics with the worker's log if it has exited on its own.
    pub fn assert_alive(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!(
                "the worker exited on its own ({status}); its log:\n{}",
                self.log_text()
            );
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no drain, no cleanup, no chance to release its jobs.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A scratch directory for worker logs and mail, removed at the end
/// (failures print the worker's log in their message).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("schoolops-worker-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
