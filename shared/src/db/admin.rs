//! Database provisioning, run with a superuser-capable URL: the two roles,
//! the database owned by the owner role, and the migrations applied as that
//! owner. Idempotent, so scripts and deploys can run it every time.

use std::str::FromStr;

use anyhow::Context;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, postgres::PgConnectOptions};

pub const OWNER_ROLE: &str = "schoolops_owner";
pub const APP_ROLE: &str = "schoolops_app";

pub struct Setup {
    pub database: String,
    pub owner_password: String,
    pub app_password: String,
}

pub struct Urls {
    pub app: String,
    pub owner: String,
}

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn quote_ident(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// A URL for `user` on the same server as `base`.
pub fn url_for(base: &PgConnectOptions, user: &str, password: &str, database: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let host = base.get_host();
    if host.starts_with('/') {
        format!(
            "postgres://{}:{}@/{}?host={}&port={}",
            enc(user),
            enc(password),
            enc(database),
            enc(host),
            base.get_port()
        )
    } else {
        format!(
            "postgres://{}:{}@{}:{}/{}",
            enc(user),
            enc(password),
            host,
            base.get_port(),
            enc(database)
        )
    }
}

pub async fn setup(admin_url: &str, setup: &Setup) -> anyhow::Result<Urls> {
    let admin = PgConnectOptions::from_str(admin_url).context("parsing the admin URL")?;
    let mut conn = admin
        .connect()
        .await
        .context("connecting with the admin URL")?;
    let exists = |role: &'static str| {
        sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(role)
    };
    // CREATEDB lets the test harness make a fresh database per test; the
    // owner needs nothing more. The runtime role gets nothing at all here:
    // migrations grant it data access, table by table.
    let owner_attrs = format!(
        "LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD {}",
        quote_literal(&setup.owner_password)
    );
    let app_attrs = format!(
        "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD {}",
        quote_literal(&setup.app_password)
    );
    for (role, attrs) in [(OWNER_ROLE, &owner_attrs), (APP_ROLE, &app_attrs)] {
        let verb = if exists(role).fetch_one(&mut conn).await? {
            "ALTER"
        } else {
            "CREATE"
        };
        conn.execute(sqlx::AssertSqlSafe(format!("{verb} ROLE {role} {attrs}")))
            .await?;
    }
    let db_exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&setup.database)
            .fetch_one(&mut conn)
            .await?;
    if !db_exists {
        conn.execute(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {} OWNER {OWNER_ROLE}",
            quote_ident(&setup.database)
        )))
        .await?;
    }
    conn.close().await?;

    // Extensions the queue needs; hstore is trusted, but creating it as the
    // admin works on every version.
    let mut in_db = admin.clone().database(&setup.database).connect().await?;
    in_db
        .execute("CREATE EXTENSION IF NOT EXISTS hstore")
        .await?;
    in_db.close().await?;

    let owner_url = url_for(&admin, OWNER_ROLE, &setup.owner_password, &setup.database);
    migrate(&owner_url).await?;
    Ok(Urls {
        app: url_for(&admin, APP_ROLE, &setup.app_password, &setup.database),
        owner: owner_url,
    })
}

/// Applies pending migrations; `owner_url` must connect as the owner role.
pub async fn migrate(owner_url: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(owner_url)
        .await
        .context("connecting as the owner role")?;
    super::migrate(&mut conn)
        .await
        .context("applying migrations")?;
    conn.close().await?;
    Ok(())
}

/// Drops the per-test databases and templates earlier test runs left. One
/// still in use (another test run on the same server) is left alone.
pub async fn drop_test_databases(admin_url: &str) -> anyhow::Result<usize> {
    let mut conn = PgConnection::connect(admin_url).await?;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'schoolops\\_t\\_%' OR datname LIKE 'schoolops\\_tpl\\_%'",
    )
    .fetch_all(&mut conn)
    .await?;
    for name in &names {
        conn.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)
        )))
        .await?;
    }
    Ok(names.len())
}
