//! Payments: the PENDING payment and its payments.post job; posting, with
//! the receipt's notification and its email job.

use sqlx::PgConnection;

use uuid::Uuid;

use super::{Actor, notifications, queue};
use crate::{
    domain::payment::{self, NewPayment, Payment, Posted, receipt},
    error::Result,
    jobs::{ChatLink, PostPaymentJob},
};

/// Records a PENDING payment and queues its posting.
pub async fn record(
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
    queue::push(conn, &job).await?;
    Ok(payment)
}

/// Posts a PENDING payment (its receipt number taken in this transaction)
/// and, when the school sends receipts, writes the RECEIPT notification
/// and queues its email; None when it was posted before.
pub async fn post(
    conn: &mut PgConnection,
    school_id: Uuid,
    payment_id: Uuid,
) -> Result<Option<Posted>> {
    let Some(posted) = payment::post(conn, payment_id).await? else {
        return Ok(None);
    };
    if let Some(notice) = receipt::notify(conn, payment_id).await?
        && let Some(delivery_id) = notice.to_email
    {
        notifications::queue_emails(conn, school_id, &[delivery_id]).await?;
    }
    Ok(Some(posted))
}
