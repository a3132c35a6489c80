//! Notifications to guardians: IN_APP (SENT once fanned out) or EMAIL
//! (QUEUED, then SENT or FAILED per recipient). The audience is resolved
//! in SQL when the worker fans out, one delivery row per guardian, so a
//! second fan-out finds nothing new to add.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{student::BALANCE_SQL, text, text_enum::text_enum};
use crate::{
    audit::{self, Change},
    error::{Error, Result},
    page::{Page, PageRequest},
    sql,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    InApp,
    Email,
}

text_enum!(Channel);

impl Channel {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Where one guardian's delivery is: IN_APP ones are SENT at once; EMAIL
/// ones QUEUED, then SENT or FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    Queued,
    Sent,
    Failed,
}

text_enum!(DeliveryStatus);

/// Who receives it. Absent fields do not narrow; present ones all apply.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    pub class_id: Option<Uuid>,
    pub student_ids: Option<Vec<Uuid>>,
    pub guardian_ids: Option<Vec<Uuid>>,
    /// Only families whose students owe something.
    #[serde(default)]
    pub with_balance: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNotification {
    #[serde(rename = "type")]
    pub channel: Channel,
    pub subject: String,
    pub body: String,
    /// Defaults to the guardians of active students.
    #[serde(default, deserialize_with = "super::de::object")]
    pub audience: Audience,
}

/// What a notification is: a message a member sent, a fee reminder run's
/// messages, or a payment's receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Kind {
    Message,
    Reminder,
    Receipt,
}

text_enum!(Kind);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Notification {
    pub id: Uuid,
    #[serde(rename = "type")]
    #[sqlx(rename = "type")]
    pub channel: Channel,
    /// MESSAGE (POST /notifications/send), REMINDER or RECEIPT.
    pub kind: Kind,
    pub subject: String,
    pub body: String,
    #[schema(value_type = Object)]
    pub audience: Value,
    pub created_at: DateTime<Utc>,
    pub recipients: i64,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub guardian_id: Uuid,
    pub channel: Channel,
    pub address: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationDetail {
    #[serde(flatten)]
    pub notification: Notification,
    pub deliveries: Vec<Delivery>,
}

/// What a fan-out did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FanOut {
    pub notification_id: Uuid,
    pub recipients: i64,
    pub sent: i64,
    pub queued: i64,
    pub failed: i64,
    /// EMAIL deliveries still to send.
    #[serde(skip)]
    pub to_email: Vec<Uuid>,
}

const MAX_IDS: usize = 5000;

const SELECT: &str = "SELECT n.id, n.type, n.kind, n.subject, n.body, n.audience, n.created_at,
        count(d.id) AS recipients,
        count(d.id) FILTER (WHERE d.status = 'QUEUED') AS queued,
        count(d.id) FILTER (WHERE d.status = 'SENT') AS sent,
        count(d.id) FILTER (WHERE d.status = 'FAILED') AS failed
   FROM notifications n LEFT JOIN notification_deliveries d ON d.school_id = n.school_id AND d.notification_id = n.id";

pub async fn create(
    conn: &mut PgConnection,
    actor: Uuid,
    new: &NewNotification,
) -> Result<Notification> {
    let subject = text::name("subject", &new.subject, 200)?;
    let body = new.body.trim();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(Error::invalid(
            "invalid_field",
            "body must be 1 to 10,000 characters",
        ));
    }
    let too_many = |ids: &Option<Vec<Uuid>>| {
        ids.as_ref()
            .is_some_and(|ids| ids.is_empty() || ids.len() > MAX_IDS)
    };
    if too_many(&new.audience.student_ids) || too_many(&new.audience.guardian_ids) {
        return Err(Error::invalid(
            "invalid_audience",
            format!("id lists must hold 1 to {MAX_IDS} ids"),
        ));
    }
    if let Some(class_id) = new.audience.class_id {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM classes WHERE id = $1)")
                .bind(class_id)
                .fetch_one(&mut *conn)
                .await?;
        if !exists {
            return Err(Error::rule(
                "unknown_class",
                "class_id does not name a class of this school",
            ));
        }
    }
    // Ids the school does not have are a mistake (or a probe): say so
    // rather than send to fewer people than asked.
    let (unknown_student, unknown_guardian): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM unnest($1::uuid[]) AS given(id)
                         WHERE NOT EXISTS (SELECT 1 FROM students s WHERE s.id = given.id)),
                EXISTS (SELECT 1 FROM unnest($2::uuid[]) AS given(id)
                         WHERE NOT EXISTS (SELECT 1 FROM guardians g WHERE g.id = given.id))",
    )
    .bind(new.audience.student_ids.as_deref())
    .bind(new.audience.guardian_ids.as_deref())
    .fetch_one(&mut *conn)
    .await?;
    if unknown_student {
        return Err(Error::rule(
            "unknown_student",
            "student_ids names a student this school does not have",
        ));
    }
    if unknown_guardian {
        return Err(Error::rule(
            "unknown_guardian",
            "guardian_ids names a guardian this school does not have",
        ));
    }
    let id = Uuid::now_v7();
    let audience = serde_json::to_value(&new.audience).map_err(anyhow::Error::from)?;
    sqlx::query(
        "INSERT INTO notifications (school_id, id, type, subject, body, audience, created_by)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(new.channel)
    .bind(&subject)
    .bind(body)
    .bind(&audience)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    let notification = get(conn, id).await?.notification;
    let change = Change {
        actor,
        action: "notification.send",
        entity: "notification",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&notification)).await?;
    Ok(notification)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<NotificationDetail> {
    let notification: Notification =
        sqlx::query_as(sql!("{SELECT} WHERE n.id = $1 GROUP BY n.school_id, n.id"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| Error::not_found("notification"))?;
    let deliveries = sqlx::query_as(
        "SELECT id, guardian_id, channel, address, status, attempts, error, sent_at
           FROM notification_deliveries WHERE notification_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(NotificationDetail {
        notification,
        deliveries,
    })
}

pub async fn list(conn: &mut PgConnection, page: PageRequest) -> Result<Page<Notification>> {
    let rows = sqlx::query_as(sql!(
        "{SELECT} WHERE ($1::uuid IS NULL OR n.id < $1) GROUP BY n.school_id, n.id ORDER BY n.id DESC LIMIT $2"
    ))
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |n: &Notification| n.id))
}

/// Creates one delivery per guardian in the audience (none twice): IN_APP
/// ones SENT at once; EMAIL ones QUEUED, or FAILED when the guardian has no
/// email address.
pub async fn fan_out(conn: &mut PgConnection, notification_id: Uuid) -> Result<FanOut> {
    let (channel, audience): (Channel, Value) =
        sqlx::query_as("SELECT type, audience FROM notifications WHERE id = $1")
            .bind(notification_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| Error::not_found("notification"))?;
    let audience: Audience = serde_json::from_value(audience).map_err(anyhow::Error::from)?;
    sqlx::query(sql!(
        "WITH students_in AS (
             SELECT s.id FROM students s
              WHERE s.status = 'ACTIVE'
                AND ($2::uuid IS NULL OR s.class_id = $2)
                AND ($3::uuid[] IS NULL OR s.id = ANY($3))
                AND (NOT $5 OR {BALANCE_SQL} > 0)),
         recipients AS (
             SELECT DISTINCT g.id, g.email FROM guardians g
               JOIN student_guardians sg ON sg.school_id = g.school_id AND sg.guardian_id = g.id
              WHERE sg.student_id IN (SELECT id FROM students_in)
                AND ($4::uuid[] IS NULL OR g.id = ANY($4)))
         INSERT INTO notification_deliveries (school_id, notification_id, guardian_id, channel, address, status, error, sent_at)
         SELECT app_school_id(), $1, r.id, $6, r.email,
                CASE WHEN $6 = 'IN_APP' THEN 'SENT' WHEN r.email IS NULL THEN 'FAILED' ELSE 'QUEUED' END,
                CASE WHEN $6 = 'EMAIL' AND r.email IS NULL THEN 'the guardian has no email address' END,
                CASE WHEN $6 = 'IN_APP' THEN now() END
           FROM recipients r
         ON CONFLICT ON CONSTRAINT notification_deliveries_recipient_key DO NOTHING"
    ))
    .bind(notification_id)
    .bind(audience.class_id)
    .bind(audience.student_ids.as_deref())
    .bind(audience.guardian_ids.as_deref())
    .bind(audience.with_balance)
    .bind(channel)
    .execute(&mut *conn)
    .await?;
    let detail = get(conn, notification_id).await?;
    let to_email = detail
        .deliveries
        .iter()
        .filter(|d| d.status == DeliveryStatus::Queued)
        .map(|d| d.id)
        .collect();
    let n = detail.notification;
    Ok(FanOut {
        notification_id,
        recipients: n.recipients,
        sent: n.sent,
        queued: n.queued,
        failed: n.failed,
        to_email,
    })
}

/// An email delivery to send, locked for this transaction; None once it is
/// no longer QUEUED (sent or failed by an earlier run).
#[derive(Debug, sqlx::FromRow)]
pub struct Outgoing {
    pub id: Uuid,
    pub address: String,
    pub subject: String,
    pub body: String,
    pub school_name: String,
    pub attempts: i32,
}

pub async fn claim_email(conn: &mut PgConnection, delivery_id: Uuid) -> Result<Option<Outgoing>> {
    let outgoing = sqlx::query_as(
        // A reminder's delivery carries its own text; others use the notification's.
        "SELECT d.id, d.address, coalesce(d.subject, n.subject) AS subject, coalesce(d.body, n.body) AS body,
                s.name AS school_name, d.attempts
           FROM notification_deliveries d
           JOIN notifications n ON n.school_id = d.school_id AND n.id = d.notification_id
           JOIN schools s ON s.id = d.school_id
          WHERE d.id = $1 AND d.status = 'QUEUED' AND d.address IS NOT NULL
          FOR UPDATE OF d",
    )
    .bind(delivery_id)
    .fetch_optional(conn)
    .await?;
    Ok(outgoing)
}

pub async fn mark_sent(conn: &mut PgConnection, delivery_id: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE notification_deliveries SET status = $2, attempts = attempts + 1, error = NULL, sent_at = now()
          WHERE id = $1",
    )
    .bind(delivery_id)
    .bind(DeliveryStatus::Sent)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt; `terminal` marks the delivery FAILED.
pub async fn mark_attempt_failed(
    conn: &mut PgConnection,
    delivery_id: Uuid,
    reason: &str,
    terminal: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE notification_deliveries
            SET attempts = attempts + 1, error = left($2, 500), status = CASE WHEN $3 THEN 'FAILED' ELSE status END
          WHERE id = $1 AND status = 'QUEUED'",
    )
    .bind(delivery_id)
    .bind(reason)
    .bind(terminal)
    .execute(conn)
    .await?;
    Ok(())
}

/// Who a balance reminder would reach: the guardians of active students
/// who owe (in one class, or the whole school), the fan-out's audience.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct BalanceAudience {
    pub guardians: i64,
    /// Of those guardians, how many have no email address.
    pub without_email: i64,
    /// Students who owe.
    pub students: i64,
    /// What those students owe in all.
    pub owed: super::money::Money,
}

/// Who a balance reminder to `class_id` (`None`: every class) would reach.
#[tracing::instrument(skip_all)]
pub async fn balance_audience(
    conn: &mut PgConnection,
    class_id: Option<Uuid>,
) -> Result<BalanceAudience> {
    let audience = sqlx::query_as(sql!(
        "WITH owing AS (
             SELECT * FROM (
                 SELECT s.id, {BALANCE_SQL} AS balance FROM students s
                  WHERE s.status = 'ACTIVE' AND ($1::uuid IS NULL OR s.class_id = $1)) b
              WHERE b.balance > 0),
         guardians_of AS (
             SELECT DISTINCT g.id, g.email FROM guardians g
               JOIN student_guardians sg ON sg.school_id = g.school_id AND sg.guardian_id = g.id
              WHERE sg.student_id IN (SELECT id FROM owing))
         SELECT (SELECT count(*) FROM guardians_of) AS guardians,
                (SELECT count(*) FROM guardians_of WHERE email IS NULL) AS without_email,
                (SELECT count(*) FROM owing) AS students,
                (SELECT coalesce(sum(balance), 0) FROM owing) AS owed"
    ))
    .bind(class_id)
    .fetch_one(conn)
    .await?;
    Ok(audience)
}
