//! What a write will do, said before it is done and ending with the
//! question that runs it.

use super::{GUARDIAN, INVOICE, Lang, STUDENT, count, method as spoken, term};
use crate::domain::{money::Money, notification::Channel, payment::Method};

fn confirm_prompt(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Reply \"yes\" to go ahead or \"no\" to cancel.",
        Lang::Sw => "Jibu \"ndio\" kuendelea au \"hapana\" kughairi.",
    }
}

/// Who a write is for when no class or student narrows it.
fn whole_school(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "the school",
        Lang::Sw => "shule",
    }
}

pub fn not_a_write(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "That is a question, not something to confirm.",
        Lang::Sw => "Hilo ni swali, si jambo la kuthibitisha.",
    }
}

/// The invoices a run would make, by class or student (`None`: the school).
pub struct InvoicesPreview<'a> {
    pub target: Option<&'a str>,
    pub term: i16,
    pub year: i32,
    /// Optional items included, as the school spells them.
    pub optional: &'a [&'a str],
    pub students: i64,
    pub to_invoice: i64,
    pub already_invoiced: i64,
    pub total: Money,
    /// Each grade level and the fee structure that prices it, as
    /// "Grade 5 fees (Grade 5, any term, any year)".
    pub priced_by: &'a [(&'a str, &'a str)],
    /// The term has already ended.
    pub term_ended: bool,
    /// Grade levels only the school's catch-all default structure prices.
    pub default_only: &'a [&'a str],
    /// Discounts, bursaries and sponsored shares that apply, and their sum.
    pub adjustments: i64,
    pub adjusted: Money,
}

/// Why a run would make no invoice.
pub fn nothing_to_invoice(lang: Lang, preview: &InvoicesPreview) -> String {
    let target = preview.target.unwrap_or(whole_school(lang));
    let term = term(lang, preview.term, preview.year);
    let students = preview.students;
    match (lang, students) {
        (Lang::En, 0) => format!("There is nothing to invoice: {target} has no active students."),
        (Lang::Sw, 0) => {
            format!("Hakuna ankara ya kutoa: hakuna wanafunzi wanaosoma katika {target}.")
        }
        (Lang::En, _) => format!(
            "There is nothing to invoice: All {students} active students of {target} already have a {term} invoice."
        ),
        (Lang::Sw, 1) => format!(
            "Hakuna ankara ya kutoa: mwanafunzi 1 anayesoma wa {target} tayari ana ankara ya {term}."
        ),
        (Lang::Sw, _) => format!(
            "Hakuna ankara ya kutoa: wanafunzi wote {students} wanaosoma wa {target} tayari wana ankara ya {term}."
        ),
    }
}

pub fn invoices(lang: Lang, preview: &InvoicesPreview) -> String {
    let target = preview.target.unwrap_or(whole_school(lang));
    let term = term(lang, preview.term, preview.year);
    let invoices = count(lang, preview.to_invoice, INVOICE);
    let total = preview.total.kes();
    let with = match (lang, preview.optional) {
        (Lang::En, []) => "no optional items".to_string(),
        (Lang::Sw, []) => "bila vitu vya hiari".to_string(),
        (Lang::En, items) => format!("with {}", items.join(" and ")),
        (Lang::Sw, items) => format!("pamoja na {}", items.join(" na ")),
    };
    let mut text = match lang {
        Lang::En => {
            format!("I will generate {invoices} for {target}, {term} ({with}), totalling {total}.")
        }
        Lang::Sw => format!("Nitatoa {invoices} kwa {target}, {term} ({with}), jumla {total}."),
    };
    if !preview.priced_by.is_empty() {
        let each: Vec<String> = preview
            .priced_by
            .iter()
            .map(|(level, structure)| format!("{level}: {structure}"))
            .collect();
        text.push_str(&match lang {
            Lang::En => format!(" Fees from {}.", each.join("; ")),
            Lang::Sw => format!(" Ada kutoka {}.", each.join("; ")),
        });
    }
    if preview.adjustments > 0 {
        let adjusted = preview.adjusted.kes();
        text.push_str(&match lang {
            Lang::En => format!(
                " Discounts, bursaries and sponsored shares: {adjusted} ({} applied).",
                preview.adjustments
            ),
            Lang::Sw => format!(
                " Punguzo, basari na sehemu za wafadhili: {adjusted} ({} zimetumika).",
                preview.adjustments
            ),
        });
    }
    if preview.term_ended {
        text.push_str(&match lang {
            Lang::En => format!(" Note: {term} has already ended."),
            Lang::Sw => format!(" Angalia: {term} umeshaisha."),
        });
    }
    if !preview.default_only.is_empty() {
        let levels = preview.default_only.join(", ");
        text.push_str(&match lang {
            Lang::En => format!(
                " Note: no fee structure is set for {levels}; the school's default fees apply."
            ),
            Lang::Sw => format!(
                " Angalia: hakuna muundo wa ada wa {levels}; ada za msingi za shule zinatumika."
            ),
        });
    }
    let skipped = preview.already_invoiced;
    if skipped > 0 {
        text.push_str(&match (lang, skipped) {
            (Lang::En, _) => format!(
                " {} already invoiced for {term} will be skipped.",
                count(lang, skipped, STUDENT)
            ),
            (Lang::Sw, 1) => {
                format!(" Mwanafunzi 1 ambaye tayari ana ankara ya {term} ataachwa.")
            }
            (Lang::Sw, _) => {
                format!(" Wanafunzi {skipped} ambao tayari wana ankara ya {term} wataachwa.")
            }
        });
    }
    text.push(' ');
    text.push_str(confirm_prompt(lang));
    text
}

pub fn payment_needs_student(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Which student is the payment for?",
        Lang::Sw => "Malipo haya ni ya mwanafunzi yupi?",
    }
}

pub fn payment_reference_used(lang: Lang, method: Method, txn_ref: &str) -> String {
    let method = spoken(lang, method);
    match lang {
        Lang::En => format!(
            "A {method} payment with reference {txn_ref} is already recorded, so I won't record it twice."
        ),
        Lang::Sw => format!(
            "Malipo ya {method} yenye kumbukumbu {txn_ref} yamesharekodiwa, kwa hiyo sitayarekodi mara mbili."
        ),
    }
}

/// A payment about to be recorded, and the balance before and after it.
pub struct PaymentPreview<'a> {
    pub amount: Money,
    pub method: Method,
    pub txn_ref: Option<&'a str>,
    /// "John Doe (ADM-2025-001)".
    pub who: &'a str,
    /// The invoice it pays; `None`: the oldest open invoices first.
    pub invoice_number: Option<&'a str>,
    pub balance: Money,
    pub after: Money,
}

pub fn payment(lang: Lang, preview: &PaymentPreview) -> String {
    let (amount, method, who) = (
        preview.amount.kes(),
        spoken(lang, preview.method),
        preview.who,
    );
    let (balance, after) = (preview.balance.kes(), preview.after.kes());
    let mut text = match lang {
        Lang::En => {
            let reference = preview
                .txn_ref
                .map(|r| format!(" (ref {r})"))
                .unwrap_or_default();
            let against = match preview.invoice_number {
                Some(number) => format!("against invoice {number}"),
                None => "against the oldest open invoices first".to_string(),
            };
            format!(
                "I will record {amount} by {method}{reference} for {who}, {against}. Balance now {balance}; after this payment {after}."
            )
        }
        Lang::Sw => {
            let reference = preview
                .txn_ref
                .map(|r| format!(" (kumbukumbu {r})"))
                .unwrap_or_default();
            let against = match preview.invoice_number {
                Some(number) => format!("kulipia ankara {number}"),
                None => "kulipia ankara za zamani zaidi ambazo hazijalipwa kwanza".to_string(),
            };
            format!(
                "Nitarekodi {amount} kwa {method}{reference} kwa ajili ya {who}, {against}. Salio sasa ni {balance}; baada ya malipo haya {after}."
            )
        }
    };
    if preview.after.is_negative() {
        let extra = Money::from_decimal(-preview.after.decimal()).kes();
        text.push_str(&match lang {
            Lang::En => format!(" The extra {extra} will be kept as credit for the next invoice."),
            Lang::Sw => format!(" Ziada ya {extra} itahifadhiwa kwa ajili ya ankara ijayo."),
        });
    }
    text.push(' ');
    text.push_str(confirm_prompt(lang));
    text
}

/// The guardians a balance reminder would reach, in a class (`None`: the
/// school).
pub struct RemindersPreview<'a> {
    pub class: Option<&'a str>,
    pub channel: Channel,
    pub guardians: i64,
    pub without_email: i64,
    pub students: i64,
    pub owed: Money,
}

pub fn nobody_to_remind(lang: Lang, class: Option<&str>) -> String {
    let whose = class.unwrap_or(whole_school(lang));
    match lang {
        Lang::En => {
            format!("No family in {whose} has a fee balance, so there is no one to remind.")
        }
        Lang::Sw => format!(
            "Hakuna familia katika {whose} yenye deni la ada, kwa hiyo hakuna wa kukumbushwa."
        ),
    }
}

pub fn reminders(lang: Lang, preview: &RemindersPreview) -> String {
    let whose = preview.class.unwrap_or(whole_school(lang));
    let guardians = count(lang, preview.guardians, GUARDIAN);
    let students = count(lang, preview.students, STUDENT);
    let owed = preview.owed.kes();
    let mut text = match lang {
        Lang::En => {
            let how = match preview.channel {
                Channel::InApp => "an in-app",
                Channel::Email => "an email",
            };
            format!(
                "I will send {how} fee reminder to {guardians} of {students} in {whose} who owe {owed} in all."
            )
        }
        Lang::Sw => {
            let how = match preview.channel {
                Channel::InApp => "ndani ya programu",
                Channel::Email => "kwa barua pepe",
            };
            let owing = if preview.students == 1 {
                "anayedaiwa"
            } else {
                "wanaodaiwa"
            };
            format!(
                "Nitatuma ukumbusho wa ada {how} kwa {guardians} wa {students} katika {whose} {owing} jumla ya {owed}."
            )
        }
    };
    let missing = preview.without_email;
    if preview.channel == Channel::Email && missing > 0 {
        text.push_str(&match (lang, missing) {
            (Lang::En, 1) => {
                " 1 guardian has no email address and will not receive it.".to_string()
            }
            (Lang::En, _) => {
                format!(" {missing} guardians have no email address and will not receive it.")
            }
            (Lang::Sw, 1) => {
                " Mlezi 1 hana anwani ya barua pepe na hatapokea ukumbusho huu.".to_string()
            }
            (Lang::Sw, _) => format!(
                " Walezi {missing} hawana anwani ya barua pepe na hawatapokea ukumbusho huu."
            ),
        });
    }
    text.push(' ');
    text.push_str(confirm_prompt(lang));
    text
}
