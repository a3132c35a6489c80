//! What the language model is told: the school's own context and the
//! conversation so far. Read under the school's row security, so nothing
//! of another school can reach the prompt.

use chrono::NaiveDate;
use sqlx::PgConnection;

use super::session::ChatMessage;
use crate::{
    domain::{calendar, school},
    error::Result,
    ollama::Message,
};

/// The facts the system prompt states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolContext {
    pub name: String,
    pub term: Option<String>,
    pub students: i64,
    pub classes: i64,
    pub guardians: i64,
    pub today: NaiveDate,
}

pub async fn school_context(conn: &mut PgConnection, today: NaiveDate) -> Result<SchoolContext> {
    let school = school::current(conn).await?;
    let term = calendar::term_on(conn, today).await?.map(|t| {
        format!(
            "Term {} {} ({} to {})",
            t.term,
            t.year,
            t.starts_on.format("%-d %b %Y"),
            t.ends_on.format("%-d %b %Y")
        )
    });
    let school::Counts {
        students,
        classes,
        guardians,
    } = school::counts(conn).await?;
    Ok(SchoolContext {
        name: school.name,
        term,
        students,
        classes,
        guardians,
        today,
    })
}

impl SchoolContext {
    pub fn system_prompt(&self) -> String {
        let term = self
            .term
            .as_deref()
            .map(|t| format!("The current term is {t}. "))
            .unwrap_or_default();
        format!(
            "You are the SchoolOps assistant for {name}, a school in Kenya following the CBC curriculum. \
             Today is {today}. {term}The school has {students} active students in {classes} classes and {guardians} guardians on record. \
             You help the school's staff with fees and school operations. Be brief and polite; answer in the user's language (English or Kiswahili). \
             You cannot see individual balances or records: for those, tell the user to ask directly, for example \
             \"what is the balance for ADM-2025-001?\", \"generate invoices for Grade 4 East\", \
             \"record payment of 10000 for ADM-2025-001 via MPESA ref QKH94M1Z11\" or \"notify guardians about fee balances\". \
             Never invent figures, names or payments.",
            name = self.name,
            today = self.today.format("%-d %B %Y"),
            students = self.students,
            classes = self.classes,
            guardians = self.guardians,
        )
    }

    /// The system prompt, then the conversation, then the new question.
    pub fn messages(&self, history: &[ChatMessage], question: &str) -> Vec<Message> {
        let mut messages = vec![Message::new("system", self.system_prompt())];
        messages.extend(
            history
                .iter()
                .map(|m| Message::new(m.role.as_str(), m.content.clone())),
        );
        messages.push(Message::new("user", question));
        messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_names_the_school_its_term_and_counts() {
        let context = SchoolContext {
            name: "Baraka Academy".into(),
            term: Some("Term 3 2026 (1 Sep 2026 to 27 Nov 2026)".into()),
            students: 412,
            classes: 14,
            guardians: 390,
            today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        };
        let prompt = context.system_prompt();
        assert!(prompt.contains("Baraka Academy"));
        assert!(prompt.contains("Term 3 2026"));
        assert!(prompt.contains("412 active students in 14 classes"));
        assert!(prompt.contains("24 November 2026"));
        let messages = context.messages(&[], "hello");
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].role, "system");
        assert_eq!(messages[1].content, "hello");
    }
}
