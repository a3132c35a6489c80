//! Reminder runs: one per schedule and tick, queued by whichever worker's
//! scheduler sees the tick first, and read back with per-status counts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    domain::{
        money::Money,
        notification::{Channel, DeliveryStatus},
        text_enum::text_enum,
    },
    error::{Error, Result},
    page::{Page, PageRequest},
    sql,
};

/// The timing of an enabled schedule, across every school: all the
/// scheduler may see before it sets a school.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScheduleTiming {
    pub school_id: Uuid,
    pub schedule_id: Uuid,
    pub cron: String,
    pub timezone: String,
    pub grace_seconds: i32,
    pub active_since: DateTime<Utc>,
    pub last_tick: Option<DateTime<Utc>>,
}

impl ScheduleTiming {
    /// Ticks at or before this are done or not owed.
    pub fn settled_until(&self) -> DateTime<Utc> {
        self.last_tick
            .map_or(self.active_since, |tick| tick.max(self.active_since))
    }
}

pub async fn timings(pool: &PgPool) -> Result<Vec<ScheduleTiming>> {
    let mut tx = pool.begin().await?;
    let timings = sqlx::query_as(
        "SELECT school_id, schedule_id, cron, timezone, grace_seconds, active_since, last_tick
           FROM reminder_schedule_timings()",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(timings)
}

/// Writes the run for (schedule, tick) in the school of `conn` unless one
/// exists, and moves the schedule's last tick on; the new run's id, or
/// None when another worker's scheduler got there first (the run's unique
/// key decides). `commands::reminders` queues its job.
pub async fn insert(
    conn: &mut PgConnection,
    schedule_id: Uuid,
    tick: DateTime<Utc>,
) -> Result<Option<Uuid>> {
    let run_id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO reminder_runs (school_id, id, schedule_id, tick) VALUES (app_school_id(), $1, $2, $3)
         ON CONFLICT ON CONSTRAINT reminder_runs_tick_key DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(schedule_id)
    .bind(tick)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query("UPDATE reminder_schedules SET last_tick = greatest(last_tick, $2) WHERE id = $1")
        .bind(schedule_id)
        .bind(tick)
        .execute(&mut *conn)
        .await?;
    Ok(run_id)
}

/// Where a run is: queued, then succeeded, skipped (the schedule was off
/// by then) or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
#[schema(as = ReminderRunStatus)]
pub enum Status {
    Queued,
    Succeeded,
    Skipped,
    Failed,
}

text_enum!(Status);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Run {
    pub id: Uuid,
    pub schedule_id: Uuid,
    pub schedule_name: String,
    /// The schedule's tick this run is for.
    pub tick: DateTime<Utc>,
    pub status: Status,
    pub error: Option<String>,
    /// Guardians reminded.
    pub recipients: i64,
    pub emails: i64,
    pub in_app: i64,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RunDelivery {
    pub guardian_id: Uuid,
    pub delivery_id: Uuid,
    pub channel: Channel,
    pub address: Option<String>,
    pub status: DeliveryStatus,
    pub error: Option<String>,
    /// 1 for the first reminder about these open invoices, then 2, 3, ...
    pub reminder_no: i32,
    pub balance: Money,
    pub subject: Option<String>,
    pub body: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: Run,
    pub deliveries: Vec<RunDelivery>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilter {
    pub schedule_id: Option<Uuid>,
}

const SELECT: &str =
    "SELECT r.id, r.schedule_id, s.name AS schedule_name, r.tick, r.status, r.error,
        count(d.id) AS recipients,
        count(d.id) FILTER (WHERE d.channel = 'EMAIL') AS emails,
        count(d.id) FILTER (WHERE d.channel = 'IN_APP') AS in_app,
        count(d.id) FILTER (WHERE d.status = 'QUEUED') AS queued,
        count(d.id) FILTER (WHERE d.status = 'SENT') AS sent,
        count(d.id) FILTER (WHERE d.status = 'FAILED') AS failed,
        r.created_at, r.finished_at
   FROM reminder_runs r
   JOIN reminder_schedules s ON s.school_id = r.school_id AND s.id = r.schedule_id
   LEFT JOIN reminder_deliveries rd ON rd.school_id = r.school_id AND rd.run_id = r.id
   LEFT JOIN notification_deliveries d ON d.school_id = rd.school_id AND d.id = rd.delivery_id";

/// Runs, newest first.
pub async fn list(
    conn: &mut PgConnection,
    filter: RunFilter,
    page: PageRequest,
) -> Result<Page<Run>> {
    let rows = sqlx::query_as(sql!(
        "{SELECT} WHERE ($1::uuid IS NULL OR r.id < $1) AND ($2::uuid IS NULL OR r.schedule_id = $2)
          GROUP BY r.school_id, r.id, s.name ORDER BY r.id DESC LIMIT $3"
    ))
    .bind(page.after)
    .bind(filter.schedule_id)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |r: &Run| r.id))
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<RunDetail> {
    let run: Run = sqlx::query_as(sql!(
        "{SELECT} WHERE r.id = $1 GROUP BY r.school_id, r.id, s.name"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("reminder run"))?;
    let deliveries = sqlx::query_as(
        "SELECT rd.guardian_id, rd.delivery_id, d.channel, d.address, d.status, d.error, rd.reminder_no,
                rd.balance, d.subject, d.body
           FROM reminder_deliveries rd
           JOIN notification_deliveries d ON d.school_id = rd.school_id AND d.id = rd.delivery_id
          WHERE rd.run_id = $1 ORDER BY rd.guardian_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(RunDetail { run, deliveries })
}
