//! SchoolOps core shared by the api and the worker: configuration, database
//! access under row-level security, and the school domain. Knows no HTTP.
//! `domain` reads and writes the rows, one module per resource; `commands`
//! is the only code that queues work, writing rows and pushing their job
//! (`jobs` holds the job types and queue names) in one transaction.

pub mod audit;
pub mod auth;
pub mod chat;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod jobs;
pub mod metrics;
pub mod ollama;
pub mod page;
pub mod secret;
pub mod shutdown;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, Result};
