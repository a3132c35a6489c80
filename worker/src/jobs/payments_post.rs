//! payments.post: posts a recorded payment to the ledger, numbering its
//! receipt and queuing the receipt's notification. Posting is idempotent:
//! a payment already POSTED is left alone.

use shared::{
    chat::{
        action::ActionStatus,
        followup,
        phrasing::{Lang, outcomes},
    },
    commands, db,
    domain::payment::{self, PostingStatus},
    jobs::PostPaymentJob,
};

use crate::{Ctx, runner::Perform};

impl Perform for PostPaymentJob {
    async fn perform(&self, ctx: &Ctx) -> shared::Result<()> {
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        let posted = commands::payments::post(&mut tx, self.school_id, self.payment_id).await?;
        if let (Some(link), Some(posted)) = (self.chat, &posted) {
            let line = outcomes::payment_posted(Lang::REPLY, posted.amount, posted.credit);
            let mut result = serde_json::to_value(posted).map_err(anyhow::Error::from)?;
            result["posting_status"] = serde_json::json!(PostingStatus::Posted);
            followup::report(&mut tx, link, ActionStatus::Done, result, &line).await?;
        }
        tx.commit().await?;
        if let Some(posted) = posted {
            tracing::info!(applied = posted.applied.len(), "payment posted");
        }
        Ok(())
    }

    async fn give_up(&self, ctx: &Ctx, _error: &shared::Error) -> shared::Result<()> {
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        payment::fail_posting(&mut tx, self.payment_id).await?;
        if let Some(link) = self.chat {
            let result = serde_json::json!({"posting_status": PostingStatus::Failed});
            followup::report(
                &mut tx,
                link,
                ActionStatus::Failed,
                result,
                outcomes::payment_failed(Lang::REPLY),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
