//! What a write will do, said before it is done: to whom, how many, and the
//! total in KES. Read-only; the figures come from the same queries the
//! action itself runs.

use sqlx::PgConnection;
use uuid::Uuid;

use super::action::{NotifyBalances, Plan, Preview};
use crate::{
    domain::{
        class,
        invoice::{
            self,
            generate::{self, GenerateInvoices},
        },
        money::Money,
        notification::{self, Channel},
        payment::{self, NewPayment},
        student,
    },
    error::Result,
};

/// The preview of a write: its text and figures, or why it cannot be done
/// (a question or a refusal for the user).
pub type Previewed = std::result::Result<(String, Preview), String>;

pub async fn preview(conn: &mut PgConnection, plan: &Plan) -> Result<Previewed> {
    match plan {
        Plan::GenerateInvoices(request) => invoices(conn, request).await,
        Plan::RecordPayment(payment) => payment_preview(conn, payment).await,
        Plan::NotifyBalances(notify) => reminders(conn, notify).await,
        _ => Ok(Err("That is a question, not something to confirm.".into())),
    }
}

const CONFIRM: &str = "Reply \"yes\" to go ahead or \"no\" to cancel.";

async fn invoices(conn: &mut PgConnection, request: &GenerateInvoices) -> Result<Previewed> {
    let preview = generate::preview(conn, request).await?;
    let target = target_name(conn, request.student_id, request.class_id).await?;
    let term = format!("Term {} {}", request.term, request.year);
    let mut optional: Vec<&str> = request
        .include_optional
        .iter()
        .filter(|(_, on)| **on)
        .map(|(name, _)| name.as_str())
        .collect();
    optional.sort_unstable();
    let with = if optional.is_empty() {
        "no optional items".to_string()
    } else {
        format!("with {}", optional.join(" and "))
    };
    if preview.to_invoice == 0 {
        let why = if preview.students == 0 {
            format!("{target} has no active students.")
        } else {
            format!(
                "All {} active students of {target} already have a {term} invoice.",
                preview.students
            )
        };
        return Ok(Err(format!("There is nothing to invoice: {why}")));
    }
    let mut text = format!(
        "I will generate {} for {target}, {term} ({with}), totalling {}.",
        plural(preview.to_invoice, "invoice"),
        preview.total_amount.kes()
    );
    if preview.already_invoiced > 0 {
        text.push_str(&format!(
            " {} already invoiced for {term} will be skipped.",
            plural(preview.already_invoiced, "student")
        ));
    }
    text.push(' ');
    text.push_str(CONFIRM);
    Ok(Ok((
        text,
        Preview {
            count: preview.to_invoice,
            total: preview.total_amount,
        },
    )))
}

async fn payment_preview(conn: &mut PgConnection, payment: &NewPayment) -> Result<Previewed> {
    let Some(student_id) = payment.student_id else {
        return Ok(Err("Which student is the payment for?".into()));
    };
    if let Some(txn_ref) = &payment.txn_ref
        && payment::reference_used(conn, payment.method, txn_ref).await?
    {
        return Ok(Err(format!(
            "A {} payment with reference {txn_ref} is already recorded, so I won't record it twice.",
            payment.method.spoken()
        )));
    }
    let who = student_name(conn, student_id).await?;
    let balance = student::balance(conn, student_id).await?;
    let after = Money::from_decimal(balance.decimal() - payment.amount.decimal());
    let reference = payment
        .txn_ref
        .as_deref()
        .map(|r| format!(" (ref {r})"))
        .unwrap_or_default();
    let against = match payment.invoice_id {
        Some(invoice_id) => {
            let number = invoice::get(conn, invoice_id).await?.number;
            format!("against invoice {number}")
        }
        None => "against the oldest open invoices first".to_string(),
    };
    let mut text = format!(
        "I will record {} by {}{reference} for {who}, {against}. Balance now {}; after this payment {}.",
        payment.amount.kes(),
        payment.method.spoken(),
        balance.kes(),
        after.kes()
    );
    if after.is_negative() {
        text.push_str(&format!(
            " The extra {} will be kept as credit for the next invoice.",
            Money::from_decimal(-after.decimal()).kes()
        ));
    }
    text.push(' ');
    text.push_str(CONFIRM);
    Ok(Ok((
        text,
        Preview {
            count: 1,
            total: payment.amount,
        },
    )))
}

async fn reminders(conn: &mut PgConnection, notify: &NotifyBalances) -> Result<Previewed> {
    let notification::BalanceAudience {
        guardians,
        without_email,
        students,
        owed,
    } = notification::balance_audience(conn, notify.class_id).await?;
    let whose = match notify.class_id {
        Some(class_id) => target_name(conn, None, Some(class_id)).await?,
        None => "the school".to_string(),
    };
    if guardians == 0 {
        return Ok(Err(format!(
            "No family in {whose} has a fee balance, so there is no one to remind."
        )));
    }
    let how = match notify.channel {
        Channel::InApp => "an in-app",
        Channel::Email => "an email",
    };
    let mut text = format!(
        "I will send {how} fee reminder to {} of {} in {whose} who owe {} in all.",
        plural(guardians, "guardian"),
        plural(students, "student"),
        owed.kes()
    );
    if notify.channel == Channel::Email && without_email > 0 {
        text.push_str(&format!(
            " {} no email address and will not receive it.",
            if without_email == 1 {
                "1 guardian has".to_string()
            } else {
                format!("{without_email} guardians have")
            }
        ));
    }
    text.push(' ');
    text.push_str(CONFIRM);
    Ok(Ok((
        text,
        Preview {
            count: guardians,
            total: owed,
        },
    )))
}

pub fn plural(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// "John Doe (ADM-2025-001)".
pub async fn student_name(conn: &mut PgConnection, student_id: Uuid) -> Result<String> {
    let student::Named { name, admission_no } = student::named(conn, student_id).await?;
    Ok(format!("{name} ({admission_no})"))
}

/// A class's name, or a student's.
async fn target_name(
    conn: &mut PgConnection,
    student_id: Option<Uuid>,
    class_id: Option<Uuid>,
) -> Result<String> {
    match (student_id, class_id) {
        (Some(student_id), _) => student_name(conn, student_id).await,
        (None, Some(class_id)) => Ok(class::get(conn, class_id).await?.name),
        (None, None) => Ok("the school".into()),
    }
}
