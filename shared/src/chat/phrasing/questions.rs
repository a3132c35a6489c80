//! Questions back to the user: what a request is missing, and which of
//! several students or classes it means. Never a guess.

use super::{Lang, and_list};
use crate::domain::{money::Money, student::Status};

/// The question for a request the parser found incomplete: `missing` as
/// `intent::Parsed::Incomplete` names them, with an example of `intent`.
pub fn ask_for(lang: Lang, intent: &str, missing: &[&str]) -> String {
    let what: Vec<&str> = missing
        .iter()
        .map(|m| match (lang, *m) {
            (Lang::En, "student") => "which student (a name or admission number)",
            (Lang::En, "amount") => "the amount",
            (Lang::En, "txn_ref") => "the transaction reference (the M-Pesa code, like QKH94M1Z11)",
            (Lang::En, "class") => "which class (like \"Grade 4 East\")",
            (Lang::En, "target") => "which class or student",
            (Lang::En, "term") => "which term (1, 2 or 3)",
            (Lang::En, "year") => "which year",
            (Lang::Sw, "student") => "mwanafunzi yupi (jina au nambari ya usajili)",
            (Lang::Sw, "amount") => "kiasi",
            (Lang::Sw, "txn_ref") => "kumbukumbu ya muamala (msimbo wa M-Pesa, kama QKH94M1Z11)",
            (Lang::Sw, "class") => "darasa lipi (kama \"Grade 4 East\")",
            (Lang::Sw, "target") => "darasa au mwanafunzi yupi",
            (Lang::Sw, "term") => "muhula upi (1, 2 au 3)",
            (Lang::Sw, "year") => "mwaka upi",
            (_, other) => other,
        })
        .collect();
    let what = and_list(lang, &what);
    match lang {
        Lang::En => {
            let example = match intent {
                "record_payment" => {
                    "\"record payment of 10000 for ADM-2025-001 via MPESA ref QKH94M1Z11\""
                }
                "generate_invoices" => "\"generate invoices for Grade 4 East for term 1\"",
                "class_balance" => "\"how much does Grade 4 East owe?\"",
                "student_balance" => "\"what is the balance for ADM-2025-001?\"",
                "collections" => "\"how much have we collected in term 1 2026?\"",
                _ => "\"notify guardians of Grade 4 East about fee balances\"",
            };
            format!(
                "I need {what} to do that. Send the whole request again, for example {example}."
            )
        }
        Lang::Sw => {
            let example = match intent {
                "record_payment" => "\"lipa 10000 kwa ADM-2025-001 kupitia MPESA ref QKH94M1Z11\"",
                "generate_invoices" => "\"tengeneza ankara za Grade 4 East muhula 1\"",
                "class_balance" => "\"deni la Grade 4 East\"",
                "student_balance" => "\"salio la ADM-2025-001\"",
                "collections" => "\"makusanyo ya muhula 1 2026\"",
                _ => "\"tuma ukumbusho wa ada kwa wazazi wa Grade 4 East\"",
            };
            format!("Nahitaji {what} ili kufanya hivyo. Tuma ombi lote tena, kwa mfano {example}.")
        }
    }
}

/// A payment named without its method. `student` is as the user wrote it.
pub fn payment_method(lang: Lang, amount: Money, student: &str) -> String {
    let kes = amount.kes();
    match lang {
        Lang::En => format!(
            "How was the {kes} paid: M-Pesa, cash, bank or cheque? Send the request again with the method, \
             for example \"record payment of {amount} for {student} via MPESA ref QKH94M1Z11\"."
        ),
        Lang::Sw => format!(
            "{kes} zililipwa kwa njia gani: M-Pesa, taslimu, benki au hundi? Tuma ombi tena pamoja na njia ya malipo, \
             kwa mfano \"lipa {amount} kwa {student} kupitia MPESA ref QKH94M1Z11\"."
        ),
    }
}

pub fn not_an_invoice_of(lang: Lang, number: &str, student: &str) -> String {
    match lang {
        Lang::En => format!(
            "{number} is not an invoice of {student}. Check the number, or leave it out to pay the oldest open invoices first."
        ),
        Lang::Sw => format!(
            "{number} si ankara ya {student}. Hakikisha nambari, au uiache ili kulipia ankara za zamani zaidi ambazo hazijalipwa kwanza."
        ),
    }
}

/// A rule the request breaks (the REST API's own check), as a sentence.
pub fn rule_broken(detail: &str) -> String {
    let mut chars = detail.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    let text = format!("{}{}", first.unwrap_or_default(), chars.as_str());
    if text.ends_with('.') {
        text
    } else {
        format!("{text}.")
    }
}

pub fn no_terms(lang: Lang) -> String {
    match lang {
        Lang::En => "This school has no academic terms yet, so I can't tell which term you mean. Name the term and year, for example \"term 1 2026\".".into(),
        Lang::Sw => "Shule hii bado haina mihula ya masomo, kwa hiyo siwezi kujua unamaanisha muhula upi. Taja muhula na mwaka, kwa mfano \"muhula 1 2026\".".into(),
    }
}

pub fn no_such_admission_no(lang: Lang, admission_no: &str) -> String {
    match lang {
        Lang::En => format!(
            "No student has admission number {admission_no}. Check the number and send the request again."
        ),
        Lang::Sw => format!(
            "Hakuna mwanafunzi mwenye nambari ya usajili {admission_no}. Hakikisha nambari kisha utume ombi tena."
        ),
    }
}

pub fn no_student_named(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!(
            "I couldn't find a student called {name}. Check the spelling, or use the admission number."
        ),
        Lang::Sw => format!(
            "Sikumpata mwanafunzi anayeitwa {name}. Hakikisha tahajia, au tumia nambari ya usajili."
        ),
    }
}

/// One of several students a name matches: "John Doe (ADM-1, Grade 4
/// East)", with the status unless active.
pub fn candidate(
    lang: Lang,
    name: &str,
    admission_no: &str,
    class: Option<&str>,
    status: Status,
) -> String {
    let class = class.unwrap_or(match lang {
        Lang::En => "no class",
        Lang::Sw => "bila darasa",
    });
    let status = match (lang, status) {
        (_, Status::Active) => String::new(),
        (Lang::En, other) => format!(", {}", other.to_string().to_lowercase()),
        (Lang::Sw, Status::Suspended) => ", amesimamishwa".into(),
        (Lang::Sw, Status::Transferred) => ", amehamishwa".into(),
        (Lang::Sw, Status::Graduated) => ", amehitimu".into(),
        (Lang::Sw, Status::Withdrawn) => ", ameondolewa".into(),
    };
    format!("{name} ({admission_no}, {class}{status})")
}

/// Which of `candidates` (each from `candidate`) the user means; `more`
/// matched but are not listed.
pub fn which_student(lang: Lang, asked: &str, candidates: &[String], more: usize) -> String {
    let mut text = match lang {
        Lang::En => format!("More than one student matches \"{asked}\". Which one do you mean?"),
        Lang::Sw => {
            format!("Wanafunzi zaidi ya mmoja wanalingana na \"{asked}\". Unamaanisha yupi?")
        }
    };
    for candidate in candidates {
        text.push_str(&format!("\n- {candidate}"));
    }
    if more > 0 {
        text.push_str(&match lang {
            Lang::En => format!("\n- and {more} more"),
            Lang::Sw => format!("\n- na wengine {more}"),
        });
    }
    text.push_str(match lang {
        Lang::En => "\nSend the request again with the admission number.",
        Lang::Sw => "\nTuma ombi tena ukitumia nambari ya usajili.",
    });
    text
}

/// No class is called `name`; `known` are some the school has.
pub fn no_such_class(lang: Lang, name: &str, known: &[String]) -> String {
    match (lang, known.is_empty()) {
        (Lang::En, true) => {
            format!("I couldn't find a class called \"{name}\". This school has no classes yet.")
        }
        (Lang::En, false) => format!(
            "I couldn't find a class called \"{name}\". Classes I know: {}.",
            known.join(", ")
        ),
        (Lang::Sw, true) => {
            format!("Sikupata darasa linaloitwa \"{name}\". Shule hii bado haina madarasa.")
        }
        (Lang::Sw, false) => format!(
            "Sikupata darasa linaloitwa \"{name}\". Madarasa ninayoyajua: {}.",
            known.join(", ")
        ),
    }
}

pub fn which_year(lang: Lang, name: &str, years: &[i32]) -> String {
    let years = years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match lang {
        Lang::En => format!(
            "There is a class \"{name}\" in more than one year ({years}). Which year do you mean?"
        ),
        Lang::Sw => format!(
            "Kuna darasa \"{name}\" katika zaidi ya mwaka mmoja ({years}). Unamaanisha mwaka upi?"
        ),
    }
}
