//! What keeps one caller from holding what others need: the whole body is
//! read (within a deadline) before any handler or extractor runs, so no
//! pooled connection ever waits on a slow client; every request has a
//! deadline; and each school has a bounded share of the database pool.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Body,
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::request::Parts,
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
    /// Sign-ins, registrations and refreshes from one address at once
    /// (they hash passwords and need no account); the next ones wait like
    /// a school's requests.
    pub address_concurrency: usize,
    /// Behind a proxy, the client's address is the last one the proxy
    /// appended to X-Forwarded-For; otherwise the peer's.
    pub trust_forwarded_for: bool,
    /// How often an open event stream re-checks that its subscriber is
    /// still a member; a removed member's stream ends at the next check.
    pub events_recheck: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(75),
            school_concurrency: 5,
            school_wait: Duration::from_secs(5),
            cors_origins: Vec::new(),
            address_concurrency: 4,
            trust_forwarded_for: false,
            events_recheck: Duration::from_secs(30),
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
            address_concurrency: config.address_concurrency,
            trust_forwarded_for: config.trust_forwarded_for,
            events_recheck: config.events_recheck,
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

/// Whose share a request takes: its school's, or (signing in, with no
/// school yet) its address's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    School(Uuid),
    Address(IpAddr),
}

/// The limits and the places of each school and address, shared by every
/// request.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Shared: the middleware clones the guard for every request.
    pub limits: Arc<Limits>,
    places: Arc<Mutex<HashMap<Key, Arc<Semaphore>>>>,
}

impl Guard {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits: Arc::new(limits),
            places: Arc::default(),
        }
    }

    /// A place among the school's concurrent requests, held until dropped.
    pub async fn enter(&self, school_id: Uuid) -> Result<Place, ApiError> {
        self.take(Key::School(school_id), self.limits.school_concurrency)
            .await
    }

    /// A place among one address's concurrent sign-ins.
    pub async fn enter_address(&self, address: IpAddr) -> Result<Place, ApiError> {
        self.take(Key::Address(address), self.limits.address_concurrency)
            .await
    }

    async fn take(&self, key: Key, places: usize) -> Result<Place, ApiError> {
        let semaphore = {
            let mut map = self.places.lock().expect("the place map is never poisoned");
            Arc::clone(
                map.entry(key)
                    .or_insert_with(|| Arc::new(Semaphore::new(places.max(1)))),
            )
        };
        let acquired = tokio::time::timeout(
            self.limits.school_wait,
            Arc::clone(&semaphore).acquire_owned(),
        )
        .await;
        drop(semaphore);
        match acquired {
            Ok(Ok(permit)) => Ok(Place {
                permit: Some(permit),
                key,
                places: Arc::clone(&self.places),
            }),
            _ => {
                forget_if_idle(&self.places, key);
                Err(ApiError::Busy)
            }
        }
    }
}

/// Drops a key's entry once nobody holds or waits for one of its places,
/// so the map holds only schools and addresses with requests in flight.
fn forget_if_idle(places: &Mutex<HashMap<Key, Arc<Semaphore>>>, key: Key) {
    let mut map = places.lock().expect("the place map is never poisoned");
    if map
        .get(&key)
        .is_some_and(|semaphore| Arc::strong_count(semaphore) == 1)
    {
        map.remove(&key);
    }
}

/// One of a school's (or an address's) places; given back on drop.
#[derive(Debug)]
pub struct Place {
    permit: Option<OwnedSemaphorePermit>,
    key: Key,
    places: Arc<Mutex<HashMap<Key, Arc<Semaphore>>>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        // The permit holds an Arc of the semaphore: release it first.
        self.permit.take();
        forget_if_idle(&self.places, self.key);
    }
}

/// The caller's address's place, for routes that need no account.
pub struct AddressPlace(#[expect(dead_code, reason = "held until the request ends")] Place);

impl FromRequestParts<crate::AppState> for AddressPlace {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let address = client_address(parts, state.guard.limits.trust_forwarded_for);
        Ok(Self(state.guard.enter_address(address).await?))
    }
}

fn client_address(parts: &Parts, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for
        .then(|| {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
                .next_back()
        })
        .flatten();
    forwarded
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
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
    async fn an_address_past_its_places_is_told_busy() {
        let guard = Guard::new(Limits {
            address_concurrency: 1,
            school_wait: Duration::from_millis(50),
            ..Limits::default()
        });
        let flooding: IpAddr = "10.1.2.3".parse().unwrap();
        let _held = guard.enter_address(flooding).await.unwrap();
        assert!(matches!(
            guard.enter_address(flooding).await,
            Err(ApiError::Busy)
        ));
        assert!(
            guard
                .enter_address("10.9.9.9".parse().unwrap())
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn idle_schools_leave_the_map() {
        let guard = Guard::new(Limits::default());
        let school = Uuid::new_v4();
        let place = guard.enter(school).await.unwrap();
        assert_eq!(guard.places.lock().unwrap().len(), 1);
        drop(place);
        assert!(guard.places.lock().unwrap().is_empty());
    }
}
