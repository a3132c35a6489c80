//! Issuing a credit note on an invoice: checked against what the family
//! still owes (and, line by line, against what each line still charges),
//! numbered, posted DR 4900 / CR 1100 and added to the invoice's `credited`.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{CreditNote, NewCreditNote, NewCreditNoteLine, SOURCE};
use crate::{
    audit,
    domain::{
        invoice::{self, Status},
        ledger::{self, Line, code},
        money::Money,
        numbering::{self, Series},
        text,
    },
    error::{Error, Result},
    events,
};

/// At most this many lines on one note.
pub const MAX_LINES: usize = 50;

/// An invoice line with what earlier notes took off it.
#[derive(Debug, sqlx::FromRow)]
struct Creditable {
    id: Uuid,
    name: String,
    amount: Decimal,
    credited: Decimal,
}

/// Issues a credit note of `new.amount` on the invoice, in the caller's
/// transaction, numbered in the year of `issued_on` (today in Nairobi, as
/// the office sees it). The invoice is locked first, so two notes (or a note and a
/// payment) cannot both take the same balance. Refused: 409
/// `invoice_not_open` on a CANCELLED invoice, 409 `credit_exceeds_balance`
/// beyond the invoice's balance (a PAID invoice has none left).
#[tracing::instrument(skip_all, fields(invoice_id = %invoice_id))]
pub async fn issue(
    conn: &mut PgConnection,
    actor: Uuid,
    invoice_id: Uuid,
    new: &NewCreditNote,
    issued_on: NaiveDate,
) -> Result<CreditNote> {
    if new.amount.decimal() <= Decimal::ZERO {
        return Err(Error::invalid(
            "invalid_amount",
            "amount must be greater than zero",
        ));
    }
    let reason = text::name("reason", &new.reason, 500)?;
    sqlx::query("SELECT 1 FROM invoices WHERE id = $1 FOR UPDATE")
        .bind(invoice_id)
        .execute(&mut *conn)
        .await?;
    let invoice = invoice::get(conn, invoice_id).await?;
    if invoice.status == Status::Cancelled {
        return Err(Error::conflict(
            "invoice_not_open",
            format!("invoice {} is cancelled", invoice.number),
        ));
    }
    if new.amount > invoice.balance {
        return Err(Error::conflict(
            "credit_exceeds_balance",
            format!(
                "{} is left to pay on invoice {}; a credit note cannot take off more",
                invoice.balance.kes(),
                invoice.number
            ),
        ));
    }
    let lines = match &new.lines {
        Some(given) => check_lines(conn, invoice_id, new.amount, given).await?,
        None => Vec::new(),
    };

    let number = numbering::next(conn, Series::CreditNote, issued_on.year()).await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO credit_notes (school_id, id, number, invoice_id, student_id, kind, amount, reason, issued_by)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(&number)
    .bind(invoice_id)
    .bind(invoice.student_id)
    .bind(new.kind)
    .bind(new.amount)
    .bind(&reason)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    if !lines.is_empty() {
        sqlx::query(
            "INSERT INTO credit_note_lines (school_id, credit_note_id, invoice_line_id, amount)
             SELECT app_school_id(), $1, * FROM unnest($2::uuid[], $3::numeric[])",
        )
        .bind(id)
        .bind(lines.iter().map(|(line, _)| *line).collect::<Vec<_>>())
        .bind(lines.iter().map(|(_, amount)| *amount).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(concat!(
        "UPDATE invoices SET credited = credited + $2, status = ",
        crate::invoice_status_sql!("paid", "credited + $2", "sponsored"),
        " WHERE id = $1"
    ))
    .bind(invoice_id)
    .bind(new.amount)
    .execute(&mut *conn)
    .await?;

    let [discounts, receivable] =
        ledger::account_ids(conn, [code::DISCOUNTS, code::RECEIVABLE]).await?;
    let entry = [
        Line::debit(discounts, new.amount)
            .student(invoice.student_id)
            .invoice(invoice_id),
        Line::credit(receivable, new.amount)
            .student(invoice.student_id)
            .invoice(invoice_id),
    ];
    let memo = format!(
        "Credit note {number} ({}) on invoice {}",
        new.kind, invoice.number
    );
    ledger::post(conn, &memo, SOURCE, id, &entry).await?;

    let note = super::get(conn, id).await?;
    let change = audit::Change {
        actor,
        action: "credit_note.issue",
        entity: "credit_note",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&note)).await?;
    events::append(conn, "credit_note.issued", &note).await?;
    Ok(note)
}

/// The given lines as (invoice line, amount): each names a distinct line
/// of the invoice, by name (any letter case) or id, takes more than zero
/// and at most what is left of that line, and together they make `total`.
async fn check_lines(
    conn: &mut PgConnection,
    invoice_id: Uuid,
    total: Money,
    given: &[NewCreditNoteLine],
) -> Result<Vec<(Uuid, Decimal)>> {
    if given.is_empty() || given.len() > MAX_LINES {
        return Err(Error::invalid(
            "invalid_lines",
            format!("a credit note's lines, when sent, are 1 to {MAX_LINES}"),
        ));
    }
    let creditable: Vec<Creditable> = sqlx::query_as(
        "SELECT il.id, il.name, il.amount, coalesce(sum(cl.amount), 0) AS credited
           FROM invoice_lines il
           LEFT JOIN credit_note_lines cl ON cl.school_id = il.school_id AND cl.invoice_line_id = il.id
          WHERE il.invoice_id = $1
          GROUP BY il.id, il.name, il.amount",
    )
    .bind(invoice_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut checked: Vec<(Uuid, Decimal)> = Vec::with_capacity(given.len());
    for line in given {
        if line.amount.decimal() <= Decimal::ZERO {
            return Err(Error::invalid(
                "invalid_amount",
                "each line's amount must be greater than zero",
            ));
        }
        let line_of = find_line(&creditable, &line.item)?;
        if checked.iter().any(|(id, _)| *id == line_of.id) {
            return Err(Error::invalid(
                "invalid_lines",
                format!("{:?} is named twice; credit each line once", line_of.name),
            ));
        }
        let left = line_of.amount - line_of.credited;
        if line.amount.decimal() > left {
            return Err(Error::conflict(
                "credit_exceeds_line",
                format!(
                    "{} is left of {:?} after earlier credit notes; a note cannot take off more",
                    Money::from_decimal(left).kes(),
                    line_of.name
                ),
            ));
        }
        checked.push((line_of.id, line.amount.decimal()));
    }
    let sum: Decimal = checked.iter().map(|(_, amount)| *amount).sum();
    if sum != total.decimal() {
        return Err(Error::invalid(
            "invalid_lines",
            format!(
                "the lines add up to {}, not the note's amount {}",
                Money::from_decimal(sum),
                total
            ),
        ));
    }
    Ok(checked)
}

/// The invoice line `item` names: its id, or its name in any letter case
/// when no other line has that name.
fn find_line<'a>(lines: &'a [Creditable], item: &str) -> Result<&'a Creditable> {
    let wanted = text::identifier_form(item).to_lowercase();
    let by_id = wanted.parse::<Uuid>().ok();
    let found: Vec<&Creditable> = lines
        .iter()
        .filter(|l| Some(l.id) == by_id || text::identifier_form(&l.name).to_lowercase() == wanted)
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::rule(
            "unknown_invoice_line",
            format!(
                "{:?} names no line of this invoice",
                item.chars().take(80).collect::<String>()
            ),
        )),
        _ => Err(Error::rule(
            "unknown_invoice_line",
            format!(
                "{:?} names more than one line of this invoice; send the line's id",
                item.chars().take(80).collect::<String>()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str) -> Creditable {
        Creditable {
            id: Uuid::now_v7(),
            name: name.into(),
            amount: Decimal::new(350000, 2),
            credited: Decimal::ZERO,
        }
    }

    #[test]
    fn an_item_names_a_line_by_name_in_any_case_or_by_id() {
        let lines = [line("Tuition"), line("Lunch")];
        assert_eq!(find_line(&lines, " lunch ").unwrap().id, lines[1].id);
        assert_eq!(find_line(&lines, "ＬＵＮＣＨ").unwrap().id, lines[1].id);
        let by_id = lines[0].id.to_string().to_uppercase();
        assert_eq!(find_line(&lines, &by_id).unwrap().id, lines[0].id);
    }

    #[test]
    fn an_item_naming_no_line_or_two_is_refused() {
        let lines = [line("Trip"), line("trip"), line("Lunch")];
        for item in ["Transport", "Trip", ""] {
            let err = find_line(&lines, item).unwrap_err();
            assert_eq!(err.code(), Some("unknown_invoice_line"), "{item}");
        }
    }
}
