//! The pools: DATABASE_URL for every query, and DATABASE_DIRECT_URL for
//! what needs a PostgreSQL session of its own (LISTEN, session advisory
//! locks) when a transaction pooler sits in front of DATABASE_URL.
//!
//! Behind PgBouncer in transaction mode a connection keeps its server only
//! for a transaction, and sqlx 0.9 sends Parse and Bind of one statement
//! separated by a Sync; so a statement is only whole inside a transaction,
//! and a statement name cached by one client means nothing on the server
//! the next transaction lands on. `PoolMode::Transaction` turns sqlx's
//! statement cache off; every query of the api and worker runs in a
//! transaction. README ("Behind PgBouncer") has what PgBouncer needs.

use std::{str::FromStr, time::Duration};

use sqlx::{
    Connection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use crate::config::{Config, PoolMode};

/// Connect options as the pool mode needs them.
pub fn for_pool_mode(options: PgConnectOptions, mode: PoolMode) -> PgConnectOptions {
    match mode {
        PoolMode::Session => options,
        // No statement name outlives its transaction's server connection
        // (sqlx 0.9 still names each statement; PgBouncer's reset query
        // DEALLOCATE ALL drops them when the transaction ends).
        PoolMode::Transaction => options.statement_cache_capacity(0),
    }
}

/// The pool every query goes through (DATABASE_URL).
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    let options = for_pool_mode(
        PgConnectOptions::from_str(config.database_url.expose())?,
        config.database_pool_mode,
    );
    pool_options(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
}

/// A connection idle longer than this is pinged before it is handed out.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// The pool every binary and test uses for queries. sqlx pings each
/// connection as it leaves the pool by default, a round trip on every
/// request; here only a connection that has sat idle (and may have been
/// cut, say by a database restart) is pinged. A busy connection that
/// breaks fails its query, which the caller sees as an error, as it would
/// mid-request anyway.
pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_WHEN_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// The pool for LISTEN and session advisory locks: DATABASE_DIRECT_URL, or
/// `pool` itself when none is set (DATABASE_URL is then a session).
pub async fn connect_direct(config: &Config, pool: &PgPool) -> Result<PgPool, sqlx::Error> {
    let Some(url) = &config.database_direct_url else {
        return Ok(pool.clone());
    };
    PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(PgConnectOptions::from_str(url.expose())?)
        .await
}
