//! Prometheus metrics in the text exposition format (0.0.4): labelled
//! counters and histograms kept in memory, gauges written when scraped.
//! A few dozen lines cover what the api and worker report, so no metrics
//! crate: label sets are bounded by the callers (route templates, queue
//! names), never taken from raw input.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{Mutex, MutexGuard, PoisonError},
};

/// The `Content-Type` of a scrape answer.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Seconds: from a quick read to a class-wide invoice run.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

type Labels = Vec<String>;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves numbers that are still numbers.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A counter family: one monotonic count per label set.
pub struct Counter {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    values: Mutex<BTreeMap<Labels, u64>>,
}

impl Counter {
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            help,
            labels,
            values: Mutex::new(BTreeMap::new()),
        }
    }

    /// Adds `by` to the series with these label values (in `labels` order).
    pub fn add(&self, values: &[&str], by: u64) {
        debug_assert_eq!(values.len(), self.labels.len(), "{}", self.name);
        let key: Labels = values.iter().map(|v| v.to_string()).collect();
        *lock(&self.values).entry(key).or_insert(0) += by;
    }

    pub fn inc(&self, values: &[&str]) {
        self.add(values, 1);
    }

    /// The current count of one series (0 if never touched).
    pub fn get(&self, values: &[&str]) -> u64 {
        let key: Labels = values.iter().map(|v| v.to_string()).collect();
        lock(&self.values).get(&key).copied().unwrap_or(0)
    }

    pub fn render(&self, out: &mut String) {
        header(out, self.name, self.help, "counter");
        for (values, count) in lock(&self.values).iter() {
            sample(out, self.name, self.labels, values, None, *count as f64);
        }
    }
}

#[derive(Clone)]
struct Series {
    /// Per bucket, not cumulative; the last slot is above every bound.
    counts: Vec<u64>,
    sum: f64,
}

/// A histogram family: bucketed observations per label set.
pub struct Histogram {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    bounds: &'static [f64],
    values: Mutex<BTreeMap<Labels, Series>>,
}

impl Histogram {
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
        bounds: &'static [f64],
    ) -> Self {
        Self {
            name,
            help,
            labels,
            bounds,
            values: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn observe(&self, values: &[&str], value: f64) {
        debug_assert_eq!(values.len(), self.labels.len(), "{}", self.name);
        let slot = self
            .bounds
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(self.bounds.len());
        let key: Labels = values.iter().map(|v| v.to_string()).collect();
        let mut all = lock(&self.values);
        let series = all.entry(key).or_insert_with(|| Series {
            counts: vec![0; self.bounds.len() + 1],
            sum: 0.0,
        });
        series.counts[slot] += 1;
        series.sum += value;
    }

    /// Observations of one series so far.
    pub fn count(&self, values: &[&str]) -> u64 {
        let key: Labels = values.iter().map(|v| v.to_string()).collect();
        lock(&self.values)
            .get(&key)
            .map_or(0, |series| series.counts.iter().sum())
    }

    pub fn render(&self, out: &mut String) {
        header(out, self.name, self.help, "histogram");
        let bucket = format!("{}_bucket", self.name);
        let mut names = self.labels.to_vec();
        names.push("le");
        for (values, series) in lock(&self.values).iter() {
            let mut cumulative = 0;
            let mut with_le = values.clone();
            with_le.push(String::new());
            for (i, count) in series.counts.iter().enumerate() {
                cumulative += count;
                *with_le.last_mut().expect("le was pushed") = match self.bounds.get(i) {
                    Some(bound) => bound.to_string(),
                    None => "+Inf".into(),
                };
                sample(out, &bucket, &names, &with_le, None, cumulative as f64);
            }
            sample(
                out,
                self.name,
                self.labels,
                values,
                Some("_sum"),
                series.sum,
            );
            sample(
                out,
                self.name,
                self.labels,
                values,
                Some("_count"),
                cumulative as f64,
            );
        }
    }
}

/// Writes a gauge family whose values were read just now.
pub fn gauge(
    out: &mut String,
    name: &str,
    help: &str,
    labels: &[&str],
    samples: impl IntoIterator<Item = (Vec<String>, f64)>,
) {
    header(out, name, help, "gauge");
    for (values, value) in samples {
        sample(out, name, labels, &values, None, value);
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(
    out: &mut String,
    name: &str,
    labels: &[&str],
    values: &[String],
    suffix: Option<&str>,
    value: f64,
) {
    out.push_str(name);
    out.push_str(suffix.unwrap_or(""));
    if !labels.is_empty() {
        out.push('{');
        for (i, (label, value)) in labels.iter().zip(values).enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{label}=\"");
            escape(out, value);
            out.push('"');
        }
        out.push('}');
    }
    let _ = writeln!(out, " {}", number(value));
}

fn escape(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_one_line_per_label_set_with_escaped_values() {
        let counter = Counter::new("t_total", "Things.", &["route", "status"]);
        counter.inc(&["/a", "200"]);
        counter.inc(&["/a", "200"]);
        counter.add(&["/b\"x", "404"], 3);
        let mut out = String::new();
        counter.render(&mut out);
        assert_eq!(
            out,
            "# HELP t_total Things.\n# TYPE t_total counter\n\
             t_total{route=\"/a\",status=\"200\"} 2\n\
             t_total{route=\"/b\\\"x\",status=\"404\"} 3\n"
        );
        assert_eq!(counter.get(&["/a", "200"]), 2);
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_at_inf() {
        let histogram = Histogram::new("t_seconds", "Time.", &["queue"], &[0.1, 1.0]);
        histogram.observe(&["q"], 0.0625);
        histogram.observe(&["q"], 0.5);
        histogram.observe(&["q"], 7.0);
        let mut out = String::new();
        histogram.render(&mut out);
        assert!(out.contains("t_seconds_bucket{queue=\"q\",le=\"0.1\"} 1\n"));
        assert!(out.contains("t_seconds_bucket{queue=\"q\",le=\"1\"} 2\n"));
        assert!(out.contains("t_seconds_bucket{queue=\"q\",le=\"+Inf\"} 3\n"));
        assert!(out.contains("t_seconds_sum{queue=\"q\"} 7.5625\n"));
        assert!(out.contains("t_seconds_count{queue=\"q\"} 3\n"));
        assert_eq!(histogram.count(&["q"]), 3);
    }

    #[test]
    fn gauges_without_labels_are_bare_samples() {
        let mut out = String::new();
        gauge(&mut out, "t_open", "Open now.", &[], [(vec![], 4.0)]);
        assert!(out.ends_with("t_open 4\n"), "{out}");
    }
}
