//! Writes that start background work: the rows and the job in the caller's
//! transaction, so both commit or neither does. The REST routes and the
//! chat assistant both run these, so a confirmed chat action is exactly
//! what the REST API would have done.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    domain::{
        invoice::generate::{self, GenerateInvoices},
        notification::{self, NewNotification},
        operation::{self, Operation},
        payment::{self, NewPayment, Payment},
    },
    error::Result,
    jobs::{self, ChatLink, GenerateInvoicesJob, PostPaymentJob, SendNotificationJob},
};

/// Who is acting, in which school.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub school_id: Uuid,
    pub user_id: Uuid,
}

/// Validates the request, creates the operation and queues the generation.
pub async fn generate_invoices(
    conn: &mut PgConnection,
    actor: Actor,
    request: GenerateInvoices,
    chat: Option<ChatLink>,
) -> Result<Operation> {
    generate::validate(conn, &request).await?;
    let operation = operation::create(conn, "invoices.generate", Some(actor.user_id)).await?;
    let job = GenerateInvoicesJob {
        school_id: actor.school_id,
        operation_id: operation.id,
        request,
        chat,
    };
    jobs::push(conn, &job).await?;
    Ok(operation)
}

/// Records a PENDING payment and queues its posting.
pub async fn record_payment(
    conn: &mut PgConnection,
    actor: Actor,
    new: &NewPayment,
    chat: Option<ChatLink>,
) -> Result<Payment> {
    let payment = payment::record(conn, actor.user_id, new).await?;
    let job = PostPaymentJob {
        school_id: actor.school_id,
        payment_id: payment.id,
        chat,
    };
    jobs::push(conn, &job).await?;
    Ok(payment)
}

/// Stores the notification, creates the operation and queues the fan-out.
pub async fn send_notification(
    conn: &mut PgConnection,
    actor: Actor,
    new: &NewNotification,
    chat: Option<ChatLink>,
) -> Result<Operation> {
    let notification = notification::create(conn, actor.user_id, new).await?;
    let operation = operation::create(conn, "notifications.send", Some(actor.user_id)).await?;
    let job = SendNotificationJob {
        school_id: actor.school_id,
        notification_id: notification.id,
        operation_id: operation.id,
        chat,
    };
    jobs::push(conn, &job).await?;
    Ok(operation)
}
