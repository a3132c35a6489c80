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
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};
use shared::metrics::{LatencyFamily, latency_family};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    method: &'static str,
    route: String,
}

pub struct HttpMetrics {
    requests: Family<Answered, Counter>,
    latency: LatencyFamily<Route>,
    sse_subscribers: Gauge,
    registry: Registry,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        let requests = Family::<Answered, Counter>::default();
        let latency = latency_family::<Route>();
        let sse_subscribers = Gauge::default();
        // Help texts without their final period: the library adds it.
        let mut registry = Registry::default();
        registry.register(
            "schoolops_http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "schoolops_http_request_duration_seconds",
            "Time to the response head, by method and route template (an SSE stream counts until its head)",
            latency.clone(),
        );
        registry.register(
            "schoolops_sse_subscribers",
            "Open GET /events streams in this process",
            sse_subscribers.clone(),
        );
        Self {
            requests,
            latency,
            sse_subscribers,
            registry,
        }
    }
}

impl HttpMetrics {
    /// The scrape, with `open_streams` (read from the hub just now) as the
    /// SSE gauge.
    pub fn render(&self, open_streams: usize, content_type: &str) -> String {
        self.sse_subscribers
            .set(i64::try_from(open_streams).unwrap_or(i64::MAX));
        shared::metrics::encode(&[&self.registry], content_type)
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
    let elapsed = started.elapsed().as_secs_f64();
    metrics
        .requests
        .get_or_create(&Answered {
            method,
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    metrics
        .latency
        .get_or_create(&Route { method, route })
        .observe(elapsed);
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
