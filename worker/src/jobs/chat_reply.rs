//! chat.reply answers a chat message with the assistant (`crate::chat`);
//! given up, the answer is marked failed so the user can retry it.

use shared::jobs::ChatReplyJob;

use crate::{Ctx, chat, runner::Perform};

impl Perform for ChatReplyJob {
    async fn perform(&self, ctx: &Ctx) -> shared::Result<()> {
        chat::answer(self, ctx).await
    }

    async fn give_up(&self, ctx: &Ctx, _error: &shared::Error) -> shared::Result<()> {
        chat::give_up(self, ctx).await
    }
}
