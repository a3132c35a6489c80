//! invitations.email tells an invited address how to join a school. It
//! says the same whether or not the address has an account; the invitee
//! signs in (or registers with that address) and accepts it.

use shared::{
    db,
    domain::invitation,
    jobs::{InvitationEmailJob, Job},
};

use crate::{Ctx, runner::Perform};

impl Perform for InvitationEmailJob {
    async fn perform(&self, ctx: &Ctx) -> shared::Result<()> {
        // The row stays locked while the message goes out, so two deliveries
        // of this job cannot both send it.
        let mut tx = db::begin_tenant(&ctx.pool, self.school_id, None).await?;
        let Some(outgoing) = invitation::claim_email(&mut tx, self.invitation_id).await? else {
            return Ok(());
        };
        let inviter = outgoing
            .invited_by_name
            .as_deref()
            .unwrap_or("A member of the school");
        let subject = format!("Join {} on SchoolOps", outgoing.school_name);
        let body = format!(
            "{inviter} has invited you to join {school} on SchoolOps.\n\
             \n\
             Role: {role}\n\
             Open until: {expires} UTC\n\
             \n\
             Sign in with this address ({email}), or register with it\n\
             if you have no account yet, and accept the invitation from\n\
             your list of invitations (GET /invitations).\n\
             \n\
             If you were not expecting this, ignore this message:\n\
             nothing happens unless you accept.\n",
            school = outgoing.school_name,
            role = outgoing.role.as_str(),
            email = outgoing.email,
            expires = outgoing.expires_at.format("%Y-%m-%d %H:%M"),
        );
        // The refresh of an invitation sends again: one message id per sending.
        let message_id = format!(
            "<invitation-{}-{}@schoolops>",
            outgoing.id,
            chrono::Utc::now().timestamp()
        );
        match ctx
            .mailer
            .send(
                &outgoing.school_name,
                &outgoing.email,
                &subject,
                &body,
                &message_id,
            )
            .await
        {
            Ok(()) => {
                invitation::mark_emailed(&mut tx, outgoing.id).await?;
                tx.commit().await?;
                Ok(())
            }
            Err(failure) if failure.permanent => {
                tracing::warn!(invitation_id = %outgoing.id, reason = %failure.reason, "invitation email refused");
                Ok(())
            }
            Err(failure) => Err(shared::Error::Internal(anyhow::anyhow!(failure))),
        }
    }

    async fn give_up(&self, _ctx: &Ctx, error: &shared::Error) -> shared::Result<()> {
        // The invitation stays open: the school sees it in GET
        // /members/invitations and can invite again, which sends again.
        tracing::warn!(
            invitation_id = %self.invitation_id,
            "gave up emailing an invitation after {} attempts: {error:#}",
            Self::MAX_ATTEMPTS
        );
        Ok(())
    }
}
