//! A proposal answered: confirmed, it runs through the same commands as the
//! REST API, under the same role check; cancelled, nothing changes.

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    action::{Action, ActionStatus, Plan},
    phrasing::{Lang, outcomes},
    preview::student_name,
    session::{self, ChatMessage},
    turn::Turn,
};
use crate::{
    commands::{self, Actor},
    db,
    domain::{notification::NewNotification, role::Role},
    error::{Error, Result},
    jobs::ChatLink,
};

/// The proposal's action, if it is still waiting for an answer.
pub fn open_action(proposal: &ChatMessage) -> Result<Action> {
    match &proposal.action {
        Some(action) if action.status == ActionStatus::Proposed => Ok(action.0.clone()),
        Some(action) => Err(Error::conflict(
            "action_not_proposed",
            format!(
                "that action is {} and can no longer be confirmed or cancelled",
                action.status.as_str()
            ),
        )),
        None => Err(Error::conflict(
            "nothing_to_confirm",
            "that message proposes no action",
        )),
    }
}

/// Runs a locked, open proposal for `actor`. The answer goes into the
/// message `reply_id`, which later hears how the queued work ended. A role
/// that may not do it is refused before anything runs (403, as the REST
/// API does); a rule the data breaks (a reference already used, say) marks
/// the proposal failed and says why.
pub async fn confirm(
    conn: &mut PgConnection,
    actor: Actor,
    role: Role,
    proposal: &ChatMessage,
    reply_id: Uuid,
) -> Result<Turn> {
    let action = open_action(proposal)?;
    let plan = Plan::from_action(&action)?;
    if let Some(capability) = plan.capability() {
        role.require(capability)?;
    }
    let link = Some(ChatLink {
        message_id: reply_id,
        user_id: actor.user_id,
    });
    let mut savepoint = db::Savepoint::begin(conn, "confirm_action").await?;
    let ran = run(&mut savepoint, actor, &plan, link).await;
    let (turn, status) = match ran {
        Ok(turn) => {
            savepoint.release().await?;
            (turn, ActionStatus::Confirmed)
        }
        Err(error @ Error::Client { .. }) => {
            savepoint.roll_back().await?;
            (Turn::failed(&plan, &error), ActionStatus::Failed)
        }
        Err(other) => return Err(other),
    };
    let mut answered = action;
    answered.status = status;
    session::set_action(conn, proposal.id, &answered).await?;
    Ok(turn)
}

async fn run(
    conn: &mut PgConnection,
    actor: Actor,
    plan: &Plan,
    link: Option<ChatLink>,
) -> Result<Turn> {
    let confirmed = |result| plan.action(ActionStatus::Confirmed).with_result(result);
    match plan {
        Plan::GenerateInvoices(request) => {
            let operation =
                commands::invoices::generate(conn, actor, request.clone(), link).await?;
            Ok(Turn::with(
                outcomes::invoices_started(Lang::REPLY, operation.id),
                confirmed(
                    json!({"operation_id": operation.id, "operation_url": format!("/operations/{}", operation.id)}),
                ),
            ))
        }
        Plan::RecordPayment(new) => {
            let payment = commands::payments::record(conn, actor, new, link).await?;
            let who = student_name(conn, payment.student_id).await?;
            Ok(Turn::with(
                outcomes::payment_recorded(
                    Lang::REPLY,
                    payment.amount,
                    new.method,
                    &who,
                    payment.id,
                ),
                confirmed(
                    json!({"payment_id": payment.id, "posting_status": payment.posting_status}),
                ),
            ))
        }
        Plan::NotifyBalances(notify) => {
            let (subject, body) = outcomes::fee_reminder(Lang::REPLY);
            let new = NewNotification {
                channel: notify.channel,
                subject: subject.into(),
                body: body.into(),
                audience: crate::domain::notification::Audience {
                    class_id: notify.class_id,
                    with_balance: true,
                    ..Default::default()
                },
            };
            let operation = commands::notifications::send(conn, actor, &new, link).await?;
            Ok(Turn::with(
                outcomes::reminders_started(Lang::REPLY, operation.id),
                confirmed(
                    json!({"operation_id": operation.id, "operation_url": format!("/operations/{}", operation.id)}),
                ),
            ))
        }
        _ => Err(Error::conflict(
            "nothing_to_confirm",
            "a question needs no confirmation",
        )),
    }
}

/// Drops a locked, open proposal.
pub async fn cancel(conn: &mut PgConnection, proposal: &ChatMessage) -> Result<Turn> {
    let mut action = open_action(proposal)?;
    action.status = ActionStatus::Cancelled;
    session::set_action(conn, proposal.id, &action).await?;
    Ok(Turn::with(outcomes::cancelled(Lang::REPLY), action))
}
