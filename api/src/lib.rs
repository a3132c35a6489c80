//! The SchoolOps HTTP API: routing, extractors, handlers. Handlers parse,
//! authorise, call a `shared` domain function and map the result.

pub mod error;
pub mod extract;
pub mod guard;
pub mod hub;
pub mod jwt;
mod metrics;
mod openapi;
pub mod receipt_pdf;
mod routes;
mod server;

use sqlx::PgPool;

pub use server::{router, serve};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub keys: jwt::Keys,
    pub refresh_days: i64,
    pub hub: hub::EventHub,
    /// Body and request deadlines, and each school's share.
    pub guard: guard::Guard,
    /// METRICS_TOKEN: what a scrape of /metrics must send, if anything.
    pub metrics_token: Option<shared::secret::Secret<String>>,
}
