//! Background jobs: each is one type with its queue name and payload, pushed
//! in the same transaction as the rows that cause it.

use apalis::prelude::TaskBuilder;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::{
    domain::invoice::generate::GenerateInvoices,
    error::{Error, Result},
};

pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The queue, named explicitly on both sides (never the type name).
    const QUEUE: &'static str;
    /// Attempts before the job's failure is recorded as terminal.
    const MAX_ATTEMPTS: u32 = 5;
    /// The school the job acts in.
    fn school_id(&self) -> Uuid;
}

/// A job started from the chat names the assistant message that reports
/// it, so its outcome comes back into the conversation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChatLink {
    pub message_id: Uuid,
    pub user_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenerateInvoicesJob {
    pub school_id: Uuid,
    pub operation_id: Uuid,
    pub request: GenerateInvoices,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatLink>,
}

impl Job for GenerateInvoicesJob {
    const QUEUE: &'static str = "invoices.generate";
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostPaymentJob {
    pub school_id: Uuid,
    pub payment_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatLink>,
}

impl Job for PostPaymentJob {
    const QUEUE: &'static str = "payments.post";
    const MAX_ATTEMPTS: u32 = 10;
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendNotificationJob {
    pub school_id: Uuid,
    pub notification_id: Uuid,
    pub operation_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatLink>,
}

impl Job for SendNotificationJob {
    const QUEUE: &'static str = "notifications.send";
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

/// One email to one guardian; retried with backoff while the SMTP server
/// is unreachable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliverEmailJob {
    pub school_id: Uuid,
    pub delivery_id: Uuid,
}

impl Job for DeliverEmailJob {
    const QUEUE: &'static str = "notifications.email";
    const MAX_ATTEMPTS: u32 = 8;
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

/// Answers a chat message: the router, or the language model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatReplyJob {
    pub school_id: Uuid,
    pub session_id: Uuid,
    /// The pending assistant message.
    pub message_id: Uuid,
}

impl Job for ChatReplyJob {
    const QUEUE: &'static str = "chat.reply";
    const MAX_ATTEMPTS: u32 = 3;
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

/// One run of a reminder schedule for one tick; queued by the scheduler.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendReminderJob {
    pub school_id: Uuid,
    pub run_id: Uuid,
}

impl Job for SendReminderJob {
    const QUEUE: &'static str = "reminders.send";
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

/// Pushes `job` on the caller's connection: commit both or neither.
pub async fn push<J: Job>(conn: &mut PgConnection, job: &J) -> Result<()> {
    push_all(conn, std::slice::from_ref(job)).await
}

/// Pushes several jobs of one kind in one statement.
pub async fn push_all<J: Job>(conn: &mut PgConnection, jobs: &[J]) -> Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let tasks = jobs
        .iter()
        .map(|job| task(job, None))
        .collect::<Result<Vec<_>>>()?;
    apalis_postgres::queries::push_tasks(conn, J::QUEUE, tasks)
        .await
        .map_err(|err| pushing_failed::<J>(err))
}

/// Pushes `job` unless a job with `key` is already in its queue; false
/// when it was. A savepoint holds the attempt, since the duplicate key
/// would otherwise abort the caller's whole transaction.
pub async fn push_unique<J: Job>(conn: &mut PgConnection, job: &J, key: &str) -> Result<bool> {
    let task = task(job, Some(key))?;
    let mut savepoint = conn.begin().await?;
    match apalis_postgres::queries::push_tasks(&mut *savepoint, J::QUEUE, vec![task]).await {
        Ok(()) => {
            savepoint.commit().await?;
            Ok(true)
        }
        Err(apalis_postgres::Error::Database(db))
            if db
                .as_database_error()
                .is_some_and(|e| e.kind() == sqlx::error::ErrorKind::UniqueViolation) =>
        {
            savepoint.rollback().await?;
            Ok(false)
        }
        Err(err) => Err(pushing_failed::<J>(err)),
    }
}

fn task<J: Job>(job: &J, key: Option<&str>) -> Result<apalis_postgres::PgTask> {
    let payload = serde_json::to_vec(job).map_err(anyhow::Error::from)?;
    let builder = TaskBuilder::new(payload).max_attempts(J::MAX_ATTEMPTS as usize);
    Ok(match key {
        Some(key) => builder.idempotency_key(key).build(),
        None => builder.build(),
    })
}

fn pushing_failed<J: Job>(err: apalis_postgres::Error) -> Error {
    match err {
        apalis_postgres::Error::Database(db) => Error::from(db),
        other => Error::Internal(anyhow::anyhow!("pushing a {} job: {other}", J::QUEUE)),
    }
}
