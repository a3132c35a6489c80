//! Carrying out a reminder run: the guardians whose students owe, each
//! sent one personal message (EMAIL or IN_APP by the schedule's channel
//! rule) as a notification delivery, recorded against the run. All in the
//! caller's transaction, with the run locked, so a second delivery of the
//! job finds the run done and sends nothing.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    letter::{self, Owing},
    run::Status,
    schedule::ChannelRule,
};
use crate::{
    domain::{
        money::Money,
        notification::{Audience, Channel, DeliveryStatus},
        student::BALANCE_SQL,
    },
    error::Result,
    sql,
};

/// What a run did; the email deliveries are left to send.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    pub run_id: Uuid,
    pub schedule_id: Uuid,
    pub tick: DateTime<Utc>,
    /// Succeeded or skipped.
    pub status: Status,
    pub recipients: usize,
    pub emails: usize,
    pub in_app: usize,
    pub failed: usize,
    #[serde(skip)]
    pub to_email: Vec<Uuid>,
}

#[derive(sqlx::FromRow)]
struct RunRow {
    status: Status,
    schedule_id: Uuid,
    tick: DateTime<Utc>,
    schedule_name: String,
    live: bool,
    channel: ChannelRule,
    class_id: Option<Uuid>,
    min_balance: Money,
    school_name: String,
}

#[derive(sqlx::FromRow)]
struct OwingRow {
    guardian_id: Uuid,
    guardian_first_name: String,
    email: Option<String>,
    student_name: String,
    admission_no: String,
    balance: Money,
    invoice_ids: Vec<Uuid>,
}

/// One guardian to remind, with all their students who owe.
struct Recipient {
    guardian_id: Uuid,
    first_name: String,
    email: Option<String>,
    students: Vec<Owing>,
    invoice_ids: Vec<Uuid>,
    total: Decimal,
}

/// Sends run `run_id` unless it already ran (None then).
pub async fn send(conn: &mut PgConnection, run_id: Uuid) -> Result<Option<Sent>> {
    let Some(run) = lock(conn, run_id).await? else {
        return Ok(None);
    };
    let mut sent = Sent {
        run_id,
        schedule_id: run.schedule_id,
        tick: run.tick,
        status: Status::Succeeded,
        recipients: 0,
        emails: 0,
        in_app: 0,
        failed: 0,
        to_email: Vec::new(),
    };
    if !run.live {
        sent.status = Status::Skipped;
        finish(
            conn,
            run_id,
            Status::Skipped,
            Some("the schedule was turned off before the run"),
        )
        .await?;
        return Ok(Some(sent));
    }
    let recipients = owing_guardians(conn, run.class_id, run.min_balance).await?;
    let earlier = earlier_reminders(conn, run_id, &recipients).await?;
    let rule = run.channel;

    let mut rows = DeliveryRows::default();
    for recipient in &recipients {
        let reminder_no = earlier
            .iter()
            .find(|(g, _)| *g == recipient.guardian_id)
            .map_or(0, |(_, n)| *n)
            + 1;
        let total = Money::from_decimal(recipient.total);
        let text = letter::write(
            &run.school_name,
            &recipient.first_name,
            &recipient.students,
            total,
            reminder_no,
        );
        let channel = match (rule, &recipient.email) {
            (ChannelRule::InApp, _) | (ChannelRule::EmailOrInApp, None) => Channel::InApp,
            _ => Channel::Email,
        };
        let (status, error) = match (channel, &recipient.email) {
            (Channel::InApp, _) => (DeliveryStatus::Sent, None),
            (Channel::Email, Some(_)) => (DeliveryStatus::Queued, None),
            (Channel::Email, None) => (
                DeliveryStatus::Failed,
                Some("the guardian has no email address".to_string()),
            ),
        };
        let id = Uuid::now_v7();
        match status {
            DeliveryStatus::Queued => sent.to_email.push(id),
            DeliveryStatus::Failed => sent.failed += 1,
            DeliveryStatus::Sent => {}
        }
        if channel == Channel::Email {
            sent.emails += 1;
        } else {
            sent.in_app += 1;
        }
        rows.push(
            recipient,
            id,
            channel,
            status,
            error,
            text,
            total,
            reminder_no,
        );
    }
    sent.recipients = recipients.len();
    let audience = Audience {
        class_id: run.class_id,
        with_balance: true,
        ..Audience::default()
    };
    let audience = serde_json::to_value(audience).map_err(anyhow::Error::from)?;
    for channel in [Channel::Email, Channel::InApp] {
        let count = rows.channels.iter().filter(|c| **c == channel).count();
        if count == 0 {
            continue;
        }
        let notification_id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO notifications (school_id, id, type, kind, subject, body, audience)
             VALUES (app_school_id(), $1, $2, 'REMINDER', $3, $4, $5)",
        )
        .bind(notification_id)
        .bind(channel)
        .bind(format!("Fee reminder: {}", run.schedule_name))
        .bind(format!(
            "Personal fee reminders to {count} guardians, each listing their students' balances."
        ))
        .bind(&audience)
        .execute(&mut *conn)
        .await?;
        for (i, c) in rows.channels.iter().enumerate() {
            if *c == channel {
                rows.notification_ids[i] = notification_id;
            }
        }
    }
    rows.insert(conn, run_id).await?;
    finish(conn, run_id, Status::Succeeded, None).await?;
    Ok(Some(sent))
}

async fn lock(conn: &mut PgConnection, run_id: Uuid) -> Result<Option<RunRow>> {
    let run: RunRow = sqlx::query_as(
        "SELECT r.status, r.schedule_id, r.tick, s.name AS schedule_name,
                s.enabled AND s.deleted_at IS NULL AS live, s.channel, s.class_id, s.min_balance,
                sc.name AS school_name
           FROM reminder_runs r
           JOIN reminder_schedules s ON s.school_id = r.school_id AND s.id = r.schedule_id
           JOIN schools sc ON sc.id = r.school_id
          WHERE r.id = $1
          FOR UPDATE OF r",
    )
    .bind(run_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| crate::Error::not_found("reminder run"))?;
    Ok((run.status == Status::Queued).then_some(run))
}

async fn finish(
    conn: &mut PgConnection,
    run_id: Uuid,
    status: Status,
    error: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE reminder_runs SET status = $2, error = $3, finished_at = now() WHERE id = $1",
    )
    .bind(run_id)
    .bind(status)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a run failed for good (the job gave up).
pub async fn fail(conn: &mut PgConnection, run_id: Uuid, error: &str) -> Result<()> {
    sqlx::query(
        "UPDATE reminder_runs SET status = $3, error = left($2, 500), finished_at = now()
          WHERE id = $1 AND status = $4",
    )
    .bind(run_id)
    .bind(error)
    .bind(Status::Failed)
    .bind(Status::Queued)
    .execute(conn)
    .await?;
    Ok(())
}

/// Guardians of active students whose ledger balance (1100 less credit
/// held on 2000) is above zero and at least `min_balance`.
async fn owing_guardians(
    conn: &mut PgConnection,
    class_id: Option<Uuid>,
    min_balance: Money,
) -> Result<Vec<Recipient>> {
    let rows: Vec<OwingRow> = sqlx::query_as(sql!(
        "WITH owing AS (
             SELECT s.school_id, s.id, s.first_name || ' ' || s.last_name AS name, s.admission_no,
                    {BALANCE_SQL} AS balance
               FROM students s
              WHERE s.status = 'ACTIVE' AND ($1::uuid IS NULL OR s.class_id = $1))
         SELECT g.id AS guardian_id, g.first_name AS guardian_first_name, g.email,
                o.name AS student_name, o.admission_no, o.balance,
                coalesce((SELECT array_agg(i.id ORDER BY i.id) FROM invoices i
                           WHERE i.school_id = o.school_id AND i.student_id = o.id AND i.status IN ('UNPAID', 'PARTIAL')),
                         '{{}}') AS invoice_ids
           FROM owing o
           JOIN student_guardians sg ON sg.school_id = o.school_id AND sg.student_id = o.id
           JOIN guardians g ON g.school_id = sg.school_id AND g.id = sg.guardian_id
          WHERE o.balance > 0 AND o.balance >= $2
          ORDER BY g.id, o.name, o.admission_no"
    ))
    .bind(class_id)
    .bind(min_balance)
    .fetch_all(conn)
    .await?;
    let mut recipients: Vec<Recipient> = Vec::new();
    for row in rows {
        let recipient = match recipients.last_mut() {
            Some(last) if last.guardian_id == row.guardian_id => last,
            _ => {
                recipients.push(Recipient {
                    guardian_id: row.guardian_id,
                    first_name: row.guardian_first_name,
                    email: row.email,
                    students: Vec::new(),
                    invoice_ids: Vec::new(),
                    total: Decimal::ZERO,
                });
                recipients.last_mut().expect("just pushed")
            }
        };
        recipient.total += row.balance.decimal();
        recipient.invoice_ids.extend(row.invoice_ids);
        recipient.students.push(Owing {
            name: row.student_name,
            admission_no: row.admission_no,
            balance: row.balance,
        });
    }
    Ok(recipients)
}

/// Per guardian, how many earlier runs reminded them (and did not fail to)
/// about any of the invoices they owe now.
async fn earlier_reminders(
    conn: &mut PgConnection,
    run_id: Uuid,
    recipients: &[Recipient],
) -> Result<Vec<(Uuid, i32)>> {
    let (guardians, invoices): (Vec<Uuid>, Vec<Uuid>) = recipients
        .iter()
        .flat_map(|r| r.invoice_ids.iter().map(|i| (r.guardian_id, *i)))
        .unzip();
    if guardians.is_empty() {
        return Ok(Vec::new());
    }
    let counts = sqlx::query_as(
        "SELECT rd.guardian_id, count(DISTINCT rd.run_id)::int
           FROM reminder_deliveries rd
           JOIN notification_deliveries d ON d.school_id = rd.school_id AND d.id = rd.delivery_id
           JOIN unnest($1::uuid[], $2::uuid[]) AS c(guardian_id, invoice_id)
             ON c.guardian_id = rd.guardian_id AND c.invoice_id = ANY(rd.invoice_ids)
          WHERE rd.run_id <> $3 AND d.status <> 'FAILED'
          GROUP BY rd.guardian_id",
    )
    .bind(&guardians)
    .bind(&invoices)
    .bind(run_id)
    .fetch_all(conn)
    .await?;
    Ok(counts)
}

/// The deliveries of a run, column by column, for one insert each.
#[derive(Default)]
struct DeliveryRows {
    ids: Vec<Uuid>,
    notification_ids: Vec<Uuid>,
    guardian_ids: Vec<Uuid>,
    channels: Vec<Channel>,
    addresses: Vec<Option<String>>,
    statuses: Vec<DeliveryStatus>,
    errors: Vec<Option<String>>,
    subjects: Vec<String>,
    bodies: Vec<String>,
    balances: Vec<Decimal>,
    reminder_nos: Vec<i32>,
    /// (guardian, open invoice) pairs.
    invoice_guardians: Vec<Uuid>,
    invoice_ids: Vec<Uuid>,
}

impl DeliveryRows {
    #[expect(clippy::too_many_arguments, reason = "one row of parallel columns")]
    fn push(
        &mut self,
        recipient: &Recipient,
        id: Uuid,
        channel: Channel,
        status: DeliveryStatus,
        error: Option<String>,
        text: letter::Letter,
        total: Money,
        reminder_no: i32,
    ) {
        self.ids.push(id);
        self.notification_ids.push(Uuid::nil());
        self.guardian_ids.push(recipient.guardian_id);
        self.channels.push(channel);
        self.addresses.push(if channel == Channel::Email {
            recipient.email.clone()
        } else {
            None
        });
        self.statuses.push(status);
        self.errors.push(error);
        self.subjects.push(text.subject);
        self.bodies.push(text.body);
        self.balances.push(total.decimal());
        self.reminder_nos.push(reminder_no);
        for invoice in &recipient.invoice_ids {
            self.invoice_guardians.push(recipient.guardian_id);
            self.invoice_ids.push(*invoice);
        }
    }

    async fn insert(&self, conn: &mut PgConnection, run_id: Uuid) -> Result<()> {
        if self.ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO notification_deliveries
                 (school_id, id, notification_id, guardian_id, channel, address, status, error, sent_at, subject, body)
             SELECT app_school_id(), d.id, d.notification_id, d.guardian_id, d.channel, d.address, d.status, d.error,
                    CASE WHEN d.status = 'SENT' THEN now() END, d.subject, d.body
               FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                    AS d(id, notification_id, guardian_id, channel, address, status, error, subject, body)",
        )
        .bind(&self.ids)
        .bind(&self.notification_ids)
        .bind(&self.guardian_ids)
        .bind(&self.channels)
        .bind(&self.addresses)
        .bind(&self.statuses)
        .bind(&self.errors)
        .bind(&self.subjects)
        .bind(&self.bodies)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO reminder_deliveries (school_id, run_id, guardian_id, delivery_id, invoice_ids, balance, reminder_no)
             SELECT app_school_id(), $1, r.guardian_id, r.delivery_id,
                    coalesce((SELECT array_agg(p.invoice_id ORDER BY p.invoice_id)
                                FROM unnest($5::uuid[], $6::uuid[]) AS p(guardian_id, invoice_id)
                               WHERE p.guardian_id = r.guardian_id), '{}'),
                    r.balance, r.reminder_no
               FROM unnest($2::uuid[], $3::uuid[], $4::numeric[], $7::int[]) AS r(guardian_id, delivery_id, balance, reminder_no)",
        )
        .bind(run_id)
        .bind(&self.guardian_ids)
        .bind(&self.ids)
        .bind(&self.balances)
        .bind(&self.invoice_guardians)
        .bind(&self.invoice_ids)
        .bind(&self.reminder_nos)
        .execute(conn)
        .await?;
        Ok(())
    }
}
