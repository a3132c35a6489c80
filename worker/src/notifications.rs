//! notifications.send fans a notification out to its guardians and queues
//! one notifications.email job per email; each email job sends one
//! message, retrying with backoff while the SMTP server is unreachable.

use shared::{
    chat::{
        action::ActionStatus,
        followup,
        phrasing::{Lang, outcomes},
    },
    db,
    domain::{notification, operation},
    events,
    jobs::{self, DeliverEmailJob, Job, SendNotificationJob},
};

use crate::{Ctx, runner::Perform};

impl Perform for SendNotificationJob {
    async fn perform(&self, ctx: &Ctx) -> shared::Result<()> {
        // Locked for the whole fan-out: an overlapping second delivery waits,
        // then sees the operation succeeded and does nothing.
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        if operation::lock(&mut tx, self.operation_id).await?.status == "succeeded" {
            return Ok(());
        }
        operation::start(&mut tx, self.operation_id, None).await?;
        let fan_out = notification::fan_out(&mut tx, self.notification_id).await?;
        let emails: Vec<DeliverEmailJob> = fan_out
            .to_email
            .iter()
            .map(|delivery_id| DeliverEmailJob {
                school_id: self.school_id,
                delivery_id: *delivery_id,
            })
            .collect();
        jobs::push_all(&mut tx, &emails).await?;
        operation::succeed(&mut tx, self.operation_id, &fan_out).await?;
        events::append(&mut tx, "notification.sent", &fan_out).await?;
        if let Some(link) = self.chat {
            let line = outcomes::reminders_done(
                Lang::REPLY,
                fan_out.recipients,
                fan_out.queued,
                fan_out.failed,
            );
            let result = serde_json::json!({"notification_id": fan_out.notification_id,
                "recipients": fan_out.recipients, "sent": fan_out.sent, "queued": fan_out.queued, "failed": fan_out.failed});
            followup::report(&mut tx, link, ActionStatus::Done, result, &line).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn give_up(&self, ctx: &Ctx, _error: &shared::Error) -> shared::Result<()> {
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        operation::fail(
            &mut tx,
            self.operation_id,
            "internal",
            "sending the notification failed; it has been logged",
        )
        .await?;
        if let Some(link) = self.chat {
            let result = serde_json::json!({"error": {"code": "internal"}});
            followup::report(
                &mut tx,
                link,
                ActionStatus::Failed,
                result,
                outcomes::reminders_failed(Lang::REPLY),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

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
