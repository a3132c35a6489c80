//! Background jobs: each is one type with its queue name and payload.
//! `commands` pushes them, in the same transaction as the rows that cause
//! them; the worker's `jobs` runs them.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::domain::invoice::generate::GenerateInvoices;

pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The queue, named explicitly on both sides (never the type name).
    const QUEUE: &'static str;
    /// Attempts before the job's failure is recorded as terminal.
    const MAX_ATTEMPTS: u32 = 5;
    /// The school the job acts in.
    fn school_id(&self) -> Uuid;
}

/// A job started from the chat names the assistant message that reports
/// it, so its outcome comes back into the conversation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChatLink {
    pub message_id: Uuid,
    pub user_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenerateInvoicesJob {
    pub school_id: Uuid,
    pub operation_id: Uuid,
    pub request: GenerateInvoices,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatLink>,
}

impl Job for GenerateInvoicesJob {
    const QUEUE: &'static str = "invoices.generate";
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostPaymentJob {
    pub school_id: Uuid,
    pub payment_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatLink>,
}

impl Job for PostPaymentJob {
    const QUEUE: &'static str = "payments.post";
    const MAX_ATTEMPTS: u32 = 10;
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendNotificationJob {
    pub school_id: Uuid,
    pub notification_id: Uuid,
    pub operation_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatLink>,
}

impl Job for SendNotificationJob {
    const QUEUE: &'static str = "notifications.send";
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

/// One email to one guardian; retried with backoff while the SMTP server
/// is unreachable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliverEmailJob {
    pub school_id: Uuid,
    pub delivery_id: Uuid,
}

impl Job for DeliverEmailJob {
    const QUEUE: &'static str = "notifications.email";
    const MAX_ATTEMPTS: u32 = 8;
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

/// The email inviting someone to join a school; sent once while the
/// invitation is open (a refreshed invitation is sent again).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvitationEmailJob {
    pub school_id: Uuid,
    pub invitation_id: Uuid,
}

impl Job for InvitationEmailJob {
    const QUEUE: &'static str = "invitations.email";
    const MAX_ATTEMPTS: u32 = 8;
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

/// Answers a chat message: the router, or the language model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatReplyJob {
    pub school_id: Uuid,
    pub session_id: Uuid,
    /// The pending assistant message.
    pub message_id: Uuid,
}

impl Job for ChatReplyJob {
    const QUEUE: &'static str = "chat.reply";
    const MAX_ATTEMPTS: u32 = 3;
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}

/// One run of a reminder schedule for one tick; queued by the scheduler.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendReminderJob {
    pub school_id: Uuid,
    pub run_id: Uuid,
}

impl Job for SendReminderJob {
    const QUEUE: &'static str = "reminders.send";
    fn school_id(&self) -> Uuid {
        self.school_id
    }
}
