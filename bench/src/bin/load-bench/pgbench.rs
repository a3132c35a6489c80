//! pgbench run as a child process on a custom script, and its figures read
//! back.

use std::{
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{Context, ensure};

pub struct PgbenchRun {
    pub tps: f64,
    pub transactions: u64,
    pub latency_ms: f64,
}

/// `pgbench -n -M simple -c clients -j threads -T duration -f script` on
/// `url`, with `-D name=value` for each variable.
pub async fn run(
    url: &str,
    script: &Path,
    variables: &[(&str, String)],
    clients: u64,
    threads: u64,
    duration: Duration,
) -> anyhow::Result<PgbenchRun> {
    let mut command = Command::new(pgbench());
    command
        .args(["-n", "-M", "simple"])
        .arg(format!("-c{clients}"))
        .arg(format!("-j{}", threads.min(clients)))
        .arg(format!("-T{}", duration.as_secs()))
        .arg("-f")
        .arg(script);
    for (name, value) in variables {
        command.arg("-D").arg(format!("{name}={value}"));
    }
    command.arg(url).stdin(Stdio::null());
    let output = bench::procs::output(command).await.context(
        "running pgbench (Debian's postgresql-client; `scripts/bench students` installs it)",
    )?;
    let text = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "pgbench failed ({}): {text}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    parse(&text).with_context(|| format!("reading pgbench's output:\n{text}"))
}

/// pgbench on PATH, else the newest under /usr/lib/postgresql.
fn pgbench() -> String {
    if let Ok(path) = std::env::var("PGBENCH") {
        return path;
    }
    for version in (12..=20).rev() {
        let path = format!("/usr/lib/postgresql/{version}/bin/pgbench");
        if Path::new(&path).is_file() {
            return path;
        }
    }
    "pgbench".into()
}

fn parse(text: &str) -> anyhow::Result<PgbenchRun> {
    let mut run = PgbenchRun {
        tps: f64::NAN,
        transactions: 0,
        latency_ms: f64::NAN,
    };
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("tps = ") {
            run.tps = rest.split_whitespace().next().unwrap_or("").parse()?;
        } else if let Some(rest) = line.strip_prefix("number of transactions actually processed: ")
        {
            run.transactions = rest.split_whitespace().next().unwrap_or("").parse()?;
        } else if let Some(rest) = line.strip_prefix("latency average = ") {
            run.latency_ms = rest.split_whitespace().next().unwrap_or("").parse()?;
        } else if let Some(rest) = line.strip_prefix("number of failed transactions: ") {
            let failed: u64 = rest.split_whitespace().next().unwrap_or("").parse()?;
            ensure!(failed == 0, "pgbench reports {failed} failed transactions");
        }
    }
    ensure!(
        run.transactions > 0 && run.tps.is_finite(),
        "no transactions counted"
    );
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgbench_output_is_read() {
        let text = "transaction type: students.sql
scaling factor: 1
query mode: simple
number of clients: 10
number of threads: 2
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 61234
number of failed transactions: 0 (0.000%)
latency average = 1.633 ms
initial connection time = 20.123 ms
tps = 6123.400000 (without initial connection time)
";
        let run = parse(text).unwrap();
        assert_eq!(run.transactions, 61234);
        assert!((run.tps - 6123.4).abs() < 1e-9);
        assert!((run.latency_ms - 1.633).abs() < 1e-9);
    }
}
