//! Connection pool and the tenant transaction: every tenant query runs in a
//! transaction whose school and user are set with `set_config(..., true)`,
//! so the setting dies with the transaction and never leaks across the pool.

pub mod admin;
pub mod constraints;
mod pool;
pub mod roles;
mod savepoint;
mod tx;

pub use savepoint::Savepoint;
use sqlx::{PgConnection, PgPool, Row};
use tx::Prologue;
pub use tx::Tx;
use uuid::Uuid;

use crate::{domain::role::Role, error::Result};

pub use pool::{connect, connect_direct, for_pool_mode, pool_options};

/// Sets the tenant for the rest of the current transaction only.
pub async fn set_tenant(
    conn: &mut PgConnection,
    school_id: Option<Uuid>,
    user_id: Option<Uuid>,
) -> Result<()> {
    sqlx::query(
        "SELECT set_config('app.current_school_id', coalesce($1::text, ''), true), \
                set_config('app.current_user_id', coalesce($2::text, ''), true)",
    )
    .bind(school_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A transaction acting for `user_id` in `school_id`, with no membership
/// check (workers, the scheduler). One round trip.
pub async fn begin_tenant(pool: &PgPool, school_id: Uuid, user_id: Option<Uuid>) -> Result<Tx> {
    let (tx, _) = Tx::begin(
        pool,
        Prologue::Settings {
            school_id: Some(school_id),
            user_id,
        },
    )
    .await?;
    Ok(tx)
}

/// A transaction acting for `user_id` in `school_id`, and the user's role
/// there (None: not a member, or no such school). One round trip.
pub async fn begin_member(
    pool: &PgPool,
    school_id: Uuid,
    user_id: Uuid,
) -> Result<(Tx, Option<Role>)> {
    let (tx, row) = Tx::begin(pool, Prologue::Member { school_id, user_id }).await?;
    let role = row.try_get::<Option<Role>, _>(0)?;
    Ok((tx, role))
}

/// A transaction acting for a user with no school selected: it sees only
/// the user's own memberships and schools.
pub async fn begin_user(pool: &PgPool, user_id: Uuid) -> Result<Tx> {
    let (tx, _) = Tx::begin(
        pool,
        Prologue::Settings {
            school_id: None,
            user_id: Some(user_id),
        },
    )
    .await?;
    Ok(tx)
}

/// SQL assembled from this crate's own constant fragments (column lists,
/// shared SELECTs), never from input; values always go through `bind`.
#[macro_export]
macro_rules! sql {
    ($($fmt:tt)*) => {
        ::sqlx::AssertSqlSafe(format!($($fmt)*))
    };
}

/// The project's migrations, embedded so every binary and test applies the
/// same set. Run them as the owner role, never the runtime role.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The job queue's schema first (its history lives in the apalis schema),
/// then the project's, whose grants name the queue's tables.
pub async fn migrate(conn: &mut sqlx::PgConnection) -> Result<(), sqlx::migrate::MigrateError> {
    apalis_postgres::PostgresStorage::<()>::migrations()
        .run(&mut *conn)
        .await?;
    MIGRATOR.run(conn).await
}
