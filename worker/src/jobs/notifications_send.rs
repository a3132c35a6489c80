//! notifications.send fans a notification out to its guardians and queues
//! one notifications.email job per email (`notifications_email`).

use shared::{
    chat::{
        action::ActionStatus,
        followup,
        phrasing::{Lang, outcomes},
    },
    commands, db,
    domain::{notification, operation},
    events,
    jobs::SendNotificationJob,
};

use crate::{Ctx, runner::Perform};

impl Perform for SendNotificationJob {
    async fn perform(&self, ctx: &Ctx) -> shared::Result<()> {
        // Locked for the whole fan-out: an overlapping second delivery waits,
        // then sees the operation succeeded and does nothing.
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        if operation::lock(&mut tx, self.operation_id).await?.status == operation::Status::Succeeded
        {
            return Ok(());
        }
        operation::start(&mut tx, self.operation_id, None).await?;
        let fan_out = notification::fan_out(&mut tx, self.notification_id).await?;
        commands::notifications::queue_emails(&mut tx, self.school_id, &fan_out.to_email).await?;
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
