//! payments.post: posts a recorded payment to the ledger. Posting is
//! idempotent: a payment already POSTED is left alone.

use shared::{db, domain::payment, jobs::PostPaymentJob};

use crate::{Ctx, runner::Perform};

impl Perform for PostPaymentJob {
    async fn perform(&self, ctx: &Ctx) -> shared::Result<()> {
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        let posted = payment::post(&mut tx, self.payment_id).await?;
        tx.commit().await?;
        if let Some(posted) = posted {
            tracing::info!(applied = posted.applied.len(), "payment posted");
        }
        Ok(())
    }

    async fn give_up(&self, ctx: &Ctx, _error: &shared::Error) -> shared::Result<()> {
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        sqlx::query("UPDATE payments SET posting_status = 'FAILED' WHERE id = $1 AND posting_status = 'PENDING'")
            .bind(self.payment_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
