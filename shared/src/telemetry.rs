//! One tracing setup for both binaries: JSON in production, readable in
//! development, filtered by RUST_LOG.

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::Environment;

pub fn init_tracing(environment: Environment) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = fmt().with_env_filter(filter).with_target(true);
    // try_init: tests may call this more than once in one process.
    let _ = match environment {
        Environment::Production => builder.json().flatten_event(true).try_init(),
        Environment::Development => builder.compact().try_init(),
    };
}
