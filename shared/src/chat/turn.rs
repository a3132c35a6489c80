//! What one assistant message says: its text and, when it proposes or
//! reports an action, the action.

use serde_json::json;

use super::{
    action::{Action, ActionStatus, Plan},
    phrasing::{Lang, outcomes},
};
use crate::error::Error;

#[derive(Debug, Clone)]
pub struct Turn {
    pub content: String,
    pub action: Option<Action>,
}

impl Turn {
    pub fn say(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            action: None,
        }
    }

    pub fn with(content: impl Into<String>, action: Action) -> Self {
        Self {
            content: content.into(),
            action: Some(action),
        }
    }

    /// A plan that could not run: the client error, said plainly, with the
    /// failed action and its code.
    pub fn failed(plan: &Plan, error: &Error) -> Self {
        let (code, detail) = match error {
            Error::Client { code, detail, .. } => (code.to_string(), detail.clone()),
            other => ("internal".to_string(), other.to_string()),
        };
        Self::with(
            outcomes::could_not(Lang::REPLY, &detail),
            plan.action(ActionStatus::Failed)
                .with_result(json!({"error": {"code": code, "detail": detail}})),
        )
    }
}
