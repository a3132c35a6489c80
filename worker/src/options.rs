//! Worker options from flags or the environment (flags win), parsed by
//! clap; `worker --help` lists them.

use std::time::Duration;

use clap::Parser;

/// What `worker --help` says after the options.
const ALSO_READ: &str =
    "Also read: DATABASE_URL (the runtime role), DATABASE_MAX_CONNECTIONS, ENV, RUST_LOG,
DATABASE_POOL_MODE (session, or transaction behind PgBouncer in transaction mode),
DATABASE_DIRECT_URL (a direct session for LISTEN and pruning's lock; default DATABASE_URL),
SMTP_URL (smtp://host:port; unset: .eml files in MAIL_DIR, default .data/mail), MAIL_FROM,
OLLAMA_BASE_URL, OLLAMA_MODEL and the OLLAMA_*_TIMEOUT seconds.";

/// worker: runs SchoolOps background jobs
#[derive(Debug, Parser)]
#[command(name = "worker", after_help = ALSO_READ)]
pub struct Args {
    /// Queues to serve, comma separated (default: all). Known: invoices.generate,
    /// payments.post, notifications.send, notifications.email, invitations.email, chat.reply,
    /// reminders.send
    #[arg(long, env = "WORKER_QUEUES", value_name = "Q1,Q2", value_parser = queues)]
    queues: Option<Queues>,
    /// Jobs in flight per queue (1 to 256)
    #[arg(long, env = "WORKER_CONCURRENCY", value_name = "N", default_value = "8", value_parser = whole)]
    concurrency: u64,
    /// Jobs fetched per poll (1 to 1000)
    #[arg(long, env = "WORKER_BATCH_SIZE", value_name = "N", default_value = "10", value_parser = whole)]
    batch_size: u64,
    /// Worker heartbeat; a worker missing 3 is presumed dead and its jobs go
    /// back to the queue
    #[arg(long, env = "WORKER_HEARTBEAT_SECS", value_name = "N", default_value = "10", value_parser = whole)]
    heartbeat_secs: u64,
    /// On SIGTERM, how long in-flight jobs may finish
    #[arg(long, env = "WORKER_SHUTDOWN_SECS", value_name = "N", default_value = "30", value_parser = whole)]
    shutdown_secs: u64,
    /// How often to look for due reminder ticks; 0 turns the scheduler off in
    /// this process. Any number of processes may run it: each tick still runs once
    #[arg(long, env = "WORKER_SCHEDULER_SECS", value_name = "N", default_value = "5", value_parser = whole)]
    scheduler_secs: u64,
    /// Serve /healthz (process up), /readyz (database answers) and /metrics
    /// (Prometheus) on 0.0.0.0:N; 0 turns it off. Processes sharing a host need a port each
    #[arg(long, env = "WORKER_HTTP_PORT", value_name = "N", default_value = "9000", value_parser = port)]
    http_port: u16,
    /// How often to delete finished jobs and old events; 0 turns pruning off in
    /// this process. Any number of processes may run it: one at a time does the work
    #[arg(long, env = "WORKER_PRUNE_SECS", value_name = "N", default_value = "3600", value_parser = whole)]
    prune_secs: u64,
    /// Keep finished jobs this many days; 0 keeps them
    #[arg(long, env = "WORKER_PRUNE_JOBS_DAYS", value_name = "N", default_value = "7", value_parser = whole)]
    prune_jobs_days: u64,
    /// Keep events (the SSE history) this many days; 0 keeps them
    #[arg(long, env = "WORKER_PRUNE_EVENTS_DAYS", value_name = "N", default_value = "30", value_parser = whole)]
    prune_events_days: u64,
}

/// A whole number; surrounding blanks are ignored, as they always were.
fn whole(value: &str) -> Result<u64, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("needs a whole number, got {value:?}"))
}

fn port(value: &str) -> Result<u16, String> {
    let number = whole(value)?;
    u16::try_from(number).map_err(|_| format!("must be at most 65535, got {number}"))
}

#[derive(Debug, Clone)]
struct Queues(Vec<String>);

/// Comma separated, blanks around names and empty names ignored; an
/// unknown name is an error.
fn queues(value: &str) -> Result<Queues, String> {
    let queues: Vec<String> = value
        .split(',')
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .collect();
    match queues.iter().find(|q| !crate::QUEUES.contains(&q.as_str())) {
        Some(unknown) => Err(format!(
            "unknown queue {unknown:?}; known: {}",
            crate::QUEUES.join(", ")
        )),
        None => Ok(Queues(queues)),
    }
}

impl From<Args> for Options {
    /// Out-of-range numbers are brought into range, 0 turns a period off.
    fn from(args: Args) -> Self {
        let every = |secs: u64| (secs != 0).then(|| Duration::from_secs(secs));
        Self {
            queues: args.queues.map(|Queues(queues)| queues),
            concurrency: args.concurrency.clamp(1, 256) as usize,
            batch_size: args.batch_size.clamp(1, 1000) as usize,
            heartbeat: Duration::from_secs(args.heartbeat_secs.clamp(1, 300)),
            shutdown_timeout: Duration::from_secs(args.shutdown_secs.min(3600)),
            scheduler_every: every(args.scheduler_secs.min(3600)),
            http_port: (args.http_port != 0).then_some(args.http_port),
            prune_every: every(args.prune_secs.min(7 * 86400)),
            retention: Retention {
                jobs_days: days(args.prune_jobs_days),
                events_days: days(args.prune_events_days),
            },
            ..Self::default()
        }
    }
}

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
}

/// 0 keeps for good; a hundred years is as good as for good.
fn days(n: u64) -> Option<u32> {
    (n != 0).then(|| n.min(36_500) as u32)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// The tests give flags only: clap reads the WORKER_* variables itself,
    /// and the test process sets none.
    fn parse(flags: &[&str]) -> Result<Options, clap::Error> {
        Args::try_parse_from(std::iter::once("worker").chain(flags.iter().copied()))
            .map(Options::from)
    }

    #[test]
    fn every_option_reads_its_worker_variable() {
        let command = Args::command();
        let variables: Vec<(String, String)> = command
            .get_arguments()
            .filter_map(|arg| {
                let long = arg.get_long()?;
                let env = arg.get_env()?.to_str()?;
                Some((long.to_string(), env.to_string()))
            })
            .collect();
        for (long, env) in [
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
            assert!(
                variables.contains(&(long.to_string(), env.to_string())),
                "--{long} does not read {env}: {variables:?}"
            );
        }
        assert_eq!(variables.len(), 10, "{variables:?}");
    }

    #[test]
    fn no_flags_give_the_defaults() {
        let options = parse(&[]).unwrap();
        let default = Options::default();
        assert_eq!(options.queues, default.queues);
        assert_eq!(options.concurrency, 8);
        assert_eq!(options.batch_size, 10);
        assert_eq!(options.heartbeat, Duration::from_secs(10));
        assert_eq!(options.shutdown_timeout, Duration::from_secs(30));
        assert_eq!(options.scheduler_every, Some(Duration::from_secs(5)));
        assert_eq!(options.http_port, Some(9000));
        assert_eq!(options.prune_every, Some(Duration::from_secs(3600)));
        assert_eq!(options.retention, default.retention);
        assert_eq!(
            default.retention,
            Retention {
                jobs_days: Some(7),
                events_days: Some(30)
            }
        );
    }

    #[test]
    fn flags_set_queues_and_numbers_in_either_spelling() {
        let options =
            parse(&["--concurrency", "16", "--queues=payments.post, chat.reply,"]).unwrap();
        assert_eq!(options.concurrency, 16);
        assert!(options.runs("payments.post") && options.runs("chat.reply"));
        assert!(!options.runs("invoices.generate"));
        assert_eq!(parse(&["--concurrency", "0"]).unwrap().concurrency, 1);
    }

    #[test]
    fn zero_turns_the_scheduler_http_pruning_and_retention_off() {
        let off = parse(&[
            "--scheduler-secs",
            "0",
            "--http-port",
            "0",
            "--prune-secs=0",
        ])
        .unwrap();
        assert_eq!(off.scheduler_every, None);
        assert_eq!(off.http_port, None);
        assert_eq!(off.prune_every, None);
        let kept = parse(&["--prune-jobs-days", "2", "--prune-events-days", "0"]).unwrap();
        assert_eq!(
            kept.retention,
            Retention {
                jobs_days: Some(2),
                events_days: None
            }
        );
        assert!(parse(&["--http-port", "70000"]).is_err());
    }

    #[test]
    fn help_names_every_queue_the_worker_knows() {
        let help = Args::command().render_help().to_string();
        for queue in crate::QUEUES {
            assert!(help.contains(queue), "worker --help does not list {queue}");
        }
        assert!(help.contains("WORKER_CONCURRENCY"), "{help}");
    }

    #[test]
    fn unknown_queues_and_flags_are_refused() {
        assert!(parse(&["--queues", "emails"]).is_err());
        assert!(parse(&["--turbo", "1"]).is_err());
        assert!(parse(&["--concurrency", "many"]).is_err());
    }
}
