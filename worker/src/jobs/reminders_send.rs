//! reminders.send carries out one reminder run: the messages are written
//! and recorded in one transaction with the run locked, then each email
//! goes out as its own notifications.email job.

use shared::{commands, db, domain::reminder::send, events, jobs::SendReminderJob};

use crate::{Ctx, runner::Perform};

impl Perform for SendReminderJob {
    async fn perform(&self, ctx: &Ctx) -> shared::Result<()> {
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        let Some(sent) = send::send(&mut tx, self.run_id).await? else {
            return Ok(());
        };
        commands::notifications::queue_emails(&mut tx, self.school_id, &sent.to_email).await?;
        events::append(&mut tx, "reminder.sent", &sent).await?;
        tx.commit().await?;
        tracing::info!(
            run_id = %self.run_id,
            recipients = sent.recipients,
            status = %sent.status,
            "reminder run done"
        );
        Ok(())
    }

    async fn give_up(&self, ctx: &Ctx, error: &shared::Error) -> shared::Result<()> {
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        let reason = match error {
            shared::Error::Client { detail, .. } => detail.clone(),
            _ => "the reminder run failed; it has been logged".to_string(),
        };
        send::fail(&mut tx, self.run_id, &reason).await?;
        tx.commit().await?;
        Ok(())
    }
}
