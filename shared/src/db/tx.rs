//! The tenant transaction: a pooled connection inside BEGIN, whose prologue
//! (BEGIN and the tenant's settings, and for a member the role) travels in
//! one simple-protocol message, so it costs one round trip.
//!
//! sqlx's own `Transaction` always waits for BEGIN before anything else can
//! be sent and cannot return rows from its BEGIN statement; this type does
//! only what it cannot, and otherwise behaves like it: it derefs to the
//! connection, `commit` ends it, and dropping it unfinished rolls it back
//! before the connection goes back to the pool. sqlx does not count this
//! BEGIN as a transaction, so a savepoint is `db::Savepoint`, never
//! `Acquire::begin` on the connection (that would send BEGIN, and its
//! commit would COMMIT the whole transaction).

use std::ops::{Deref, DerefMut};

use sqlx::{Executor, PgConnection, PgPool, Postgres, pool::PoolConnection, postgres::PgRow};
use uuid::Uuid;

use crate::error::Result;

pub struct Tx {
    /// None once committed or rolled back.
    conn: Option<PoolConnection<Postgres>>,
}

/// Who the transaction acts for. UUIDs are written into the prologue as
/// literals: their text form is hex digits and dashes only, so no input can
/// change the statement, and a literal lets BEGIN and the settings share
/// one simple-protocol message.
pub(crate) enum Prologue {
    /// The school (or none) and the user (or none), without a membership
    /// check: workers, the scheduler, the user's own schools.
    Settings {
        school_id: Option<Uuid>,
        user_id: Option<Uuid>,
    },
    /// The school and the member, and the member's role there read under
    /// those settings (`enter_school`, migration 0013).
    Member { school_id: Uuid, user_id: Uuid },
}

impl Prologue {
    fn sql(&self) -> String {
        let text = |id: Option<Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
        match self {
            Self::Settings { school_id, user_id } => format!(
                "BEGIN; SELECT set_config('app.current_school_id', '{}', true), \
                 set_config('app.current_user_id', '{}', true)",
                text(*school_id),
                text(*user_id)
            ),
            Self::Member { school_id, user_id } => {
                format!("BEGIN; SELECT enter_school('{school_id}', '{user_id}')")
            }
        }
    }
}

impl Tx {
    /// Takes a connection and runs the prologue; the row is its SELECT's.
    pub(crate) async fn begin(pool: &PgPool, prologue: Prologue) -> Result<(Self, PgRow)> {
        let mut conn = pool.acquire().await?;
        let row = sqlx::raw_sql(sqlx::AssertSqlSafe(prologue.sql()))
            .fetch_one(&mut *conn)
            .await;
        match row {
            Ok(row) => Ok((Self { conn: Some(conn) }, row)),
            Err(err) => {
                // BEGIN may have run before the SELECT failed.
                roll_back_in_background(conn);
                Err(err.into())
            }
        }
    }

    pub async fn commit(mut self) -> Result<()> {
        self.finish("COMMIT").await
    }

    pub async fn rollback(mut self) -> Result<()> {
        self.finish("ROLLBACK").await
    }

    async fn finish(&mut self, statement: &'static str) -> Result<()> {
        let mut conn = self.conn.take().expect("a Tx is finished only once");
        if let Err(err) = conn.execute(statement).await {
            // The connection's state is unknown: close it rather than
            // return it to the pool.
            conn.close_on_drop();
            return Err(err.into());
        }
        Ok(())
    }
}

/// ROLLBACK on a task of its own, then the connection goes back to the
/// pool; if that fails, the connection is closed instead, and with no
/// runtime to run it on it is detached and dropped, so no pooled
/// connection is ever left inside a transaction (nor with a tenant's
/// settings).
fn roll_back_in_background(mut conn: PoolConnection<Postgres>) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(async move {
                if conn.execute("ROLLBACK").await.is_err() {
                    conn.close_on_drop();
                }
            });
        }
        Err(_) => drop(conn.detach()),
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            roll_back_in_background(conn);
        }
    }
}

impl Deref for Tx {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        self.conn.as_ref().expect("a finished Tx is not used")
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("a finished Tx is not used")
    }
}
