//! What the api counts for Prometheus: requests by method, matched route
//! template and status, and their latency. One registry per router, so a
//! test's app counts only its own requests. Open SSE streams are read from
//! the hub when scraped.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};
use shared::metrics::{Counter, Histogram, LATENCY_BUCKETS};

pub struct HttpMetrics {
    requests: Counter,
    latency: Histogram,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        Self {
            requests: Counter::new(
                "schoolops_http_requests_total",
                "HTTP requests answered, by method, route template and status.",
                &["method", "route", "status"],
            ),
            latency: Histogram::new(
                "schoolops_http_request_duration_seconds",
                "Time to the response head, by method and route template (an SSE stream counts until its head).",
                &["method", "route"],
                LATENCY_BUCKETS,
            ),
        }
    }
}

impl HttpMetrics {
    pub fn render(&self, out: &mut String) {
        self.requests.render(out);
        self.latency.render(out);
    }
}

/// Middleware: counts each request under its route template (never the
/// raw path, which would make a series per id).
pub async fn track(
    State(metrics): State<Arc<HttpMetrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .requests
        .inc(&[method, &route, response.status().as_str()]);
    metrics
        .latency
        .observe(&[method, &route], started.elapsed().as_secs_f64());
    response
}

/// Extension methods are free text: they all count as OTHER.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}
