//! Students (learners): enrolment with a primary guardian, class moves and
//! status changes, and the balance worked out from the ledger.

use crate::sql;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

mod lookup;

pub use lookup::{Match, Named, find_by_admission_no, find_by_name_words, named};

use super::{
    de,
    guardian::{self, NewGuardian},
    money::Money,
    text,
    text_enum::text_enum,
};
use crate::{
    audit::{self, Change},
    error::{Error, Result},
    page::{Page, PageRequest},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[schema(as = StudentStatus)]
pub enum Status {
    Active,
    Suspended,
    Transferred,
    Graduated,
    Withdrawn,
}

text_enum!(Status);

/// MALE, FEMALE or OTHER, accepted in any letter case and as M or F
/// (the seed's clients send `"Male"`); stored and returned upper-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Gender {
    Male,
    Female,
    Other,
}

text_enum!(Gender);

impl Gender {
    /// MALE, FEMALE or OTHER in any letter case, or M or F.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "MALE" | "M" => Some(Gender::Male),
            "FEMALE" | "F" => Some(Gender::Female),
            "OTHER" => Some(Gender::Other),
            _ => None,
        }
    }
}

/// Clients in the wild send `"Male"`: read leniently, refuse clearly.
impl<'de> Deserialize<'de> for Gender {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Gender::parse(&raw).ok_or_else(|| {
            let shown: String = raw.chars().take(16).collect();
            serde::de::Error::custom(format!(
                "gender {shown:?} is not one of MALE, FEMALE or OTHER (any letter case; M or F also do)"
            ))
        })
    }
}

/// The school's own key for a learner, what parents type as the M-Pesa
/// account number: letters, digits and / - . _, stored upper-case.
pub fn admission_no(raw: &str) -> Result<String> {
    let value = super::text::identifier_form(raw).to_uppercase();
    let valid = (1..=32).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.' | '_'));
    if valid {
        Ok(value)
    } else {
        Err(Error::invalid(
            "invalid_admission_no",
            "admission_no must be 1 to 32 letters, digits or / - . _",
        ))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStudent {
    pub admission_no: String,
    pub first_name: String,
    pub last_name: String,
    pub gender: Option<Gender>,
    pub date_of_birth: Option<NaiveDate>,
    pub class_id: Option<Uuid>,
    /// An existing guardian of this school...
    pub primary_guardian_id: Option<Uuid>,
    /// ...or a new one created with the student.
    #[serde(default, deserialize_with = "de::object")]
    pub primary_guardian: Option<NewGuardian>,
    /// UPI / KEMIS number.
    pub upi_no: Option<String>,
    /// KNEC assessment number.
    pub knec_no: Option<String>,
    pub birth_cert_no: Option<String>,
}

/// The body of PATCH /students/{id}: any of these; null clears a field
/// that may be empty.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StudentChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// MALE, FEMALE or OTHER in any letter case (M or F also do), or null.
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<Gender>)]
    pub gender: Option<Option<Gender>>,
    /// A past date after 1950, or null.
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub date_of_birth: Option<Option<NaiveDate>>,
    /// A class id, or null to take the student out of any class.
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub class_id: Option<Option<Uuid>>,
    pub status: Option<Status>,
    /// UPI / KEMIS number, unique in the school; null (or blank) clears it.
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<String>)]
    pub upi_no: Option<Option<String>>,
    /// A guardian of this school to be the primary one: linked to the
    /// student if not yet; the former primary stays linked, not primary.
    pub primary_guardian_id: Option<Uuid>,
}

impl StudentChanges {
    fn is_empty(&self) -> bool {
        self.first_name.is_none()
            && self.last_name.is_none()
            && self.gender.is_none()
            && self.date_of_birth.is_none()
            && self.class_id.is_none()
            && self.status.is_none()
            && self.upi_no.is_none()
            && self.primary_guardian_id.is_none()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Student {
    pub id: Uuid,
    pub admission_no: String,
    pub first_name: String,
    pub last_name: String,
    pub gender: Option<Gender>,
    pub date_of_birth: Option<NaiveDate>,
    pub class_id: Option<Uuid>,
    pub status: Status,
    pub upi_no: Option<String>,
    pub knec_no: Option<String>,
    pub birth_cert_no: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LinkedGuardian {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub relationship: Option<String>,
    pub is_primary: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StudentDetail {
    #[serde(flatten)]
    pub student: Student,
    pub guardians: Vec<LinkedGuardian>,
    /// What the family owes now (receivable less any credit held), across terms.
    pub balance: Money,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StudentFilter {
    pub class_id: Option<Uuid>,
    pub status: Option<Status>,
    /// Matches admission number or name. Text without NUL characters,
    /// which PostgreSQL cannot hold (400 `invalid_value`).
    #[param(pattern = "^[^\\x00]*$")]
    pub q: Option<String>,
}

const COLUMNS: &str = "id, admission_no, first_name, last_name, gender, date_of_birth, class_id, status, \
                       upi_no, knec_no, birth_cert_no, created_at, updated_at";

fn optional_id(field: &'static str, value: Option<&str>) -> Result<Option<String>> {
    text::optional(field, value, 40)
}

pub async fn create(
    conn: &mut PgConnection,
    actor: Uuid,
    new: NewStudent,
) -> Result<StudentDetail> {
    let admission_no = admission_no(&new.admission_no)?;
    let first_name = text::name("first_name", &new.first_name, 80)?;
    let last_name = text::name("last_name", &new.last_name, 80)?;
    if let Some(born) = new.date_of_birth {
        check_date_of_birth(born)?;
    }
    let guardian_id = match (new.primary_guardian_id, new.primary_guardian) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "ambiguous_guardian",
                "send primary_guardian_id or primary_guardian, not both",
            ));
        }
        (Some(id), None) => Some(id),
        (None, Some(inline)) => Some(guardian::create(conn, actor, inline).await?.id),
        (None, None) => None,
    };
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO students (school_id, id, admission_no, first_name, last_name, gender, date_of_birth, class_id,
                               upi_no, knec_no, birth_cert_no)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(&admission_no)
    .bind(&first_name)
    .bind(&last_name)
    .bind(new.gender)
    .bind(new.date_of_birth)
    .bind(new.class_id)
    .bind(optional_id("upi_no", new.upi_no.as_deref())?)
    .bind(optional_id("knec_no", new.knec_no.as_deref())?)
    .bind(optional_id("birth_cert_no", new.birth_cert_no.as_deref())?)
    .execute(&mut *conn)
    .await?;
    if let Some(guardian_id) = guardian_id {
        sqlx::query(
            "INSERT INTO student_guardians (school_id, student_id, guardian_id, is_primary)
             VALUES (app_school_id(), $1, $2, true)",
        )
        .bind(id)
        .bind(guardian_id)
        .execute(&mut *conn)
        .await?;
    }
    let detail = get(conn, id).await?;
    let change = Change {
        actor,
        action: "student.create",
        entity: "student",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&detail)).await?;
    Ok(detail)
}

fn check_date_of_birth(born: NaiveDate) -> Result<()> {
    let today = Utc::now().date_naive();
    if born > today || born < NaiveDate::from_ymd_opt(1950, 1, 1).expect("valid date") {
        return Err(Error::invalid(
            "invalid_date_of_birth",
            "date_of_birth must be a past date after 1950",
        ));
    }
    Ok(())
}

async fn find(conn: &mut PgConnection, id: Uuid, lock: bool) -> Result<Student> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    sqlx::query_as(sql!("SELECT {COLUMNS} FROM students WHERE id = $1{lock}"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("student"))
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<StudentDetail> {
    let student = find(conn, id, false).await?;
    let guardians = sqlx::query_as(
        "SELECT g.id, g.first_name, g.last_name, g.email, g.phone, g.relationship, sg.is_primary
           FROM student_guardians sg JOIN guardians g ON g.school_id = sg.school_id AND g.id = sg.guardian_id
          WHERE sg.student_id = $1 ORDER BY sg.is_primary DESC, g.last_name, g.first_name",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let balance = balance(conn, id).await?;
    Ok(StudentDetail {
        student,
        guardians,
        balance,
    })
}

/// What the student `s` (a row of `students` in the surrounding SQL) owes,
/// from the ledger: receivable (1100) less credit held (2000). Debits raise
/// what is owed on 1100; credit held on 2000 lowers it. The one definition
/// of a balance, for this crate's SQL (`sql!`).
pub const BALANCE_SQL: &str = "(SELECT coalesce(sum(l.debit - l.credit), 0)::numeric(14,2)
      FROM journal_lines l JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
     WHERE l.school_id = s.school_id AND l.student_id = s.id AND a.code IN ('1100', '2000'))";

/// The student's balance (`BALANCE_SQL`); zero for no such student.
pub async fn balance(conn: &mut PgConnection, student_id: Uuid) -> Result<Money> {
    let balance: Option<rust_decimal::Decimal> =
        sqlx::query_scalar(sql!("SELECT {BALANCE_SQL} FROM students s WHERE s.id = $1"))
            .bind(student_id)
            .fetch_optional(conn)
            .await?;
    Ok(Money::from_decimal(balance.unwrap_or_default()))
}

pub async fn list(
    conn: &mut PgConnection,
    filter: StudentFilter,
    page: PageRequest,
) -> Result<Page<Student>> {
    let q = filter
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| {
            let escaped = q
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
    let rows = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM students
          WHERE ($1::uuid IS NULL OR id > $1)
            AND ($2::uuid IS NULL OR class_id = $2)
            AND ($3::text IS NULL OR status = $3)
            AND ($4::text IS NULL OR admission_no ILIKE $4 OR (first_name || ' ' || last_name) ILIKE $4)
          ORDER BY id LIMIT $5"
    ))
    .bind(page.after)
    .bind(filter.class_id)
    .bind(filter.status)
    .bind(q)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |s: &Student| s.id))
}

/// A student as the audit log records a change: the row and who is the
/// primary guardian.
#[derive(Serialize)]
struct Snapshot {
    #[serde(flatten)]
    student: Student,
    primary_guardian_id: Option<Uuid>,
}

async fn primary_guardian(conn: &mut PgConnection, id: Uuid) -> Result<Option<Uuid>> {
    let primary = sqlx::query_scalar(
        "SELECT guardian_id FROM student_guardians WHERE student_id = $1 AND is_primary",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(primary)
}

/// Makes `guardian_id` the student's primary guardian, linking them first
/// if they are not linked; 422 `unknown_guardian` for no such guardian.
async fn set_primary(conn: &mut PgConnection, id: Uuid, guardian_id: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE student_guardians SET is_primary = false
          WHERE student_id = $1 AND is_primary AND guardian_id <> $2",
    )
    .bind(id)
    .bind(guardian_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO student_guardians (school_id, student_id, guardian_id, is_primary)
         VALUES (app_school_id(), $1, $2, true)
         ON CONFLICT (school_id, student_id, guardian_id) DO UPDATE SET is_primary = true",
    )
    .bind(id)
    .bind(guardian_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The student's fields a PATCH may change, to tell whether one did.
type Editable<'a> = (
    &'a str,
    &'a str,
    Option<Gender>,
    Option<NaiveDate>,
    Option<Uuid>,
    Status,
    Option<&'a str>,
);

fn editable(s: &Student) -> Editable<'_> {
    (
        &s.first_name,
        &s.last_name,
        s.gender,
        s.date_of_birth,
        s.class_id,
        s.status,
        s.upi_no.as_deref(),
    )
}

/// Applies the changes with the same rules as enrolment. One audit row
/// holds the student before and after (with the primary guardian); a
/// PATCH that changes nothing writes none.
#[tracing::instrument(skip_all, fields(student_id = %id))]
pub async fn update(
    conn: &mut PgConnection,
    actor: Uuid,
    id: Uuid,
    changes: StudentChanges,
) -> Result<StudentDetail> {
    if changes.is_empty() {
        return Err(Error::invalid(
            "empty_change",
            "send at least one of first_name, last_name, gender, date_of_birth, class_id, status, upi_no, primary_guardian_id",
        ));
    }
    let before = find(conn, id, true).await?;
    let mut after = before.clone();
    if let Some(first_name) = &changes.first_name {
        after.first_name = text::name("first_name", first_name, 80)?;
    }
    if let Some(last_name) = &changes.last_name {
        after.last_name = text::name("last_name", last_name, 80)?;
    }
    if let Some(gender) = changes.gender {
        after.gender = gender;
    }
    if let Some(born) = changes.date_of_birth {
        born.map(check_date_of_birth).transpose()?;
        after.date_of_birth = born;
    }
    if let Some(class_id) = changes.class_id {
        after.class_id = class_id;
    }
    if let Some(status) = changes.status {
        after.status = status;
    }
    if let Some(upi_no) = &changes.upi_no {
        after.upi_no = optional_id("upi_no", upi_no.as_deref())?;
    }
    let primary_before = primary_guardian(conn, id).await?;
    let student_changed = editable(&before) != editable(&after);
    let primary_changed = changes
        .primary_guardian_id
        .is_some_and(|g| Some(g) != primary_before);
    if student_changed {
        sqlx::query(
            "UPDATE students SET first_name = $2, last_name = $3, gender = $4, date_of_birth = $5,
                                 class_id = $6, status = $7, upi_no = $8
              WHERE id = $1",
        )
        .bind(id)
        .bind(&after.first_name)
        .bind(&after.last_name)
        .bind(after.gender)
        .bind(after.date_of_birth)
        .bind(after.class_id)
        .bind(after.status)
        .bind(&after.upi_no)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(guardian_id) = changes.primary_guardian_id.filter(|_| primary_changed) {
        set_primary(conn, id, guardian_id).await?;
    }
    let detail = get(conn, id).await?;
    if student_changed || primary_changed {
        let change = Change {
            actor,
            action: "student.update",
            entity: "student",
            entity_id: &id.to_string(),
        };
        let before = Snapshot {
            student: before,
            primary_guardian_id: primary_before,
        };
        let after = Snapshot {
            student: detail.student.clone(),
            primary_guardian_id: changes.primary_guardian_id.or(primary_before),
        };
        audit::record(conn, change, Some(&before), Some(&after)).await?;
    }
    Ok(detail)
}

/// A class's active learners and what those who owe owe (`BALANCE_SQL`).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct ClassBalances {
    pub students: i64,
    pub owing: i64,
    pub owed: Money,
}

/// The class's active students, how many owe and what they owe.
#[tracing::instrument(skip_all)]
pub async fn balances_in_class(conn: &mut PgConnection, class_id: Uuid) -> Result<ClassBalances> {
    let balances = sqlx::query_as(sql!(
        "SELECT count(*) AS students, count(*) FILTER (WHERE b.balance > 0) AS owing,
                coalesce(sum(b.balance) FILTER (WHERE b.balance > 0), 0) AS owed
           FROM (SELECT {BALANCE_SQL} AS balance FROM students s
                  WHERE s.class_id = $1 AND s.status = 'ACTIVE') b"
    ))
    .bind(class_id)
    .fetch_one(conn)
    .await?;
    Ok(balances)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_numbers_are_trimmed_and_upper_cased() {
        assert_eq!(admission_no(" adm-2025-001 ").unwrap(), "ADM-2025-001");
        assert_eq!(admission_no("2025/14").unwrap(), "2025/14");
    }

    #[test]
    fn admission_numbers_with_spaces_or_symbols_are_refused() {
        for bad in ["", "ADM 001", "ADM;DROP", "A".repeat(33).as_str()] {
            assert!(admission_no(bad).is_err(), "{bad}");
        }
    }
}
