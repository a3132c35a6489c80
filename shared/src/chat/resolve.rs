//! Turns a parsed request into a plan against the school's own data:
//! names become ids, a missing term becomes the school's current one. What
//! cannot be pinned down exactly becomes a question, never a guess.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    action::{NotifyBalances, Plan},
    intent::{Intent, StudentRef, Target},
};
use crate::{
    domain::{
        calendar, class, fees,
        invoice::{
            self,
            generate::{self, GenerateInvoices},
        },
        notification::Channel,
        payment::NewPayment,
        student::{self, Match},
    },
    error::{Error, Result},
};

/// A plan to preview or answer, or a question back to the user.
#[derive(Debug)]
pub enum Resolved {
    Plan(Plan),
    Ask(String),
}

const MAX_CANDIDATES: usize = 6;

/// Classes named when the one asked for is not found.
const CLASSES_LISTED: i64 = 12;

/// "John Doe (ADM-2025-001, Grade 4 East)", with the status unless active.
fn describe(candidate: &Match) -> String {
    let class = candidate.class_name.as_deref().unwrap_or("no class");
    let status = if candidate.status == student::Status::Active {
        String::new()
    } else {
        format!(", {}", candidate.status.as_str().to_lowercase())
    };
    format!(
        "{} ({}, {class}{status})",
        candidate.name, candidate.admission_no
    )
}

pub async fn resolve(
    conn: &mut PgConnection,
    intent: Intent,
    today: NaiveDate,
) -> Result<Resolved> {
    let plan = match intent {
        Intent::GenerateInvoices {
            target,
            term,
            year,
            include_optional,
        } => {
            let (student_id, class_id) = match target {
                Target::Class(name) => match class(conn, &name, today).await? {
                    Ok(id) => (None, Some(id)),
                    Err(question) => return Ok(Resolved::Ask(question)),
                },
                Target::Student(student_ref) => match student(conn, &student_ref).await? {
                    Ok(id) => (Some(id), None),
                    Err(question) => return Ok(Resolved::Ask(question)),
                },
            };
            let Some((term, year)) = term_and_year(conn, term, year, today).await? else {
                return Ok(Resolved::Ask(no_terms()));
            };
            let request = GenerateInvoices {
                student_id,
                class_id,
                term,
                year,
                include_optional: optional_items(conn, &include_optional).await?,
            };
            // The checks the REST endpoint makes, said back in the chat.
            if let Err(Error::Client { detail, .. }) = generate::validate(conn, &request).await {
                return Ok(Resolved::Ask(sentence(&detail)));
            }
            Plan::GenerateInvoices(request)
        }
        Intent::RecordPayment {
            student: student_ref,
            amount,
            method,
            txn_ref,
            invoice_number,
        } => {
            let student_id = match student(conn, &student_ref).await? {
                Ok(id) => id,
                Err(question) => return Ok(Resolved::Ask(question)),
            };
            let Some(method) = method else {
                return Ok(Resolved::Ask(format!(
                    "How was the {} paid: M-Pesa, cash, bank or cheque? Send the request again with the method, \
                     for example \"record payment of {} for {} via MPESA ref QKH94M1Z11\".",
                    amount.kes(),
                    amount,
                    describe_ref(&student_ref)
                )));
            };
            let invoice_id = match invoice_number {
                None => None,
                Some(number) => match invoice::id_by_number(conn, student_id, &number).await? {
                    Some(id) => Some(id),
                    None => {
                        return Ok(Resolved::Ask(format!(
                            "{number} is not an invoice of {}. Check the number, or leave it out to pay the oldest open invoices first.",
                            describe_ref(&student_ref)
                        )));
                    }
                },
            };
            Plan::RecordPayment(NewPayment {
                invoice_id,
                student_id: Some(student_id),
                amount,
                method,
                txn_ref,
                paid_at: None,
            })
        }
        Intent::NotifyBalances {
            channel,
            class: name,
        } => {
            let class_id = match name {
                None => None,
                Some(name) => match class(conn, &name, today).await? {
                    Ok(id) => Some(id),
                    Err(question) => return Ok(Resolved::Ask(question)),
                },
            };
            Plan::NotifyBalances(NotifyBalances {
                channel: channel.unwrap_or(Channel::InApp),
                class_id,
            })
        }
        Intent::StudentBalance {
            student: student_ref,
        } => match student(conn, &student_ref).await? {
            Ok(student_id) => Plan::StudentBalance { student_id },
            Err(question) => return Ok(Resolved::Ask(question)),
        },
        Intent::ClassBalance { class: name } => match class(conn, &name, today).await? {
            Ok(class_id) => Plan::ClassBalance { class_id },
            Err(question) => return Ok(Resolved::Ask(question)),
        },
        Intent::Collections { term, year } => {
            let Some((term, year)) = term_and_year(conn, term, year, today).await? else {
                return Ok(Resolved::Ask(no_terms()));
            };
            Plan::Collections { term, year }
        }
    };
    Ok(Resolved::Plan(plan))
}

/// The question for a request the parser found incomplete.
pub fn ask_for(intent: &str, missing: &[&str]) -> String {
    let what: Vec<&str> = missing
        .iter()
        .map(|m| match *m {
            "student" => "which student (a name or admission number)",
            "amount" => "the amount",
            "txn_ref" => "the transaction reference (the M-Pesa code, like QKH94M1Z11)",
            "class" => "which class (like \"Grade 4 East\")",
            "target" => "which class or student",
            "term" => "which term (1, 2 or 3)",
            "year" => "which year",
            other => other,
        })
        .collect();
    let example = match intent {
        "record_payment" => "\"record payment of 10000 for ADM-2025-001 via MPESA ref QKH94M1Z11\"",
        "generate_invoices" => "\"generate invoices for Grade 4 East for term 1\"",
        "class_balance" => "\"how much does Grade 4 East owe?\"",
        "student_balance" => "\"what is the balance for ADM-2025-001?\"",
        "collections" => "\"how much have we collected in term 1 2026?\"",
        _ => "\"notify guardians of Grade 4 East about fee balances\"",
    };
    format!(
        "I need {} to do that. Send the whole request again, for example {example}.",
        join_and(&what)
    )
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn normalized(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn sentence(detail: &str) -> String {
    let mut chars = detail.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    let text = format!("{}{}", first.unwrap_or_default(), chars.as_str());
    if text.ends_with('.') {
        text
    } else {
        format!("{text}.")
    }
}

fn no_terms() -> String {
    "This school has no academic terms yet, so I can't tell which term you mean. Name the term and year, for example \"term 1 2026\".".into()
}

fn describe_ref(student: &StudentRef) -> &str {
    match student {
        StudentRef::AdmissionNo(no) => no,
        StudentRef::Name(name) => name,
    }
}

/// The term and year asked for, the school's current term filling in what
/// was not said.
async fn term_and_year(
    conn: &mut PgConnection,
    term: Option<i16>,
    year: Option<i32>,
    today: NaiveDate,
) -> Result<Option<(i16, i32)>> {
    if let (Some(term), Some(year)) = (term, year) {
        return Ok(Some((term, year)));
    }
    let current = calendar::term_on(conn, today).await?;
    Ok(match (term, year, current) {
        (Some(term), None, Some(current)) => Some((term, current.year)),
        (Some(term), None, None) => Some((term, today.year())),
        (None, Some(year), Some(current)) if current.year == year => Some((current.term, year)),
        (None, Some(_), _) => None,
        (None, None, Some(current)) => Some((current.term, current.year)),
        _ => None,
    })
}

/// The optional items asked for by name, spelled as the school spells them.
async fn optional_items(
    conn: &mut PgConnection,
    asked: &[String],
) -> Result<HashMap<String, bool>> {
    let mut items = HashMap::new();
    for name in asked {
        let spelled = fees::optional_item_name(conn, name).await?;
        items.insert(spelled.unwrap_or_else(|| name.clone()), true);
    }
    Ok(items)
}

/// The one student meant, or the question to ask.
async fn student(
    conn: &mut PgConnection,
    student: &StudentRef,
) -> Result<std::result::Result<Uuid, String>> {
    let candidates: Vec<Match> = match student {
        StudentRef::AdmissionNo(no) => student::find_by_admission_no(conn, no).await?,
        StudentRef::Name(name) => {
            let words: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
            let mut found = student::find_by_name_words(conn, &words).await?;
            // "John Doe" names John Doe, even beside a John Doe Kamau.
            let exact = |c: &Match| normalized(&c.name) == words.join(" ");
            if found.iter().filter(|c| exact(c)).count() == 1 {
                found.retain(exact);
            }
            found
        }
    };
    Ok(match candidates.as_slice() {
        [one] => Ok(one.id),
        [] => Err(match student {
            StudentRef::AdmissionNo(no) => {
                format!(
                    "No student has admission number {no}. Check the number and send the request again."
                )
            }
            StudentRef::Name(name) => format!(
                "I couldn't find a student called {name}. Check the spelling, or use the admission number."
            ),
        }),
        several => {
            let mut text = format!(
                "More than one student matches \"{}\". Which one do you mean?",
                describe_ref(student)
            );
            for candidate in several.iter().take(MAX_CANDIDATES) {
                text.push_str(&format!("\n- {}", describe(candidate)));
            }
            if several.len() > MAX_CANDIDATES {
                text.push_str(&format!("\n- and {} more", several.len() - MAX_CANDIDATES));
            }
            text.push_str("\nSend the request again with the admission number.");
            Err(text)
        }
    })
}

/// The one class meant (this year's when names repeat across years), or
/// the question to ask.
async fn class(
    conn: &mut PgConnection,
    name: &str,
    today: NaiveDate,
) -> Result<std::result::Result<Uuid, String>> {
    let found = class::find_by_name(conn, name).await?;
    let this_year: Vec<_> = found
        .iter()
        .filter(|c| c.academic_year == today.year())
        .collect();
    Ok(match (found.as_slice(), this_year.as_slice()) {
        ([one], _) => Ok(one.id),
        (_, [one]) => Ok(one.id),
        ([], _) => {
            let known = class::names(conn, CLASSES_LISTED).await?;
            let listed = if known.is_empty() {
                "This school has no classes yet.".to_string()
            } else {
                format!("Classes I know: {}.", known.join(", "))
            };
            Err(format!(
                "I couldn't find a class called \"{name}\". {listed}"
            ))
        }
        (several, _) => {
            let years: Vec<String> = several
                .iter()
                .map(|c| c.academic_year.to_string())
                .collect();
            Err(format!(
                "There is a class \"{name}\" in more than one year ({}). Which year do you mean?",
                years.join(", ")
            ))
        }
    })
}
