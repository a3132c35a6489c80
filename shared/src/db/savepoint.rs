//! A savepoint inside the current transaction: an attempt that may fail
//! without aborting the caller's whole transaction.
//!
//! The tenant transaction (`Tx`) begins with its own BEGIN message, which
//! sqlx does not count as a transaction; sqlx's nested `begin()` on its
//! connection would send a second BEGIN and its `commit()` a COMMIT of the
//! whole transaction. So savepoints are made here, by name, and never with
//! `Acquire::begin` on a connection.

use std::ops::{Deref, DerefMut};

use sqlx::{Executor, PgConnection};

use crate::error::Result;

pub struct Savepoint<'c> {
    conn: &'c mut PgConnection,
    name: &'static str,
}

impl<'c> Savepoint<'c> {
    /// `name` is an SQL identifier of the caller's own, never input.
    pub async fn begin(conn: &'c mut PgConnection, name: &'static str) -> Result<Self> {
        debug_assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        conn.execute(sqlx::AssertSqlSafe(format!("SAVEPOINT {name}")))
            .await?;
        Ok(Self { conn, name })
    }

    /// Keeps what was done since the savepoint.
    pub async fn release(self) -> Result<()> {
        let name = self.name;
        self.conn
            .execute(sqlx::AssertSqlSafe(format!("RELEASE SAVEPOINT {name}")))
            .await?;
        Ok(())
    }

    /// Undoes what was done since the savepoint (an error there included)
    /// and leaves the transaction usable.
    pub async fn roll_back(self) -> Result<()> {
        let name = self.name;
        self.conn
            .execute(sqlx::AssertSqlSafe(format!(
                "ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}"
            )))
            .await?;
        Ok(())
    }
}

impl Deref for Savepoint<'_> {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        self.conn
    }
}

impl DerefMut for Savepoint<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn
    }
}
