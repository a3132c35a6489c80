//! Reminder schedules: when (cron in a time zone), to whom (guardians of
//! students who owe, optionally one class or a minimum balance) and by
//! which channel. A school may keep several; each is off until turned on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::timing::Timing;
use crate::{
    audit::{self, Change},
    domain::{de, money::Money, text, text_enum::text_enum},
    error::{Error, Result},
    page::{Page, PageRequest},
    sql,
};

/// How a guardian is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ChannelRule {
    /// EMAIL when the guardian has an address, IN_APP otherwise.
    #[default]
    EmailOrInApp,
    /// EMAIL only; a guardian without an address gets a FAILED delivery.
    Email,
    InApp,
}

text_enum!(ChannelRule);

/// Guardians of active students who owe; these narrow it further.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderAudience {
    pub class_id: Option<Uuid>,
    /// Only students owing at least this much.
    pub min_balance: Option<Money>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    pub name: String,
    /// 5 fields (minute hour day month weekday), 6 with seconds first, or 7 with a year last.
    pub cron: String,
    /// An IANA zone; defaults to the school's (Africa/Nairobi).
    pub timezone: Option<String>,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub channel: ChannelRule,
    #[serde(default, deserialize_with = "de::object")]
    pub audience: ReminderAudience,
    /// How late a missed tick may still run (seconds, default 7200).
    pub grace_seconds: Option<i32>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleChanges {
    pub name: Option<String>,
    pub cron: Option<String>,
    pub timezone: Option<String>,
    pub enabled: Option<bool>,
    pub channel: Option<ChannelRule>,
    /// Replaces the audience; `{}` for every guardian who owes.
    #[serde(default, deserialize_with = "de::object")]
    pub audience: Option<ReminderAudience>,
    #[serde(default, deserialize_with = "de::double_option")]
    #[schema(value_type = Option<i32>)]
    pub grace_seconds: Option<Option<i32>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Schedule {
    pub id: Uuid,
    pub name: String,
    pub cron: String,
    pub timezone: String,
    pub enabled: bool,
    pub channel: ChannelRule,
    pub audience: ReminderAudience,
    pub grace_seconds: i32,
    /// The newest tick a run was queued for.
    pub last_tick: Option<DateTime<Utc>>,
    /// When it fires next (null while disabled).
    pub next_tick: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    cron: String,
    timezone: String,
    enabled: bool,
    channel: ChannelRule,
    class_id: Option<Uuid>,
    min_balance: Money,
    grace_seconds: i32,
    last_tick: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_schedule(self) -> Schedule {
        let next_tick = if self.enabled {
            Timing::parse(&self.cron, &self.timezone)
                .ok()
                .and_then(|t| t.next_after(Utc::now()))
        } else {
            None
        };
        Schedule {
            id: self.id,
            name: self.name,
            channel: self.channel,
            audience: ReminderAudience {
                class_id: self.class_id,
                min_balance: (self.min_balance > Money::ZERO).then_some(self.min_balance),
            },
            cron: self.cron,
            timezone: self.timezone,
            enabled: self.enabled,
            grace_seconds: self.grace_seconds,
            last_tick: self.last_tick,
            next_tick,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const COLUMNS: &str = "id, name, cron, timezone, enabled, channel, class_id, min_balance, grace_seconds, last_tick, created_at, updated_at";

pub const DEFAULT_GRACE_SECONDS: i32 = 7200;
const MAX_GRACE_SECONDS: i32 = 7 * 24 * 3600;

/// What every new school gets: Mondays at 09:00 school time, to every
/// guardian who owes, off until the school turns it on.
pub async fn create_default(conn: &mut PgConnection) -> Result<()> {
    sqlx::query(
        "INSERT INTO reminder_schedules (school_id, id, name, cron, timezone, enabled)
         SELECT id, $1, 'Weekly fee reminder', '0 9 * * Mon', timezone, false FROM schools WHERE id = app_school_id()",
    )
    .bind(Uuid::now_v7())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn create(conn: &mut PgConnection, actor: Uuid, new: NewSchedule) -> Result<Schedule> {
    let name = text::name("name", &new.name, 120)?;
    let timezone = match new.timezone.as_deref() {
        Some(zone) => zone.trim().to_string(),
        None => {
            sqlx::query_scalar("SELECT timezone FROM schools WHERE id = app_school_id()")
                .fetch_one(&mut *conn)
                .await?
        }
    };
    let cron = new.cron.trim().to_string();
    Timing::parse_for_schedule(&cron, &timezone)?;
    let grace = grace(new.grace_seconds)?;
    let min_balance = min_balance(&new.audience)?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO reminder_schedules (school_id, id, name, cron, timezone, enabled, channel, class_id, min_balance, grace_seconds, created_by)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(&name)
    .bind(&cron)
    .bind(&timezone)
    .bind(new.enabled)
    .bind(new.channel)
    .bind(new.audience.class_id)
    .bind(min_balance)
    .bind(grace)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    let schedule = get(conn, id).await?;
    let change = Change {
        actor,
        action: "reminder_schedule.create",
        entity: "reminder_schedule",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&schedule)).await?;
    Ok(schedule)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Schedule> {
    find(conn, id, false).await
}

async fn find(conn: &mut PgConnection, id: Uuid, lock: bool) -> Result<Schedule> {
    let lock = if lock { "FOR UPDATE" } else { "" };
    let row: Row = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM reminder_schedules WHERE id = $1 AND deleted_at IS NULL {lock}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::not_found("reminder schedule"))?;
    Ok(row.into_schedule())
}

pub async fn list(conn: &mut PgConnection, page: PageRequest) -> Result<Page<Schedule>> {
    let rows: Vec<Row> = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM reminder_schedules
          WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2"
    ))
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    let rows = rows.into_iter().map(Row::into_schedule).collect();
    Ok(Page::from_rows(rows, page, |s: &Schedule| s.id))
}

pub async fn update(
    conn: &mut PgConnection,
    actor: Uuid,
    id: Uuid,
    changes: ScheduleChanges,
) -> Result<Schedule> {
    let before = find(conn, id, true).await?;
    let name = changes
        .name
        .as_deref()
        .map(|n| text::name("name", n, 120))
        .transpose()?;
    let cron = changes
        .cron
        .as_deref()
        .map(str::trim)
        .unwrap_or(&before.cron);
    let timezone = changes
        .timezone
        .as_deref()
        .map(str::trim)
        .unwrap_or(&before.timezone);
    // A changed timing must keep runs apart; disabling or renaming a stored
    // schedule always works.
    if cron != before.cron || timezone != before.timezone {
        Timing::parse_for_schedule(cron, timezone)?;
    } else {
        Timing::parse(cron, timezone)?;
    }
    let enabled = changes.enabled.unwrap_or(before.enabled);
    // Turned on, or its timing changed: ticks before now are not owed.
    let restart =
        enabled && (!before.enabled || cron != before.cron || timezone != before.timezone);
    let audience = changes.audience.as_ref().unwrap_or(&before.audience);
    let grace = match changes.grace_seconds {
        Some(value) => grace(value)?,
        None => before.grace_seconds,
    };
    sqlx::query(
        "UPDATE reminder_schedules
            SET name = coalesce($2, name), cron = $3, timezone = $4, enabled = $5, channel = $6,
                class_id = $7, min_balance = $8, grace_seconds = $9,
                active_since = CASE WHEN $10 THEN now() ELSE active_since END
          WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(cron)
    .bind(timezone)
    .bind(enabled)
    .bind(changes.channel.unwrap_or(before.channel))
    .bind(audience.class_id)
    .bind(min_balance(audience)?)
    .bind(grace)
    .bind(restart)
    .execute(&mut *conn)
    .await?;
    let after = get(conn, id).await?;
    let change = Change {
        actor,
        action: "reminder_schedule.update",
        entity: "reminder_schedule",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&after)).await?;
    Ok(after)
}

/// Deleted schedules stop firing; their runs stay in the history.
pub async fn delete(conn: &mut PgConnection, actor: Uuid, id: Uuid) -> Result<()> {
    let before = find(conn, id, true).await?;
    sqlx::query("UPDATE reminder_schedules SET enabled = false, deleted_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let change = Change {
        actor,
        action: "reminder_schedule.delete",
        entity: "reminder_schedule",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, Some(&before), None::<&()>).await?;
    Ok(())
}

fn grace(value: Option<i32>) -> Result<i32> {
    let value = value.unwrap_or(DEFAULT_GRACE_SECONDS);
    if !(0..=MAX_GRACE_SECONDS).contains(&value) {
        return Err(Error::invalid(
            "invalid_grace_seconds",
            format!("grace_seconds must be 0 to {MAX_GRACE_SECONDS} (a week)"),
        ));
    }
    Ok(value)
}

fn min_balance(audience: &ReminderAudience) -> Result<Money> {
    let value = audience.min_balance.unwrap_or(Money::ZERO);
    if value.is_negative() {
        return Err(Error::invalid(
            "invalid_amount",
            "min_balance must not be negative",
        ));
    }
    Ok(value)
}
