//! The data tests and benchmarks run on, written as the runtime role: a
//! bursar and their school through the domain functions (so the school
//! gets its accounts and default fee structure), classes through the
//! domain, and students and guardians in bulk, thousands in one statement.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    auth::user,
    db,
    domain::{
        class::{self, NewClass},
        school::{self, NewSchool},
    },
};

/// A signed-up bursar who owns one school, on `pool`.
#[derive(Clone)]
pub struct SeededSchool {
    pub pool: PgPool,
    pub user_id: Uuid,
    pub school_id: Uuid,
}

impl SeededSchool {
    /// Registers `email` (Grace Wanjiru) and creates "Imara Academy" for them.
    pub async fn create(pool: &PgPool, email: &str) -> crate::Result<Self> {
        Self::named(pool, email, "Imara Academy").await
    }

    /// Registers `email` (Grace Wanjiru) and creates the school `name` for them.
    pub async fn named(pool: &PgPool, email: &str, name: &str) -> crate::Result<Self> {
        let account = user::register(pool, email, "Grace Wanjiru", super::client::PASSWORD).await?;
        let school = school::create(
            pool,
            account.id,
            NewSchool {
                name: name.into(),
                address: None,
                contact: None,
            },
        )
        .await?;
        Ok(Self {
            pool: pool.clone(),
            user_id: account.id,
            school_id: school.id,
        })
    }

    /// A transaction in the school, as its bursar.
    pub async fn tenant(&self) -> crate::Result<db::Tx> {
        db::begin_tenant(&self.pool, self.school_id, Some(self.user_id)).await
    }
}

/// The class "Grade 4 East" of `academic_year`, created by `actor`.
pub async fn grade_4_east(
    conn: &mut PgConnection,
    actor: Uuid,
    academic_year: i32,
) -> crate::Result<Uuid> {
    let class = class::create(
        conn,
        actor,
        NewClass {
            name: "Grade 4 East".into(),
            level: "Grade 4".into(),
            academic_year,
            stream: Some("East".into()),
        },
    )
    .await?;
    Ok(class.id)
}

/// `n` active students in `class`, in one statement: admission numbers
/// ADM-000001 upwards (in id order), named Pupil1 Otieno and so on.
pub async fn students(conn: &mut PgConnection, class: Uuid, n: usize) -> crate::Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "INSERT INTO students (school_id, id, admission_no, first_name, last_name, class_id)
         SELECT app_school_id(), s.id, 'ADM-' || lpad(s.n::text, 6, '0'), 'Pupil' || s.n, 'Otieno', $2
           FROM unnest($1::uuid[]) WITH ORDINALITY AS s(id, n)",
    )
    .bind(&ids)
    .bind(class)
    .execute(conn)
    .await?;
    Ok(ids)
}

/// One active student in `class`.
pub async fn student(
    conn: &mut PgConnection,
    class: Uuid,
    admission_no: &str,
    first_name: &str,
    last_name: &str,
) -> crate::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO students (school_id, id, admission_no, first_name, last_name, class_id)
         VALUES (app_school_id(), $1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(admission_no)
    .bind(first_name)
    .bind(last_name)
    .bind(class)
    .execute(conn)
    .await?;
    Ok(id)
}

/// A guardian (with `email`, if any), the primary guardian of each of `children`.
pub async fn guardian(
    conn: &mut PgConnection,
    first_name: &str,
    last_name: &str,
    email: Option<&str>,
    children: &[Uuid],
) -> crate::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO guardians (school_id, id, first_name, last_name, email)
         VALUES (app_school_id(), $1, $2, $3, $4)",
    )
    .bind(id)
    .bind(first_name)
    .bind(last_name)
    .bind(email)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO student_guardians (school_id, student_id, guardian_id, is_primary)
         SELECT app_school_id(), s, $2, true FROM unnest($1::uuid[]) s",
    )
    .bind(children)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(id)
}
