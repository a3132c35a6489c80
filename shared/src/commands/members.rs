//! Invitations: the invitation and its email job in one transaction.

use sqlx::PgConnection;

use super::{Actor, queue};
use crate::{
    domain::{
        invitation::{self, Invitation, NewInvitation},
        role::Role,
    },
    error::Result,
    jobs::InvitationEmailJob,
};

/// Records (or refreshes) the invitation and queues its email.
pub async fn invite(
    conn: &mut PgConnection,
    actor: Actor,
    actor_role: Role,
    new: &NewInvitation,
) -> Result<Invitation> {
    let invitation = invitation::create(conn, actor.user_id, actor_role, new).await?;
    let job = InvitationEmailJob {
        school_id: actor.school_id,
        invitation_id: invitation.id,
    };
    queue::push(conn, &job).await?;
    Ok(invitation)
}
