//! What keeps one caller from holding what others need: the whole body is
//! read (within a deadline) before any handler or extractor runs, so no
//! pooled connection ever waits on a slow client; every request has a
//! deadline; and each school has a bounded share of the database pool.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::{
    error::{ApiError, problem},
    server::BODY_LIMIT_BYTES,
};

/// The request path's limits; `Default` suits a pool of ten connections.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a client may take to send its whole body (408 after).
    pub body_timeout: Duration,
    /// How long a handler may take to answer (503 after). Above the
    /// longest `Prefer: wait`, 60 s.
    pub request_timeout: Duration,
    /// Tenant requests of one school at once; the next ones wait for a
    /// place up to `school_wait`, then get 503 `busy`.
    pub school_concurrency: usize,
    pub school_wait: Duration,
    /// Browser origins allowed by CORS; empty: CORS is off.
    pub cors_origins: Vec<HeaderValue>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(75),
            school_concurrency: 5,
            school_wait: Duration::from_secs(5),
            cors_origins: Vec::new(),
        }
    }
}

impl Limits {
    pub fn from_config(config: &shared::config::ApiConfig) -> Self {
        Self {
            body_timeout: config.body_timeout,
            request_timeout: config.request_timeout,
            school_concurrency: config.school_concurrency,
            school_wait: config.school_wait,
            cors_origins: config
                .cors_origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok())
                .collect(),
        }
    }
}

/// Reads the body whole, within `body_timeout` and the size limit, then
/// runs the rest of the stack under `request_timeout`.
pub async fn read_body_then_run(
    State(guard): State<Guard>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let limits = &guard.limits;
    let read = axum::body::to_bytes(body, BODY_LIMIT_BYTES);
    let bytes = match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(err)) if is_too_large(&err) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            );
        }
        Ok(Err(_)) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "body_unreadable",
                "the request body could not be read",
            );
        }
        Err(_) => {
            return problem(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!(
                    "the request body did not arrive within {} s",
                    limits.body_timeout.as_secs()
                ),
            );
        }
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    match tokio::time::timeout(limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => busy(
            "request_timeout",
            "the request took too long and was stopped; try again",
        ),
    }
}

fn is_too_large(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// CORS for the configured origins only, or none at all: the headers a
/// client sends and the ones it may read.
pub fn cors(limits: &Limits) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderName, Method};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if limits.cors_origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(limits.cors_origins.clone()))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                HeaderName::from_static("x-school-id"),
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("prefer"),
                HeaderName::from_static("last-event-id"),
            ])
            .expose_headers([
                header::LOCATION,
                header::RETRY_AFTER,
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("preference-applied"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// 503 with `Retry-After: 1`: the server is fine, only busy.
pub fn busy(code: &str, detail: &str) -> Response {
    let mut response = problem(StatusCode::SERVICE_UNAVAILABLE, code, detail);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// The limits and the per-school places, shared by every request.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    pub limits: Limits,
    schools: Arc<Mutex<HashMap<Uuid, Arc<Semaphore>>>>,
}

impl Guard {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            schools: Arc::default(),
        }
    }

    /// A place among the school's concurrent requests, held until dropped.
    pub async fn enter(&self, school_id: Uuid) -> Result<SchoolPlace, ApiError> {
        let semaphore =
            {
                let mut schools = self
                    .schools
                    .lock()
                    .expect("the school map is never poisoned");
                Arc::clone(schools.entry(school_id).or_insert_with(|| {
                    Arc::new(Semaphore::new(self.limits.school_concurrency.max(1)))
                }))
            };
        let acquired = tokio::time::timeout(
            self.limits.school_wait,
            Arc::clone(&semaphore).acquire_owned(),
        )
        .await;
        match acquired {
            Ok(Ok(permit)) => Ok(SchoolPlace {
                permit: Some(permit),
                school_id,
                schools: Arc::clone(&self.schools),
            }),
            _ => {
                self.forget_if_idle(school_id);
                Err(ApiError::Busy)
            }
        }
    }

    fn forget_if_idle(&self, school_id: Uuid) {
        forget_if_idle(&self.schools, school_id);
    }
}

/// Drops the school's entry once nobody holds or waits for a place, so the
/// map holds only schools with requests in flight.
fn forget_if_idle(schools: &Mutex<HashMap<Uuid, Arc<Semaphore>>>, school_id: Uuid) {
    let mut schools = schools.lock().expect("the school map is never poisoned");
    if schools
        .get(&school_id)
        .is_some_and(|semaphore| Arc::strong_count(semaphore) == 1)
    {
        schools.remove(&school_id);
    }
}

/// One of a school's places; given back on drop.
#[derive(Debug)]
pub struct SchoolPlace {
    permit: Option<OwnedSemaphorePermit>,
    school_id: Uuid,
    schools: Arc<Mutex<HashMap<Uuid, Arc<Semaphore>>>>,
}

impl Drop for SchoolPlace {
    fn drop(&mut self) {
        // The permit holds an Arc of the semaphore: release it first.
        self.permit.take();
        forget_if_idle(&self.schools, self.school_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_school_past_its_places_is_told_busy_and_others_are_not() {
        let guard = Guard::new(Limits {
            school_concurrency: 2,
            school_wait: Duration::from_millis(50),
            ..Limits::default()
        });
        let (busy_school, other) = (Uuid::new_v4(), Uuid::new_v4());
        let first = guard.enter(busy_school).await.unwrap();
        let _second = guard.enter(busy_school).await.unwrap();
        assert!(matches!(
            guard.enter(busy_school).await,
            Err(ApiError::Busy)
        ));
        assert!(guard.enter(other).await.is_ok());
        drop(first);
        assert!(guard.enter(busy_school).await.is_ok());
    }

    #[tokio::test]
    async fn idle_schools_leave_the_map() {
        let guard = Guard::new(Limits::default());
        let school = Uuid::new_v4();
        let place = guard.enter(school).await.unwrap();
        assert_eq!(guard.schools.lock().unwrap().len(), 1);
        drop(place);
        assert!(guard.schools.lock().unwrap().is_empty());
    }
}
