//! A fresh, migrated database per test, copied from a template built once
//! per migration set; pools of the runtime role on it; dropping it again.

use std::{
    hash::{Hash, Hasher},
    str::FromStr,
};

use sqlx::{ConnectOptions, Connection, Executor, PgPool, postgres::PgConnectOptions};
use uuid::Uuid;

use crate::db::MIGRATOR;

pub fn env_url(key: &str) -> PgConnectOptions {
    let url = std::env::var(key)
        .unwrap_or_else(|_| panic!("{key} is not set: run the suite with scripts/test"));
    PgConnectOptions::from_str(&url).unwrap_or_else(|e| panic!("{key} is not a valid URL: {e}"))
}

fn template_name() -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for migration in MIGRATOR
        .iter()
        .chain(apalis_postgres::PostgresStorage::<()>::migrations().iter())
    {
        migration.version.hash(&mut hasher);
        migration.checksum.hash(&mut hasher);
    }
    format!("schoolops_tpl_{:016x}", hasher.finish())
}

/// Builds the migrated template once; an advisory lock keeps concurrent
/// test processes from racing to build it.
async fn ensure_template(owner: &PgConnectOptions, name: &str) {
    let mut conn = owner.connect().await.expect("connect as the owner role");
    conn.execute("SELECT pg_advisory_lock(7261001)")
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    if !exists {
        let building = format!("{name}_building");
        conn.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {building} WITH (FORCE)"
        )))
        .await
        .unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
            .await
            .unwrap();
        let mut template = owner.clone().database(&building).connect().await.unwrap();
        crate::db::migrate(&mut template)
            .await
            .expect("migrations apply to a fresh database");
        template.close().await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {building} RENAME TO {name}"
        )))
        .await
        .unwrap();
    }
    conn.execute("SELECT pg_advisory_unlock(7261001)")
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// A fresh, migrated database; returns its name.
pub async fn fresh_database() -> String {
    let owner = env_url("DATABASE_OWNER_URL");
    let template = template_name();
    ensure_template(&owner, &template).await;
    let name = format!("schoolops_t_{}", Uuid::new_v4().simple());
    let mut conn = owner.connect().await.unwrap();
    conn.execute(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name} TEMPLATE {template}"
    )))
    .await
    .unwrap();
    conn.close().await.unwrap();
    name
}

/// SCHOOLOPS_TEST_PGBOUNCER_PORT: a PgBouncer in transaction mode on this
/// loopback port fronts DATABASE_URL's server (`scripts/faults pgbouncer`
/// starts one); the app's pools then go through it, as
/// DATABASE_POOL_MODE=transaction would have them.
pub fn pgbouncer_port() -> Option<u16> {
    let port = std::env::var("SCHOOLOPS_TEST_PGBOUNCER_PORT").ok()?;
    Some(
        port.trim()
            .parse()
            .unwrap_or_else(|_| panic!("SCHOOLOPS_TEST_PGBOUNCER_PORT is not a port: {port:?}")),
    )
}

/// The runtime role's options on `database`: through PgBouncer when
/// SCHOOLOPS_TEST_PGBOUNCER_PORT says so, else direct.
pub fn app_options(database: &str) -> PgConnectOptions {
    let direct = env_url("DATABASE_URL").database(database);
    match pgbouncer_port() {
        Some(port) => crate::db::for_pool_mode(
            direct.host("127.0.0.1").port(port),
            crate::config::PoolMode::Transaction,
        ),
        None => direct,
    }
}

/// A pool of the runtime role (schoolops_app) on `database` (through
/// PgBouncer under SCHOOLOPS_TEST_PGBOUNCER_PORT).
pub async fn app_pool(database: &str) -> PgPool {
    crate::db::pool_options(10)
        .connect_with(app_options(database))
        .await
        .expect("connect as the runtime role")
}

/// The pool for LISTEN and session locks that goes with `pool`, as
/// DATABASE_DIRECT_URL: `pool` itself unless it goes through PgBouncer.
pub async fn app_direct_pool(database: &str, pool: &PgPool) -> PgPool {
    if pgbouncer_port().is_none() {
        return pool.clone();
    }
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .connect_with(env_url("DATABASE_URL").database(database))
        .await
        .expect("connect directly as the runtime role")
}

/// The runtime role's URL for `database`, for a child process.
pub fn app_url(database: &str) -> String {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    match url.rsplit_once('/') {
        Some((server, rest)) => {
            let query = rest
                .split_once('?')
                .map(|(_, q)| format!("?{q}"))
                .unwrap_or_default();
            format!("{server}/{database}{query}")
        }
        None => url,
    }
}

/// A pool of at most `max` runtime-role connections on `database`, waiting
/// up to 30 s for one (benchmarks hold many at once).
pub async fn app_pool_with(database: &str, max: u32) -> sqlx::Result<PgPool> {
    crate::db::pool_options(max)
        .acquire_timeout(std::time::Duration::from_secs(30))
        .connect_with(app_options(database))
        .await
}

/// Drops `database` as the owner role, waiting up to 15 s for the runtime
/// role's sessions to go (the owner may not end them).
pub async fn drop_database(database: &str) -> sqlx::Result<()> {
    let mut conn = env_url("DATABASE_OWNER_URL").connect().await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let dropped = conn
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {database}"
            )))
            .await;
        match dropped {
            Ok(_) => break,
            // 55006: other sessions are still using it; they are on their way out.
            Err(sqlx::Error::Database(db))
                if db.code().as_deref() == Some("55006")
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(err) => return Err(err),
        }
    }
    conn.close().await
}
