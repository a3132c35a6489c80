//! reminders.send carries out one reminder run: the messages are written
//! and recorded in one transaction with the run locked, then each email
//! goes out as its own notifications.email job.

use shared::{
    db,
    domain::reminder::send,
    events,
    jobs::{self, DeliverEmailJob, SendReminderJob},
};

use crate::{Ctx, runner::Perform};

impl Perform for SendReminderJob {
    async fn perform(&self, ctx: &Ctx) -> shared::Result<()> {
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        let Some(sent) = send::send(&mut tx, self.run_id).await? else {
            return Ok(());
        };
        let emails: Vec<DeliverEmailJob> = sent
            .to_email
            .iter()
            .map(|delivery_id| DeliverEmailJob {
                school_id: self.school_id,
                delivery_id: *delivery_id,
            })
            .collect();
        jobs::push_all(&mut tx, &emails).await?;
        events::append(&mut tx, "reminder.sent", &sent).await?;
        tx.commit().await?;
        tracing::info!(
            run_id = %self.run_id,
            recipients = sent.recipients,
            status = sent.status,
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
