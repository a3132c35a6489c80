//! What the benchmarks share: a fresh database, pools of the runtime role
//! on it, dropping it afterwards, and medians.

use std::time::{Duration, Instant};

use std::str::FromStr;

use anyhow::{Context, bail, ensure};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::{ConnectOptions, Connection, Executor, PgPool};
use uuid::Uuid;

pub async fn fresh_database_within(limit: Duration) -> anyhow::Result<String> {
    use futures_util::FutureExt;
    // fresh_database panics on failure: catch it, so it is reported as an error.
    let created = std::panic::AssertUnwindSafe(shared::testing::fresh_database()).catch_unwind();
    match tokio::time::timeout(limit, created).await {
        Err(_) => bail!("creating the benchmark database timed out after {limit:?}"),
        Ok(Err(_)) => bail!("creating the benchmark database failed (see the panic above)"),
        Ok(Ok(database)) => Ok(database),
    }
}

pub async fn app_pool(database: &str, max: u32) -> anyhow::Result<PgPool> {
    let options = shared::testing::env_url("DATABASE_URL").database(database);
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .context("connecting as the runtime role (DATABASE_URL)")
}

pub async fn drop_database(database: &str) -> anyhow::Result<()> {
    let mut conn = shared::testing::env_url("DATABASE_OWNER_URL")
        .connect()
        .await?;
    let deadline = Instant::now() + Duration::from_secs(15);
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
                if db.code().as_deref() == Some("55006") && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
    conn.close().await?;
    Ok(())
}

pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The books after payments: the trial balance (`trial`, as GET
/// /ledger/trial-balance answers) balances, 1100 Receivable is the sum of
/// the school's open invoice balances and 1000 Cash the sum of its posted
/// payments (read as the runtime role on `probe`). Returns (1100, 1000).
pub async fn check_books(
    trial: &Value,
    probe: &PgPool,
    school: Uuid,
) -> anyhow::Result<(Decimal, Decimal)> {
    ensure!(
        trial["balanced"] == json!(true),
        "the trial balance does not balance: {trial}"
    );
    let balance_of = |code: &str| -> anyhow::Result<Decimal> {
        let account = trial["accounts"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["code"] == code))
            .with_context(|| format!("no account {code} in the trial balance"))?;
        let text = account["balance"]
            .as_str()
            .with_context(|| format!("account {code} has no balance"))?;
        Ok(Decimal::from_str(text)?)
    };
    let receivable = balance_of("1100")?;
    let cash = balance_of("1000")?;
    let mut tx = shared::db::begin_tenant(probe, school, None).await?;
    let (open, paid): (Decimal, Decimal) = sqlx::query_as(
        "SELECT (SELECT coalesce(sum(total - paid), 0) FROM invoices WHERE status IN ('UNPAID', 'PARTIAL')),
                (SELECT coalesce(sum(amount), 0) FROM payments WHERE posting_status = 'POSTED')",
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    ensure!(
        receivable == open,
        "1100 Receivable is {receivable} but the open invoice balances sum to {open}"
    );
    ensure!(
        cash == paid,
        "1000 Cash is {cash} but the posted payments sum to {paid}"
    );
    Ok((receivable, cash))
}
