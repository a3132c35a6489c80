//! wrk (Debian's `wrk`) run as a child process, and its figures read back.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{Context, bail, ensure};

pub struct WrkRun {
    pub requests_per_sec: f64,
    pub requests: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// `wrk --latency -t threads -c connections -d duration` against `url`
/// with `headers`; fails on any non-2xx answer or socket error.
pub async fn run(
    url: &str,
    headers: &[(&str, String)],
    threads: u64,
    connections: u64,
    duration: Duration,
) -> anyhow::Result<WrkRun> {
    let mut command = Command::new("wrk");
    command
        .arg("--latency")
        .arg(format!("-t{}", threads.min(connections)))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs()))
        .arg("--timeout")
        .arg("10s");
    for (name, value) in headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    command.arg(url).stdin(Stdio::null());
    let output = bench::procs::output(command)
        .await
        .context("running wrk (install Debian's wrk; `scripts/bench students` does)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "wrk failed ({}): {text}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    parse(&text).with_context(|| format!("reading wrk's output:\n{text}"))
}

fn parse(text: &str) -> anyhow::Result<WrkRun> {
    let mut run = WrkRun {
        requests_per_sec: f64::NAN,
        requests: 0,
        p50_ms: f64::NAN,
        p99_ms: f64::NAN,
    };
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", value] => run.requests_per_sec = value.parse()?,
            [n, "requests", "in", ..] => run.requests = n.parse()?,
            ["50%", value] => run.p50_ms = millis(value)?,
            ["99%", value] => run.p99_ms = millis(value)?,
            ["Non-2xx", "or", "3xx", "responses:", n] => {
                bail!("wrk saw {n} answers that were not 2xx or 3xx")
            }
            ["Socket", "errors:", ..] => bail!("wrk saw socket errors: {line}"),
            _ => {}
        }
    }
    ensure!(
        run.requests > 0 && run.requests_per_sec.is_finite(),
        "no requests counted"
    );
    Ok(run)
}

/// "812.00us", "1.23ms", "2.00s" as milliseconds.
fn millis(value: &str) -> anyhow::Result<f64> {
    let (number, scale) = if let Some(n) = value.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = value.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = value.strip_suffix('s') {
        (n, 1000.0)
    } else {
        bail!("a latency without a unit: {value:?}")
    };
    Ok(number.parse::<f64>()? * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_output_is_read() {
        let text = "Running 10s test @ http://127.0.0.1:1/students
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms  500.00us  12.00ms   80.00%
    Req/Sec     2.40k   100.00     2.60k    70.00%
  Latency Distribution
     50%  812.00us
     75%    2.00ms
     90%    3.00ms
     99%    1.20s
  47800 requests in 10.00s, 60.00MB read
Requests/sec:   4780.12
Transfer/sec:      6.00MB
";
        let run = parse(text).unwrap();
        assert_eq!(run.requests, 47800);
        assert!((run.requests_per_sec - 4780.12).abs() < 1e-9);
        assert!((run.p50_ms - 0.812).abs() < 1e-9);
        assert!((run.p99_ms - 1200.0).abs() < 1e-9);
    }

    #[test]
    fn wrk_output_with_errors_is_refused() {
        let text = "  10 requests in 1.00s, 1.00KB read\n  Non-2xx or 3xx responses: 3\nRequests/sec: 10.00\n";
        assert!(parse(text).is_err());
    }
}
