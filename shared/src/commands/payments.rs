//! Payments: the PENDING payment and its payments.post job.

use sqlx::PgConnection;

use super::{Actor, queue};
use crate::{
    domain::payment::{self, NewPayment, Payment},
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
