//! The machine-readable side of an assistant message: what it proposes or
//! reports, with the same arguments the REST API takes, so a client can
//! show it and a confirmation runs exactly what was previewed.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

pub use crate::domain::chat::{Action, ActionStatus, Preview};
use crate::{
    domain::{
        invoice::generate::GenerateInvoices, notification::Channel, payment::NewPayment,
        role::Capability,
    },
    error::{Error, Result},
};

/// A resolved request: ids, not names; the REST API's own request types.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "intent", content = "args", rename_all = "snake_case")]
pub enum Plan {
    GenerateInvoices(GenerateInvoices),
    RecordPayment(NewPayment),
    NotifyBalances(NotifyBalances),
    StudentBalance { student_id: Uuid },
    ClassBalance { class_id: Uuid },
    Collections { term: i16, year: i32 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyBalances {
    pub channel: Channel,
    pub class_id: Option<Uuid>,
}

impl Plan {
    /// The capability a write needs; None for questions.
    pub fn capability(&self) -> Option<Capability> {
        match self {
            Plan::GenerateInvoices(_) => Some(Capability::ManageFees),
            Plan::RecordPayment(_) => Some(Capability::RecordPayments),
            Plan::NotifyBalances(_) => Some(Capability::SendNotifications),
            _ => None,
        }
    }

    pub fn action(&self, status: ActionStatus) -> Action {
        let tagged = serde_json::to_value(self).unwrap_or(Value::Null);
        Action {
            intent: tagged["intent"].as_str().unwrap_or_default().to_string(),
            args: tagged.get("args").cloned().unwrap_or_else(|| json!({})),
            status,
            preview: None,
            result: None,
        }
    }

    /// The plan an action was made from.
    pub fn from_action(action: &Action) -> Result<Self> {
        serde_json::from_value(json!({"intent": action.intent, "args": action.args})).map_err(
            |err| {
                Error::Internal(anyhow::anyhow!(
                    "a stored chat action does not read back: {err}"
                ))
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_reads_back_as_the_plan_it_was_made_from() {
        let student_id = Uuid::now_v7();
        let plan: Plan = serde_json::from_value(json!({
            "intent": "record_payment",
            "args": {"student_id": student_id, "invoice_id": null, "amount": "10000.00",
                     "method": "MPESA", "txn_ref": "QKH94M1Z11", "paid_at": null}
        }))
        .unwrap();
        let action = plan.action(ActionStatus::Proposed);
        assert_eq!(action.intent, "record_payment");
        assert_eq!(action.args["amount"], "10000.00");
        assert_eq!(action.args["student_id"], json!(student_id));
        let Plan::RecordPayment(payment) = Plan::from_action(&action).unwrap() else {
            panic!("not a payment");
        };
        assert_eq!(payment.amount.to_string(), "10000.00");
        assert_eq!(payment.txn_ref.as_deref(), Some("QKH94M1Z11"));
    }

    #[test]
    fn questions_need_no_capability_and_writes_do() {
        let question = Plan::Collections {
            term: 1,
            year: 2026,
        };
        assert_eq!(question.capability(), None);
        let notify = Plan::NotifyBalances(NotifyBalances {
            channel: Channel::InApp,
            class_id: None,
        });
        assert_eq!(notify.capability(), Some(Capability::SendNotifications));
        let action = question.action(ActionStatus::Done);
        assert_eq!(action.args, json!({"term": 1, "year": 2026}));
    }
}
