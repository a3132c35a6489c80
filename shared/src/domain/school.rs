//! Schools: creation with the bootstrap every new school needs (chart of
//! accounts, CBC grade levels, term dates, a default fee structure, a
//! weekly fee reminder that is off until turned on), all in
//! the transaction that creates it; the school's own settings (PATCH).

use crate::sql;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    de, ledger::AccountType, notification::Channel, reminder::timing, role::Role, text,
    text_enum::text_enum,
};
use crate::{
    audit::{self, Change},
    db,
    error::{Error, Result},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchool {
    pub name: String,
    pub address: Option<String>,
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct School {
    pub id: Uuid,
    pub name: String,
    pub address: Option<String>,
    pub contact: Option<String>,
    pub timezone: String,
    /// The M-Pesa paybill parents are told to pay to (5 to 7 digits).
    pub paybill: Option<String>,
    /// Where a receipt goes to the primary guardian when a payment posts.
    pub receipt_channel: ReceiptChannel,
    pub created_at: DateTime<Utc>,
}

/// Where receipts are sent to the student's primary guardian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ReceiptChannel {
    /// Receipts are printed or read in the app, not sent.
    None,
    InApp,
    Email,
    /// Refused (422 `sms_not_configured`) until SMS sending exists.
    Sms,
}

text_enum!(ReceiptChannel);

impl ReceiptChannel {
    /// The notification channel a receipt goes on; None for NONE.
    pub fn notification_channel(self) -> Option<Channel> {
        match self {
            Self::None | Self::Sms => None,
            Self::InApp => Some(Channel::InApp),
            Self::Email => Some(Channel::Email),
        }
    }
}

/// The body of PATCH /schools/{id}: only the fields sent change; null
/// clears address, contact or paybill.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchoolChanges {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<String>)]
    pub contact: Option<Option<String>>,
    /// An IANA zone such as Africa/Nairobi.
    pub timezone: Option<String>,
    /// 5 to 7 digits, or null.
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{5,7}$")]
    pub paybill: Option<Option<String>>,
    pub receipt_channel: Option<ReceiptChannel>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MySchool {
    pub school: School,
    pub role: Role,
}

#[derive(sqlx::FromRow)]
struct MySchoolRow {
    #[sqlx(flatten)]
    school: School,
    role: Role,
}

const SCHOOL_COLUMNS: &str =
    "s.id, s.name, s.address, s.contact, s.timezone, s.paybill, s.receipt_channel, s.created_at";

/// Creates the school with the caller as OWNER, and bootstraps it.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn create(pool: &PgPool, user_id: Uuid, new: NewSchool) -> Result<School> {
    let name = text::name("name", &new.name, 160)?;
    let address = text::optional("address", new.address.as_deref(), 300)?;
    let contact = text::optional("contact", new.contact.as_deref(), 160)?;
    let school_id = Uuid::now_v7();
    let mut tx = db::begin_tenant(pool, school_id, Some(user_id)).await?;
    let school: School = sqlx::query_as(sql!(
        "INSERT INTO schools AS s (id, name, address, contact, created_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING {SCHOOL_COLUMNS}"
    ))
    .bind(school_id)
    .bind(&name)
    .bind(&address)
    .bind(&contact)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO school_memberships (school_id, user_id, role) VALUES ($1, $2, 'OWNER')",
    )
    .bind(school_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    bootstrap(&mut tx, school_id, Utc::now().year()).await?;
    super::reminder::schedule::create_default(&mut tx).await?;
    let change = Change {
        actor: user_id,
        action: "school.create",
        entity: "school",
        entity_id: &school_id.to_string(),
    };
    audit::record(&mut tx, change, None::<&()>, Some(&school)).await?;
    tx.commit().await?;
    Ok(school)
}

pub async fn list_mine(pool: &PgPool, user_id: Uuid) -> Result<Vec<MySchool>> {
    let mut tx = db::begin_user(pool, user_id).await?;
    let rows: Vec<MySchoolRow> = sqlx::query_as(sql!(
        "SELECT {SCHOOL_COLUMNS}, m.role FROM school_memberships m JOIN schools s ON s.id = m.school_id
          WHERE m.user_id = $1 ORDER BY s.name, s.id"
    ))
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| MySchool {
            school: row.school,
            role: row.role,
        })
        .collect())
}

/// The school of the current tenant transaction.
pub async fn current(conn: &mut PgConnection) -> Result<School> {
    let school = sqlx::query_as(sql!(
        "SELECT {SCHOOL_COLUMNS} FROM schools s WHERE s.id = app_school_id()"
    ))
    .fetch_one(conn)
    .await?;
    Ok(school)
}

/// Changes the current school's settings (the caller has checked the
/// role); `id` must be the school of the transaction, else 404
/// `school_not_found`, whatever other school the caller belongs to.
#[tracing::instrument(skip_all, fields(school_id = %id))]
pub async fn update(
    conn: &mut PgConnection,
    actor: Uuid,
    id: Uuid,
    changes: SchoolChanges,
) -> Result<School> {
    let before: School = sqlx::query_as(sql!(
        "SELECT {SCHOOL_COLUMNS} FROM schools s WHERE s.id = $1 AND s.id = app_school_id() FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("school"))?;
    let SchoolChanges {
        name,
        address,
        contact,
        timezone,
        paybill,
        receipt_channel,
    } = changes;
    if name.is_none()
        && address.is_none()
        && contact.is_none()
        && timezone.is_none()
        && paybill.is_none()
        && receipt_channel.is_none()
    {
        return Err(Error::invalid(
            "empty_change",
            "send at least one of name, address, contact, timezone, paybill, receipt_channel",
        ));
    }
    let name = name.map(|n| text::name("name", &n, 160)).transpose()?;
    let address = address
        .map(|a| text::optional("address", a.as_deref(), 300))
        .transpose()?;
    let contact = contact
        .map(|c| text::optional("contact", c.as_deref(), 160))
        .transpose()?;
    let timezone = timezone
        .map(|z| timing::parse_zone(&z).map(|tz| tz.name().to_string()))
        .transpose()?;
    let paybill = paybill.map(|p| parse_paybill(p.as_deref())).transpose()?;
    if receipt_channel == Some(ReceiptChannel::Sms) {
        return Err(Error::rule(
            "sms_not_configured",
            "receipts cannot go by SMS until SMS sending is set up; choose NONE, IN_APP or EMAIL",
        ));
    }
    let school: School = sqlx::query_as(sql!(
        "UPDATE schools AS s SET name = coalesce($2, s.name),
                address = CASE WHEN $3 THEN $4 ELSE s.address END,
                contact = CASE WHEN $5 THEN $6 ELSE s.contact END,
                timezone = coalesce($7, s.timezone),
                paybill = CASE WHEN $8 THEN $9 ELSE s.paybill END,
                receipt_channel = coalesce($10, s.receipt_channel)
          WHERE s.id = $1
          RETURNING {SCHOOL_COLUMNS}"
    ))
    .bind(id)
    .bind(name)
    .bind(address.is_some())
    .bind(address.flatten())
    .bind(contact.is_some())
    .bind(contact.flatten())
    .bind(timezone)
    .bind(paybill.is_some())
    .bind(paybill.flatten())
    .bind(receipt_channel)
    .fetch_one(&mut *conn)
    .await?;
    let change = Change {
        actor,
        action: "school.update",
        entity: "school",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&school)).await?;
    Ok(school)
}

/// A paybill or till number as stored: digits only, 5 to 7 of them
/// (Safaricom shortcodes; spaces are dropped), or None to clear it.
fn parse_paybill(raw: Option<&str>) -> Result<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if !(5..=7).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::invalid(
            "invalid_paybill",
            "paybill must be the M-Pesa business number: 5 to 7 digits",
        ));
    }
    Ok(Some(digits))
}

/// Income heads, in the order the default fee items use them.
const INCOME_HEADS: &[(&str, &str)] = &[
    ("4000", "Tuition"),
    ("4010", "Activity Fee"),
    ("4020", "Exam Fee"),
    ("4030", "Lunch"),
    ("4040", "Transport"),
];

const OTHER_ACCOUNTS: &[(&str, &str, AccountType)] = &[
    ("1000", "Cash & Bank", AccountType::Asset),
    ("1100", "Accounts Receivable", AccountType::Asset),
    ("1150", "Sponsor Receivable", AccountType::Asset),
    ("2000", "Unearned Revenue", AccountType::Liability),
    ("3000", "Retained Earnings", AccountType::Equity),
    // Contra-income: credit notes debit it.
    ("4900", "Discounts & Waivers", AccountType::Income),
    ("5000", "Salaries & Wages", AccountType::Expense),
    ("5010", "Food & Catering", AccountType::Expense),
    ("5020", "Transport Costs", AccountType::Expense),
    ("5030", "Learning Materials", AccountType::Expense),
    ("5040", "Utilities", AccountType::Expense),
    ("5050", "Repairs & Maintenance", AccountType::Expense),
];

/// (name, stage) in teaching order. Per-school rows, editable: some schools
/// still run 8-4-4 forms and add them.
const CBC_LEVELS: &[(&str, &str)] = &[
    ("PP1", "Pre-Primary"),
    ("PP2", "Pre-Primary"),
    ("Grade 1", "Lower Primary"),
    ("Grade 2", "Lower Primary"),
    ("Grade 3", "Lower Primary"),
    ("Grade 4", "Upper Primary"),
    ("Grade 5", "Upper Primary"),
    ("Grade 6", "Upper Primary"),
    ("Grade 7", "Junior School"),
    ("Grade 8", "Junior School"),
    ("Grade 9", "Junior School"),
    ("Grade 10", "Senior School"),
    ("Grade 11", "Senior School"),
    ("Grade 12", "Senior School"),
];

/// The default structure's items, for any level, term and year until the
/// school sets its own: (name, amount, optional, income account code).
const DEFAULT_FEE_ITEMS: &[(&str, &str, bool, &str)] = &[
    ("Tuition", "15000.00", false, "4000"),
    ("Activity Fee", "2000.00", false, "4010"),
    ("Exam Fee", "1500.00", false, "4020"),
    ("Lunch", "6000.00", true, "4030"),
    ("Transport", "8000.00", true, "4040"),
];

/// Term dates by (month, day); the 2026 calendar, used for every year until
/// the school edits its own dates to the year's circular.
const TERM_DATES: [((u32, u32), (u32, u32)); 3] =
    [((1, 5), (4, 2)), ((4, 27), (7, 31)), ((8, 24), (10, 23))];

async fn bootstrap(conn: &mut PgConnection, school_id: Uuid, year: i32) -> Result<()> {
    let mut codes = Vec::new();
    let mut names = Vec::new();
    let mut types = Vec::new();
    for (code, name) in INCOME_HEADS {
        codes.push(*code);
        names.push(*name);
        types.push(AccountType::Income);
    }
    for (code, name, kind) in OTHER_ACCOUNTS {
        codes.push(*code);
        names.push(*name);
        types.push(*kind);
    }
    sqlx::query(
        "INSERT INTO gl_accounts (school_id, code, name, type)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])",
    )
    .bind(school_id)
    .bind(&codes)
    .bind(&names)
    .bind(&types)
    .execute(&mut *conn)
    .await?;

    let level_names: Vec<&str> = CBC_LEVELS.iter().map(|(n, _)| *n).collect();
    let stages: Vec<&str> = CBC_LEVELS.iter().map(|(_, s)| *s).collect();
    sqlx::query(
        "INSERT INTO grade_levels (school_id, name, stage, sort_order)
         SELECT $1, name, stage, ord FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS l(name, stage, ord)",
    )
    .bind(school_id)
    .bind(&level_names)
    .bind(&stages)
    .execute(&mut *conn)
    .await?;

    let (mut years, mut terms, mut starts, mut ends) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for y in [year, year + 1] {
        for (i, ((sm, sd), (em, ed))) in TERM_DATES.iter().enumerate() {
            years.push(y);
            terms.push(i as i16 + 1);
            starts.push(NaiveDate::from_ymd_opt(y, *sm, *sd).expect("valid term start"));
            ends.push(NaiveDate::from_ymd_opt(y, *em, *ed).expect("valid term end"));
        }
    }
    sqlx::query(
        "INSERT INTO academic_terms (school_id, year, term, starts_on, ends_on)
         SELECT $1, * FROM unnest($2::int[], $3::smallint[], $4::date[], $5::date[])",
    )
    .bind(school_id)
    .bind(&years)
    .bind(&terms)
    .bind(&starts)
    .bind(&ends)
    .execute(&mut *conn)
    .await?;

    let structure_id: Uuid = sqlx::query_scalar(
        "INSERT INTO fee_structures (school_id, name, term, is_default) VALUES ($1, 'Default fees', NULL, true)
         RETURNING id",
    )
    .bind(school_id)
    .fetch_one(&mut *conn)
    .await?;
    let item_names: Vec<&str> = DEFAULT_FEE_ITEMS.iter().map(|i| i.0).collect();
    let amounts: Vec<&str> = DEFAULT_FEE_ITEMS.iter().map(|i| i.1).collect();
    let optional: Vec<bool> = DEFAULT_FEE_ITEMS.iter().map(|i| i.2).collect();
    let accounts: Vec<&str> = DEFAULT_FEE_ITEMS.iter().map(|i| i.3).collect();
    sqlx::query(
        "INSERT INTO fee_items (school_id, fee_structure_id, name, amount, optional, income_account_id, sort_order)
         SELECT $1, $2, i.name, i.amount::numeric, i.optional, a.id, i.ord
           FROM unnest($3::text[], $4::text[], $5::bool[], $6::text[]) WITH ORDINALITY AS i(name, amount, optional, code, ord)
           JOIN gl_accounts a ON a.school_id = $1 AND a.code = i.code",
    )
    .bind(school_id)
    .bind(structure_id)
    .bind(&item_names)
    .bind(&amounts)
    .bind(&optional)
    .bind(&accounts)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How big the school is: active students, classes and guardians.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Counts {
    pub students: i64,
    pub classes: i64,
    pub guardians: i64,
}

/// The school's active students, classes and guardians.
#[tracing::instrument(skip_all)]
pub async fn counts(conn: &mut PgConnection) -> Result<Counts> {
    let counts = sqlx::query_as(
        "SELECT (SELECT count(*) FROM students WHERE status = 'ACTIVE') AS students,
                (SELECT count(*) FROM classes) AS classes,
                (SELECT count(*) FROM guardians) AS guardians",
    )
    .fetch_one(conn)
    .await?;
    Ok(counts)
}
