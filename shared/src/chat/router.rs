//! The deterministic side of an answer: a known request is resolved,
//! previewed or answered here, a "yes" or "no" settles the open proposal,
//! and only what the parser does not know goes on to the language model.

use chrono::NaiveDate;
use sqlx::PgConnection;

use super::{
    action::{ActionStatus, Plan},
    answer::answer,
    confirm,
    intent::{self, Intent, Parsed},
    phrasing::{Lang, outcomes, questions},
    preview::preview,
    resolve::{self, Resolved},
    session::{self, ChatMessage},
    turn::Turn,
};
use crate::{
    commands::Actor,
    domain::role::Role,
    error::{Error, Result},
};

pub enum Routed {
    Answered(Turn),
    /// Not a request the router knows: the language model answers.
    AskModel,
}

/// Answers `text`, the user's message that `reply` (claimed, pending)
/// answers, for `actor` in the role they hold now.
pub async fn route(
    conn: &mut PgConnection,
    actor: Actor,
    role: Role,
    reply: &ChatMessage,
    text: &str,
    today: NaiveDate,
) -> Result<Routed> {
    let turn = match intent::parse(text, today) {
        Parsed::Confirm => match session::open_proposal(conn, reply.session_id).await? {
            None => Turn::say(outcomes::nothing_to_confirm(Lang::REPLY)),
            Some(proposal) => {
                match confirm::confirm(conn, actor, role, &proposal, reply.id).await {
                    Err(error @ Error::Client { .. }) => {
                        let plan = Plan::from_action(&confirm::open_action(&proposal)?)?;
                        Turn::failed(&plan, &error)
                    }
                    other => other?,
                }
            }
        },
        Parsed::Cancel => match session::open_proposal(conn, reply.session_id).await? {
            None => Turn::say(outcomes::nothing_to_cancel(Lang::REPLY)),
            Some(proposal) => confirm::cancel(conn, &proposal).await?,
        },
        Parsed::Intent(intent) => plan_turn(conn, role, reply, intent, today).await?,
        Parsed::Incomplete { intent, missing } => {
            Turn::say(questions::ask_for(Lang::REPLY, intent, &missing))
        }
        Parsed::Unknown => return Ok(Routed::AskModel),
    };
    Ok(Routed::Answered(turn))
}

/// A known request: resolved against the school, then previewed (a write
/// the user may make) or answered (a question).
pub async fn plan_turn(
    conn: &mut PgConnection,
    role: Role,
    reply: &ChatMessage,
    intent: Intent,
    today: NaiveDate,
) -> Result<Turn> {
    let plan = match resolve::resolve(conn, intent, today).await? {
        Resolved::Ask(question) => return Ok(Turn::say(question)),
        Resolved::Plan(plan) => plan,
    };
    let Some(capability) = plan.capability() else {
        let (text, result) = answer(conn, &plan).await?;
        return Ok(Turn::with(
            text,
            plan.action(ActionStatus::Done).with_result(result),
        ));
    };
    if let Err(error) = role.require(capability) {
        return Ok(Turn::failed(&plan, &error));
    }
    match preview(conn, &plan).await? {
        Err(why) => Ok(Turn::say(why)),
        Ok((text, figures)) => {
            session::supersede_proposals(conn, reply.session_id).await?;
            Ok(Turn::with(
                text,
                plan.action(ActionStatus::Proposed).with_preview(figures),
            ))
        }
    }
}
