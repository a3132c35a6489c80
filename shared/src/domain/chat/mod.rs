//! Chat sessions and their messages: the rows, their states and the queries
//! on `chat_sessions` and `chat_messages`. A session belongs to one school
//! (row security) and one user (every query here names the user), so
//! neither another school nor a colleague can read it. What the assistant
//! reads and says lives in `crate::chat`.

mod message;
mod session;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use super::{money::Money, text_enum::text_enum};

pub use message::{
    claim, complete, fail, fail_unfinished, history, insert_answer, lock_message, messages,
    open_proposal, post, question_of, report_outcome, reset_for_retry, set_action,
    supersede_proposals,
};
pub use session::{create, get, list, owner};

/// The longest message a user may send.
pub const MAX_CONTENT_CHARS: usize = 4000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    /// Defaults to "New chat".
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ChatSession {
    pub id: Uuid,
    pub title: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// What the user typed, 1 to 4,000 characters.
    pub content: String,
}

/// Who wrote a message (`chat_messages.role`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum MessageRole {
    User,
    Assistant,
}

text_enum!(MessageRole);

impl MessageRole {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Where an answer is (`chat_messages.status`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum MessageStatus {
    /// Queued for the worker.
    Pending,
    /// The worker is writing it.
    Streaming,
    Completed,
    /// Retry with POST .../retry.
    Failed,
}

text_enum!(MessageStatus);

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ChatMessage {
    pub id: Uuid,
    pub session_id: Uuid,
    pub role: MessageRole,
    pub content: String,
    pub status: MessageStatus,
    #[schema(value_type = Option<Action>)]
    pub action: Option<Json<Action>>,
    /// Why the answer failed; retry with POST .../retry.
    pub error: Option<String>,
    /// The message this one answers.
    pub reply_to: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl ChatMessage {
    pub fn action_status(&self) -> Option<ActionStatus> {
        self.action.as_ref().map(|a| a.status)
    }
}

/// A user message and the assistant message that will answer it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Exchange {
    pub user_message: ChatMessage,
    pub assistant_message: ChatMessage,
}

/// Where an action on an assistant message is (`action->>'status'`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActionStatus {
    /// Previewed; runs when the user confirms.
    Proposed,
    /// The user confirmed; the work is queued or running.
    Confirmed,
    Cancelled,
    Done,
    Failed,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// `{intent, args, status, preview?, result?}` on an assistant message:
/// what it proposes or reports, with the same arguments the REST API takes.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Action {
    pub intent: String,
    #[schema(value_type = Object)]
    pub args: Value,
    pub status: ActionStatus,
    /// What a proposed write will do: to how many, for what total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<Preview>,
    /// What a done (or failed) action did: operation, payment, figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Preview {
    /// Invoices to issue, payments to record or guardians to notify.
    pub count: i64,
    pub total: Money,
}

impl Action {
    pub fn with_preview(mut self, preview: Preview) -> Self {
        self.preview = Some(preview);
        self
    }

    pub fn with_result(mut self, result: Value) -> Self {
        self.result = Some(result);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_as_the_text_stored_and_served() {
        for status in [
            ActionStatus::Proposed,
            ActionStatus::Confirmed,
            ActionStatus::Cancelled,
            ActionStatus::Done,
            ActionStatus::Failed,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for status in [
            MessageStatus::Pending,
            MessageStatus::Streaming,
            MessageStatus::Completed,
            MessageStatus::Failed,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert_eq!(MessageRole::Assistant.as_str(), "assistant");
    }
}
