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
    phrasing::{Lang, questions},
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
        student,
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
                Target::Class(name) => match one_class(conn, &name, today).await? {
                    Ok(id) => (None, Some(id)),
                    Err(question) => return Ok(Resolved::Ask(question)),
                },
                Target::Student(student_ref) => match one_student(conn, &student_ref).await? {
                    Ok(id) => (Some(id), None),
                    Err(question) => return Ok(Resolved::Ask(question)),
                },
            };
            let Some((term, year)) = term_and_year(conn, term, year, today).await? else {
                return Ok(Resolved::Ask(questions::no_terms(Lang::REPLY)));
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
                return Ok(Resolved::Ask(questions::rule_broken(&detail)));
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
            let student_id = match one_student(conn, &student_ref).await? {
                Ok(id) => id,
                Err(question) => return Ok(Resolved::Ask(question)),
            };
            let Some(method) = method else {
                return Ok(Resolved::Ask(questions::payment_method(
                    Lang::REPLY,
                    amount,
                    describe_ref(&student_ref),
                )));
            };
            let invoice_id = match invoice_number {
                None => None,
                Some(number) => match invoice::id_by_number(conn, student_id, &number).await? {
                    Some(id) => Some(id),
                    None => {
                        return Ok(Resolved::Ask(questions::not_an_invoice_of(
                            Lang::REPLY,
                            &number,
                            describe_ref(&student_ref),
                        )));
                    }
                },
            };
            Plan::RecordPayment(NewPayment {
                invoice_id,
                student_id: Some(student_id),
                sponsor_id: None,
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
                Some(name) => match one_class(conn, &name, today).await? {
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
        } => match one_student(conn, &student_ref).await? {
            Ok(student_id) => Plan::StudentBalance { student_id },
            Err(question) => return Ok(Resolved::Ask(question)),
        },
        Intent::ClassBalance { class: name } => match one_class(conn, &name, today).await? {
            Ok(class_id) => Plan::ClassBalance { class_id },
            Err(question) => return Ok(Resolved::Ask(question)),
        },
        Intent::Collections { term, year } => {
            let Some((term, year)) = term_and_year(conn, term, year, today).await? else {
                return Ok(Resolved::Ask(questions::no_terms(Lang::REPLY)));
            };
            Plan::Collections { term, year }
        }
    };
    Ok(Resolved::Plan(plan))
}

fn normalized(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
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
async fn one_student(
    conn: &mut PgConnection,
    asked: &StudentRef,
) -> Result<std::result::Result<Uuid, String>> {
    let candidates: Vec<student::Match> = match asked {
        StudentRef::AdmissionNo(no) => student::find_by_admission_no(conn, no).await?,
        StudentRef::Name(name) => {
            let words: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
            let mut found = student::find_by_name_words(conn, &words).await?;
            // "John Doe" names John Doe, even beside a John Doe Kamau.
            let exact = |c: &student::Match| normalized(&c.name) == words.join(" ");
            if found.iter().filter(|c| exact(c)).count() == 1 {
                found.retain(exact);
            }
            found
        }
    };
    Ok(match candidates.as_slice() {
        [one] => Ok(one.id),
        [] => Err(match asked {
            StudentRef::AdmissionNo(no) => questions::no_such_admission_no(Lang::REPLY, no),
            StudentRef::Name(name) => questions::no_student_named(Lang::REPLY, name),
        }),
        several => {
            let listed: Vec<String> = several
                .iter()
                .take(MAX_CANDIDATES)
                .map(|c| {
                    questions::candidate(
                        Lang::REPLY,
                        &c.name,
                        &c.admission_no,
                        c.class_name.as_deref(),
                        c.status,
                    )
                })
                .collect();
            Err(questions::which_student(
                Lang::REPLY,
                describe_ref(asked),
                &listed,
                several.len().saturating_sub(MAX_CANDIDATES),
            ))
        }
    })
}

/// The one class meant (this year's when names repeat across years), or
/// the question to ask.
async fn one_class(
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
            Err(questions::no_such_class(Lang::REPLY, name, &known))
        }
        (several, _) => {
            let years: Vec<i32> = several.iter().map(|c| c.academic_year).collect();
            Err(questions::which_year(Lang::REPLY, name, &years))
        }
    })
}
