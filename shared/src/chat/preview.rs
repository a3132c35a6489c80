//! What a write will do, said before it is done: to whom, how many, and the
//! total in KES. Read-only; the figures come from the same queries the
//! action itself runs.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    action::{NotifyBalances, Plan, Preview},
    phrasing::{
        self, Lang,
        previews::{self, InvoicesPreview, PaymentPreview, RemindersPreview},
    },
};
use crate::{
    domain::{
        class,
        invoice::{
            self,
            generate::{self, GenerateInvoices},
        },
        money::Money,
        notification,
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
        _ => Ok(Err(previews::not_a_write(Lang::REPLY).into())),
    }
}

async fn invoices(conn: &mut PgConnection, request: &GenerateInvoices) -> Result<Previewed> {
    let preview = generate::preview(conn, request).await?;
    let target = target_name(conn, request.student_id, request.class_id).await?;
    let mut optional: Vec<&str> = request
        .include_optional
        .iter()
        .filter(|(_, on)| **on)
        .map(|(name, _)| name.as_str())
        .collect();
    optional.sort_unstable();
    let priced_by: Vec<(&str, &str)> = preview
        .levels
        .iter()
        .filter_map(|level| {
            Some((
                level.level.as_deref().unwrap_or("no class"),
                level.fee_structure.as_deref()?,
            ))
        })
        .collect();
    let default_only: Vec<&str> = preview
        .levels
        .iter()
        .filter(|level| level.default_structure)
        .map(|level| level.level.as_deref().unwrap_or("no class"))
        .collect();
    let term_ended = preview
        .warnings
        .iter()
        .any(|w| w.code == generate::WarningCode::TermEnded);
    let said = InvoicesPreview {
        target: target.as_deref(),
        term: request.term,
        year: request.year,
        optional: &optional,
        students: preview.students,
        to_invoice: preview.to_invoice,
        already_invoiced: preview.already_invoiced,
        total: preview.total_amount,
        priced_by: &priced_by,
        term_ended,
        default_only: &default_only,
        adjustments: preview.adjustments,
        adjusted: preview.adjusted_amount,
    };
    if preview.to_invoice == 0 {
        return Ok(Err(previews::nothing_to_invoice(Lang::REPLY, &said)));
    }
    Ok(Ok((
        previews::invoices(Lang::REPLY, &said),
        Preview {
            count: preview.to_invoice,
            total: preview.total_amount,
        },
    )))
}

async fn payment_preview(conn: &mut PgConnection, payment: &NewPayment) -> Result<Previewed> {
    let Some(student_id) = payment.student_id else {
        return Ok(Err(previews::payment_needs_student(Lang::REPLY).into()));
    };
    if let Some(txn_ref) = &payment.txn_ref
        && payment::reference_used(conn, payment.method, txn_ref).await?
    {
        return Ok(Err(previews::payment_reference_used(
            Lang::REPLY,
            payment.method,
            txn_ref,
        )));
    }
    let who = student_name(conn, student_id).await?;
    let balance = student::balance(conn, student_id).await?;
    let after = Money::from_decimal(balance.decimal() - payment.amount.decimal());
    let invoice_number = match payment.invoice_id {
        Some(invoice_id) => Some(invoice::get(conn, invoice_id).await?.number),
        None => None,
    };
    let text = previews::payment(
        Lang::REPLY,
        &PaymentPreview {
            amount: payment.amount,
            method: payment.method,
            txn_ref: payment.txn_ref.as_deref(),
            who: &who,
            invoice_number: invoice_number.as_deref(),
            balance,
            after,
        },
    );
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
    let class = target_name(conn, None, notify.class_id).await?;
    if guardians == 0 {
        return Ok(Err(previews::nobody_to_remind(
            Lang::REPLY,
            class.as_deref(),
        )));
    }
    let text = previews::reminders(
        Lang::REPLY,
        &RemindersPreview {
            class: class.as_deref(),
            channel: notify.channel,
            guardians,
            without_email,
            students,
            owed,
        },
    );
    Ok(Ok((
        text,
        Preview {
            count: guardians,
            total: owed,
        },
    )))
}

/// "John Doe (ADM-2025-001)".
pub async fn student_name(conn: &mut PgConnection, student_id: Uuid) -> Result<String> {
    let student::Named { name, admission_no } = student::named(conn, student_id).await?;
    Ok(phrasing::student(&name, &admission_no))
}

/// A student's name, or a class's; `None` for neither (the school).
async fn target_name(
    conn: &mut PgConnection,
    student_id: Option<Uuid>,
    class_id: Option<Uuid>,
) -> Result<Option<String>> {
    Ok(match (student_id, class_id) {
        (Some(student_id), _) => Some(student_name(conn, student_id).await?),
        (None, Some(class_id)) => Some(class::get(conn, class_id).await?.name),
        (None, None) => None,
    })
}
