//! Finding learners by what a user called them (an admission number, the
//! words of a name), as the chat does, and naming one.

use sqlx::PgConnection;
use uuid::Uuid;

use super::Status;
use crate::{error::Result, sql};

/// A learner found by what a user called them, with what tells two apart.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Match {
    pub id: Uuid,
    /// "First Last".
    pub name: String,
    pub admission_no: String,
    pub class_name: Option<String>,
    pub status: Status,
}

const MATCH_SELECT: &str = "SELECT s.id, s.first_name || ' ' || s.last_name AS name, s.admission_no, c.name AS class_name, s.status
       FROM students s LEFT JOIN classes c ON c.school_id = s.school_id AND c.id = s.class_id";

/// The learner with admission number `admission_no` (as stored, upper case);
/// none or one.
#[tracing::instrument(skip_all)]
pub async fn find_by_admission_no(
    conn: &mut PgConnection,
    admission_no: &str,
) -> Result<Vec<Match>> {
    let found = sqlx::query_as(sql!("{MATCH_SELECT} WHERE s.admission_no = $1"))
        .bind(admission_no)
        .fetch_all(conn)
        .await?;
    Ok(found)
}

/// Learners whose full name holds every one of `words` (lower case) as a
/// whole word, active ones first, then by name; at most 20.
#[tracing::instrument(skip_all)]
pub async fn find_by_name_words(conn: &mut PgConnection, words: &[String]) -> Result<Vec<Match>> {
    let found = sqlx::query_as(sql!(
        "{MATCH_SELECT}
          WHERE regexp_split_to_array(lower(btrim(s.first_name || ' ' || s.last_name)), '\\s+') @> $1::text[]
          ORDER BY s.status <> 'ACTIVE', s.last_name, s.first_name, s.admission_no
          LIMIT 20"
    ))
    .bind(words)
    .fetch_all(conn)
    .await?;
    Ok(found)
}

/// A learner's full name and admission number.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Named {
    /// "First Last".
    pub name: String,
    pub admission_no: String,
}

/// The student's name and admission number.
#[tracing::instrument(skip_all)]
pub async fn named(conn: &mut PgConnection, id: Uuid) -> Result<Named> {
    let named = sqlx::query_as(
        "SELECT first_name || ' ' || last_name AS name, admission_no FROM students WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(named)
}
