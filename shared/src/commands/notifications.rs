//! Notifications: the notification with its notifications.send job, and
//! the notifications.email jobs for deliveries already written.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{Actor, queue};
use crate::{
    domain::{
        notification::{self, NewNotification},
        operation::{self, Operation},
    },
    error::Result,
    jobs::{ChatLink, DeliverEmailJob, Job, SendNotificationJob},
};

/// Stores the notification, creates the operation and queues the fan-out.
pub async fn send(
    conn: &mut PgConnection,
    actor: Actor,
    new: &NewNotification,
    chat: Option<ChatLink>,
) -> Result<Operation> {
    let notification = notification::create(conn, actor.user_id, new).await?;
    let operation =
        operation::create(conn, SendNotificationJob::QUEUE, Some(actor.user_id)).await?;
    let job = SendNotificationJob {
        school_id: actor.school_id,
        notification_id: notification.id,
        operation_id: operation.id,
        chat,
    };
    queue::push(conn, &job).await?;
    Ok(operation)
}

/// Queues one email job per QUEUED email delivery the caller has just
/// written (a notification's fan-out, a reminder run), in one statement.
pub async fn queue_emails(
    conn: &mut PgConnection,
    school_id: Uuid,
    delivery_ids: &[Uuid],
) -> Result<()> {
    let emails: Vec<DeliverEmailJob> = delivery_ids
        .iter()
        .map(|delivery_id| DeliverEmailJob {
            school_id,
            delivery_id: *delivery_id,
        })
        .collect();
    queue::push_all(conn, &emails).await
}
