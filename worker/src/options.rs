//! Worker options from flags or the environment; `worker --help` lists them.

use std::time::Duration;

use anyhow::{Context, bail};

pub const HELP: &str = "worker: runs SchoolOps background jobs

USAGE: worker [--queues Q1,Q2] [--concurrency N] [--batch-size N] [--heartbeat-secs N] [--shutdown-secs N]
              [--scheduler-secs N] [--http-port N] [--prune-secs N] [--prune-jobs-days N]
              [--prune-events-days N]

  --queues          queues to serve, comma separated (WORKER_QUEUES; default: all)
                    known: invoices.generate, payments.post, notifications.send, notifications.email,
                    chat.reply, reminders.send
  --concurrency     jobs in flight per queue (WORKER_CONCURRENCY; default 8)
  --batch-size      jobs fetched per poll (WORKER_BATCH_SIZE; default 10)
  --heartbeat-secs  worker heartbeat; a worker missing 3 is presumed dead and its
                    jobs go back to the queue (WORKER_HEARTBEAT_SECS; default 10)
  --shutdown-secs   on SIGTERM, how long in-flight jobs may finish (WORKER_SHUTDOWN_SECS; default 30)
  --scheduler-secs  how often to look for due reminder ticks; 0 turns the scheduler off in this
                    process (WORKER_SCHEDULER_SECS; default 5). Any number of processes may run it:
                    each tick still runs once.
  --http-port       serve /healthz (process up), /readyz (database answers) and /metrics
                    (Prometheus) on 0.0.0.0:N; 0 turns it off (WORKER_HTTP_PORT; default 9000).
                    Processes sharing a host need a port each.
  --prune-secs      how often to delete finished jobs and old events; 0 turns pruning off in this
                    process (WORKER_PRUNE_SECS; default 3600). Any number of processes may run it:
                    one at a time does the work.
  --prune-jobs-days   keep finished jobs this many days; 0 keeps them (WORKER_PRUNE_JOBS_DAYS; default 7)
  --prune-events-days keep events (the SSE history) this many days; 0 keeps them
                    (WORKER_PRUNE_EVENTS_DAYS; default 30)

Also read: DATABASE_URL (the runtime role), DATABASE_MAX_CONNECTIONS, ENV, RUST_LOG,
SMTP_URL (smtp://host:port; unset: .eml files in MAIL_DIR, default .data/mail), MAIL_FROM.";

#[derive(Debug, Clone)]
pub struct Options {
    pub queues: Option<Vec<String>>,
    pub concurrency: usize,
    pub batch_size: usize,
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
    pub shutdown_timeout: Duration,
    /// How often to look for due retries and scheduled jobs (LISTEN wakes it for new ones).
    pub poll_interval: Duration,
    /// How often the reminder scheduler looks for due ticks; None: not here.
    pub scheduler_every: Option<Duration>,
    /// Port of /healthz, /readyz and /metrics; None: not served. Only the
    /// binary serves it; `run` does not.
    pub http_port: Option<u16>,
    /// How often to prune finished jobs and old events; None: not here.
    pub prune_every: Option<Duration>,
    pub retention: Retention,
}

/// How long finished work is kept; None keeps it for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub jobs_days: Option<u32>,
    pub events_days: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            queues: None,
            concurrency: 8,
            batch_size: 10,
            heartbeat: Duration::from_secs(10),
            missed_heartbeats: 3,
            shutdown_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            scheduler_every: Some(Duration::from_secs(5)),
            http_port: Some(9000),
            prune_every: Some(Duration::from_secs(3600)),
            retention: Retention {
                jobs_days: Some(7),
                events_days: Some(30),
            },
        }
    }
}

impl Options {
    pub fn runs(&self, queue: &str) -> bool {
        self.queues
            .as_ref()
            .is_none_or(|queues| queues.iter().any(|q| q == queue))
    }

    /// Flags win over the environment; unknown flags and queues are errors.
    pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut options = Self::default();
        let mut set = |key: &str, value: &str| -> anyhow::Result<()> {
            let number = || {
                value
                    .parse::<u64>()
                    .with_context(|| format!("{key} needs a whole number, got {value:?}"))
            };
            match key {
                "queues" => {
                    let queues: Vec<String> = value
                        .split(',')
                        .map(|q| q.trim().to_string())
                        .filter(|q| !q.is_empty())
                        .collect();
                    if let Some(unknown) =
                        queues.iter().find(|q| !crate::QUEUES.contains(&q.as_str()))
                    {
                        bail!(
                            "unknown queue {unknown:?}; known: {}",
                            crate::QUEUES.join(", ")
                        );
                    }
                    options.queues = Some(queues);
                }
                "concurrency" => options.concurrency = number()?.clamp(1, 256) as usize,
                "batch-size" => options.batch_size = number()?.clamp(1, 1000) as usize,
                "heartbeat-secs" => {
                    options.heartbeat = Duration::from_secs(number()?.clamp(1, 300))
                }
                "shutdown-secs" => {
                    options.shutdown_timeout = Duration::from_secs(number()?.min(3600))
                }
                "scheduler-secs" => {
                    options.scheduler_every = match number()?.min(3600) {
                        0 => None,
                        secs => Some(Duration::from_secs(secs)),
                    }
                }
                "http-port" => {
                    let port = u16::try_from(number()?)
                        .with_context(|| format!("{key} must be at most 65535, got {value}"))?;
                    options.http_port = (port != 0).then_some(port);
                }
                "prune-secs" => {
                    options.prune_every = match number()?.min(7 * 86400) {
                        0 => None,
                        secs => Some(Duration::from_secs(secs)),
                    }
                }
                "prune-jobs-days" => options.retention.jobs_days = days(number()?),
                "prune-events-days" => options.retention.events_days = days(number()?),
                other => bail!("unknown option --{other}\n\n{HELP}"),
            }
            Ok(())
        };
        for (key, var) in [
            ("queues", "WORKER_QUEUES"),
            ("concurrency", "WORKER_CONCURRENCY"),
            ("batch-size", "WORKER_BATCH_SIZE"),
            ("heartbeat-secs", "WORKER_HEARTBEAT_SECS"),
            ("shutdown-secs", "WORKER_SHUTDOWN_SECS"),
            ("scheduler-secs", "WORKER_SCHEDULER_SECS"),
            ("http-port", "WORKER_HTTP_PORT"),
            ("prune-secs", "WORKER_PRUNE_SECS"),
            ("prune-jobs-days", "WORKER_PRUNE_JOBS_DAYS"),
            ("prune-events-days", "WORKER_PRUNE_EVENTS_DAYS"),
        ] {
            if let Some(value) = env(var).filter(|v| !v.trim().is_empty()) {
                set(key, value.trim())?;
            }
        }
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let flag = arg
                .strip_prefix("--")
                .with_context(|| format!("unexpected argument {arg:?}\n\n{HELP}"))?;
            let (key, value) = match flag.split_once('=') {
                Some((key, value)) => (key.to_string(), value.to_string()),
                None => (
                    flag.to_string(),
                    args.next()
                        .with_context(|| format!("--{flag} needs a value"))?
                        .clone(),
                ),
            };
            set(&key, &value)?;
        }
        Ok(options)
    }
}

/// 0 keeps for good; a hundred years is as good as for good.
fn days(n: u64) -> Option<u32> {
    (n != 0).then(|| n.min(36_500) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_override_the_environment() {
        let env = |key: &str| (key == "WORKER_CONCURRENCY").then(|| "4".to_string());
        let options = Options::parse(
            &args(&["--concurrency", "16", "--queues=payments.post"]),
            env,
        )
        .unwrap();
        assert_eq!(options.concurrency, 16);
        assert!(options.runs("payments.post") && !options.runs("invoices.generate"));
    }

    #[test]
    fn the_scheduler_runs_every_five_seconds_unless_told_otherwise() {
        let default = Options::parse(&[], |_| None).unwrap();
        assert_eq!(default.scheduler_every, Some(Duration::from_secs(5)));
        let off = Options::parse(&args(&["--scheduler-secs", "0"]), |_| None).unwrap();
        assert_eq!(off.scheduler_every, None);
        let env = |key: &str| (key == "WORKER_SCHEDULER_SECS").then(|| "1".to_string());
        let fast = Options::parse(&[], env).unwrap();
        assert_eq!(fast.scheduler_every, Some(Duration::from_secs(1)));
        assert!(Options::parse(&args(&["--queues", "reminders.send"]), |_| None).is_ok());
    }

    #[test]
    fn http_port_and_retention_come_from_flags_or_environment_and_zero_turns_them_off() {
        let default = Options::parse(&[], |_| None).unwrap();
        assert_eq!(default.http_port, Some(9000));
        assert_eq!(default.prune_every, Some(Duration::from_secs(3600)));
        assert_eq!(
            default.retention,
            Retention {
                jobs_days: Some(7),
                events_days: Some(30)
            }
        );
        let env = |key: &str| match key {
            "WORKER_HTTP_PORT" => Some("9100".to_string()),
            "WORKER_PRUNE_EVENTS_DAYS" => Some("0".to_string()),
            _ => None,
        };
        let options =
            Options::parse(&args(&["--prune-jobs-days", "2", "--prune-secs=0"]), env).unwrap();
        assert_eq!(options.http_port, Some(9100));
        assert_eq!(options.prune_every, None);
        assert_eq!(
            options.retention,
            Retention {
                jobs_days: Some(2),
                events_days: None
            }
        );
        let off = Options::parse(&args(&["--http-port", "0"]), |_| None).unwrap();
        assert_eq!(off.http_port, None);
        assert!(Options::parse(&args(&["--http-port", "70000"]), |_| None).is_err());
    }

    #[test]
    fn help_names_every_queue_the_worker_knows() {
        for queue in crate::QUEUES {
            assert!(HELP.contains(queue), "worker --help does not list {queue}");
        }
    }

    #[test]
    fn unknown_queues_and_flags_are_refused() {
        assert!(Options::parse(&args(&["--queues", "emails"]), |_| None).is_err());
        assert!(Options::parse(&args(&["--turbo", "1"]), |_| None).is_err());
        assert!(Options::parse(&args(&["--concurrency", "many"]), |_| None).is_err());
    }
}
