//! Prometheus exposition on `prometheus-client`: the latency buckets the api
//! and the worker share, and one scrape answer for their registries.
//!
//! Metric names stay what dashboards know: a counter is registered without
//! its `_total` suffix (`schoolops_jobs`) and the encoder writes its samples
//! as `schoolops_jobs_total{...}`, the name exposed before the library came
//! in. Label values must come from bounded, quote-free sets (route
//! templates, queue names): the encoder writes them unescaped.

use crate::secret::Secret;
use prometheus_client::{
    encoding::text::{encode_eof, encode_registry},
    metrics::{family::Family, histogram::Histogram},
    registry::Registry,
};

/// OpenMetrics 1.0, for a scraper whose `Accept` asks for it (Prometheus does).
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The classic text format, for everyone else (curl, older scrapers).
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Seconds: from a quick read to a class-wide invoice run.
pub const LATENCY_BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Latency histograms over [`LATENCY_BUCKETS`], one per label set `L`.
pub type LatencyFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// An empty [`LatencyFamily`].
pub fn latency_family<L: Clone + std::hash::Hash + Eq>() -> LatencyFamily<L> {
    Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS))
}

/// Whether a scrape may read the metrics: always when no token is set,
/// otherwise only with `Authorization: Bearer <token>`. The two are
/// compared as SHA-256 digests, so the time taken tells nothing of how
/// much of a guess was right.
pub fn scrape_allowed(token: Option<&Secret<String>>, authorization: Option<&str>) -> bool {
    use sha2::{Digest, Sha256};
    let Some(token) = token else {
        return true;
    };
    let Some(offered) = authorization.and_then(|value| value.strip_prefix("Bearer ")) else {
        return false;
    };
    Sha256::digest(offered.trim().as_bytes()) == Sha256::digest(token.expose().as_bytes())
}

/// The content type to answer a scrape with, given its `Accept` header.
pub fn content_type(accept: Option<&str>) -> &'static str {
    match accept {
        Some(accept) if accept.contains("application/openmetrics-text") => OPENMETRICS_CONTENT_TYPE,
        _ => TEXT_CONTENT_TYPE,
    }
}

/// The scrape body: each registry in turn, in the format `content_type`
/// names. The two differ only in OpenMetrics' closing `# EOF`; the classic
/// parser reads the rest (HELP, TYPE, samples) alike.
pub fn encode(registries: &[&Registry], content_type: &str) -> String {
    let mut out = String::new();
    for registry in registries {
        // Writing to a String cannot fail.
        let _ = encode_registry(&mut out, registry);
    }
    if content_type == OPENMETRICS_CONTENT_TYPE {
        let _ = encode_eof(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use prometheus_client::{
        encoding::EncodeLabelSet,
        metrics::{counter::Counter, family::Family, gauge::Gauge},
    };

    use super::*;

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    struct Route {
        route: &'static str,
        status: u16,
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    struct Queue {
        queue: &'static str,
    }

    #[test]
    fn counters_keep_their_total_name_and_one_line_per_label_set() {
        let counter = Family::<Route, Counter>::default();
        counter
            .get_or_create(&Route {
                route: "/a",
                status: 200,
            })
            .inc_by(2);
        let mut registry = Registry::default();
        registry.register("t", "Things", counter);
        assert_eq!(
            encode(&[&registry], TEXT_CONTENT_TYPE),
            "# HELP t Things.\n# TYPE t counter\nt_total{route=\"/a\",status=\"200\"} 2\n"
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_at_inf() {
        let histogram = Family::<Queue, Histogram, fn() -> Histogram>::new_with_constructor(|| {
            Histogram::new([0.1, 1.0])
        });
        for seconds in [0.0625, 0.5, 7.0] {
            histogram
                .get_or_create(&Queue { queue: "q" })
                .observe(seconds);
        }
        let mut registry = Registry::default();
        registry.register("t_seconds", "Time", histogram);
        let out = encode(&[&registry], TEXT_CONTENT_TYPE);
        assert!(
            out.contains("t_seconds_bucket{le=\"0.1\",queue=\"q\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("t_seconds_bucket{le=\"1.0\",queue=\"q\"} 2\n"),
            "{out}"
        );
        assert!(
            out.contains("t_seconds_bucket{le=\"+Inf\",queue=\"q\"} 3\n"),
            "{out}"
        );
        assert!(out.contains("t_seconds_sum{queue=\"q\"} 7.5625\n"), "{out}");
        assert!(out.contains("t_seconds_count{queue=\"q\"} 3\n"), "{out}");
    }

    #[test]
    fn openmetrics_is_answered_only_when_asked_for_and_ends_with_eof() {
        let mut registry = Registry::default();
        let open = Gauge::<i64>::default();
        open.set(4);
        registry.register("t_open", "Open now", open);
        let accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";
        let openmetrics = content_type(Some(accept));
        assert_eq!(openmetrics, OPENMETRICS_CONTENT_TYPE);
        assert!(encode(&[&registry], openmetrics).ends_with("t_open 4\n# EOF\n"));
        assert_eq!(content_type(Some("*/*")), TEXT_CONTENT_TYPE);
        assert_eq!(content_type(None), TEXT_CONTENT_TYPE);
        assert!(encode(&[&registry], TEXT_CONTENT_TYPE).ends_with("t_open 4\n"));
    }
}
