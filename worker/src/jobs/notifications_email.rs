//! notifications.email sends one email to one guardian, retrying with
//! backoff while the SMTP server is unreachable; given up, the delivery is
//! marked FAILED with the reason.

use shared::{
    db,
    domain::notification,
    jobs::{DeliverEmailJob, Job},
};

use crate::{Ctx, runner::Perform};

impl Perform for DeliverEmailJob {
    async fn perform(&self, ctx: &Ctx) -> shared::Result<()> {
        // The row stays locked while the message goes out, so two deliveries
        // of this job cannot both send it.
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        let Some(email) = notification::claim_email(&mut tx, self.delivery_id).await? else {
            return Ok(());
        };
        let message_id = format!("<{}@schoolops>", email.id);
        match ctx
            .mailer
            .send(
                &email.school_name,
                &email.address,
                &email.subject,
                &email.body,
                &message_id,
            )
            .await
        {
            Ok(()) => {
                notification::mark_sent(&mut tx, email.id).await?;
                tx.commit().await?;
                Ok(())
            }
            Err(failure) if failure.permanent => {
                notification::mark_attempt_failed(&mut tx, email.id, &failure.reason, true).await?;
                tx.commit().await?;
                Ok(())
            }
            Err(failure) => {
                notification::mark_attempt_failed(&mut tx, email.id, &failure.reason, false)
                    .await?;
                tx.commit().await?;
                Err(shared::Error::Internal(anyhow::anyhow!(failure)))
            }
        }
    }

    async fn give_up(&self, ctx: &Ctx, error: &shared::Error) -> shared::Result<()> {
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        let reason = format!("gave up after {} attempts: {error:#}", Self::MAX_ATTEMPTS);
        notification::mark_attempt_failed(&mut tx, self.delivery_id, &reason, true).await?;
        tx.commit().await?;
        Ok(())
    }
}
