//! What the assistant says when work starts (a confirmed write) and when
//! the work it started ends (the line added to that message).

use uuid::Uuid;

use super::{GUARDIAN, INVOICE, Lang, STUDENT, count, method as spoken};
use crate::domain::{money::Money, payment::Method};

pub fn nothing_to_confirm(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "There is nothing waiting for your confirmation.",
        Lang::Sw => "Hakuna kinachosubiri uthibitisho wako.",
    }
}

pub fn nothing_to_cancel(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "There is nothing to cancel.",
        Lang::Sw => "Hakuna cha kughairi.",
    }
}

pub fn cancelled(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Cancelled. Nothing was changed.",
        Lang::Sw => "Imeghairiwa. Hakuna kilichobadilishwa.",
    }
}

/// A write refused by a rule of the data or a role check.
pub fn could_not(lang: Lang, detail: &str) -> String {
    match lang {
        Lang::En => format!("That could not be done: {detail}"),
        Lang::Sw => format!("Hilo halikuweza kufanyika: {detail}"),
    }
}

pub fn invoices_started(lang: Lang, operation_id: Uuid) -> String {
    match lang {
        Lang::En => format!(
            "Generating the invoices now (operation {operation_id}). I'll report here when they are done."
        ),
        Lang::Sw => format!(
            "Ninatoa ankara sasa (operesheni {operation_id}). Nitaripoti hapa zikikamilika."
        ),
    }
}

pub fn payment_recorded(
    lang: Lang,
    amount: Money,
    method: Method,
    who: &str,
    payment_id: Uuid,
) -> String {
    let (amount, method) = (amount.kes(), spoken(lang, method));
    match lang {
        Lang::En => format!(
            "Recorded {amount} by {method} for {who} (payment {payment_id}). Posting it to the ledger now."
        ),
        Lang::Sw => format!(
            "Nimerekodi {amount} kwa {method} kwa ajili ya {who} (malipo {payment_id}). Ninayaingiza kwenye leja sasa."
        ),
    }
}

pub fn reminders_started(lang: Lang, operation_id: Uuid) -> String {
    match lang {
        Lang::En => format!(
            "Sending the reminders now (operation {operation_id}). I'll report here when they are out."
        ),
        Lang::Sw => format!(
            "Ninatuma vikumbusho sasa (operesheni {operation_id}). Nitaripoti hapa vikishatumwa."
        ),
    }
}

/// The subject and body of the fee reminder a chat sends to guardians.
pub fn fee_reminder(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::En => (
            "School fees reminder",
            "Dear parent or guardian, our records show school fees outstanding for your child. \
             Please pay at your earliest convenience or contact the bursar's office for your statement. \
             Thank you.",
        ),
        Lang::Sw => (
            "Ukumbusho wa ada ya shule",
            "Mpendwa mzazi au mlezi, kumbukumbu zetu zinaonyesha kuwa kuna ada ya shule ambayo bado haijalipwa kwa ajili ya mtoto wako. \
             Tafadhali lipa mapema iwezekanavyo au wasiliana na ofisi ya mhasibu ili upate taarifa ya akaunti yako. \
             Asante.",
        ),
    }
}

pub fn invoices_done(lang: Lang, created: i64, total: Money, already_invoiced: i64) -> String {
    let invoices = count(lang, created, INVOICE);
    let total = total.kes();
    match lang {
        Lang::En => {
            let skipped = if already_invoiced > 0 {
                format!(
                    "; {} already invoiced",
                    count(lang, already_invoiced, STUDENT)
                )
            } else {
                String::new()
            };
            format!("Done: {invoices} issued, totalling {total}{skipped}.")
        }
        Lang::Sw => {
            let skipped = match already_invoiced {
                0 => String::new(),
                1 => "; mwanafunzi 1 tayari alikuwa na ankara".to_string(),
                n => format!("; wanafunzi {n} tayari walikuwa na ankara"),
            };
            let issued = if created == 1 {
                "imetolewa"
            } else {
                "zimetolewa"
            };
            format!("Imekamilika: {invoices} {issued}, jumla {total}{skipped}.")
        }
    }
}

pub fn invoices_failed(lang: Lang, detail: &str) -> String {
    match lang {
        Lang::En => format!("Invoice generation failed: {detail}"),
        Lang::Sw => format!("Utoaji wa ankara umeshindwa: {detail}"),
    }
}

/// A payment posted; `credit` of it was more than the open invoices.
pub fn payment_posted(lang: Lang, amount: Money, credit: Money) -> String {
    let amount = amount.kes();
    let kept = credit.decimal() > Money::ZERO.decimal();
    match (lang, kept) {
        (Lang::En, false) => format!("Posted to the ledger: {amount}."),
        (Lang::En, true) => format!(
            "Posted to the ledger: {amount}, of which {} kept as credit.",
            credit.kes()
        ),
        (Lang::Sw, false) => format!("Malipo yameingizwa kwenye leja: {amount}."),
        (Lang::Sw, true) => format!(
            "Malipo yameingizwa kwenye leja: {amount}, kati ya hizo {} zimehifadhiwa kama ziada.",
            credit.kes()
        ),
    }
}

pub fn payment_failed(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Posting the payment failed; it has been logged.",
        Lang::Sw => "Kuingiza malipo kwenye leja kumeshindwa; hitilafu imehifadhiwa.",
    }
}

/// Reminders sent: `recipients` guardians reached, `queued` of them by
/// email still on the way, `failed` with no email address.
pub fn reminders_done(lang: Lang, recipients: i64, queued: i64, failed: i64) -> String {
    let guardians = count(lang, recipients, GUARDIAN);
    let failed = match (lang, failed) {
        (_, 0) => String::new(),
        (Lang::En, n) => format!("; {n} could not be sent (no email address)"),
        (Lang::Sw, 1) => "; ujumbe 1 haukuweza kutumwa (hakuna anwani ya barua pepe)".into(),
        (Lang::Sw, n) => {
            format!("; jumbe {n} hazikuweza kutumwa (hakuna anwani ya barua pepe)")
        }
    };
    match (lang, queued) {
        (Lang::En, 0) => format!("Done: {guardians} reached{failed}."),
        (Lang::En, _) => {
            format!("Done: {guardians} reached; {queued} emails on their way{failed}.")
        }
        (Lang::Sw, _) => {
            let reached = if recipients == 1 {
                "amefikiwa"
            } else {
                "wamefikiwa"
            };
            let on_the_way = match queued {
                0 => String::new(),
                1 => "; barua pepe 1 iko njiani".to_string(),
                n => format!("; barua pepe {n} ziko njiani"),
            };
            format!("Imekamilika: {guardians} {reached}{on_the_way}{failed}.")
        }
    }
}

pub fn reminders_failed(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Sending the reminders failed; it has been logged.",
        Lang::Sw => "Kutuma vikumbusho kumeshindwa; hitilafu imehifadhiwa.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_reports_read_the_same_in_english_as_before() {
        let kes = |a: &str| Money::parse(a).unwrap();
        assert_eq!(
            invoices_done(Lang::En, 3, kes("45000"), 1),
            "Done: 3 invoices issued, totalling KES 45,000.00; 1 student already invoiced."
        );
        assert_eq!(
            invoices_done(Lang::Sw, 3, kes("45000"), 0),
            "Imekamilika: ankara 3 zimetolewa, jumla KES 45,000.00."
        );
        assert_eq!(
            reminders_done(Lang::En, 2, 1, 1),
            "Done: 2 guardians reached; 1 emails on their way; 1 could not be sent (no email address)."
        );
        assert_eq!(
            reminders_done(Lang::Sw, 1, 1, 0),
            "Imekamilika: mlezi 1 amefikiwa; barua pepe 1 iko njiani."
        );
        assert_eq!(
            payment_posted(Lang::Sw, kes("12000"), kes("2000")),
            "Malipo yameingizwa kwenye leja: KES 12,000.00, kati ya hizo KES 2,000.00 zimehifadhiwa kama ziada."
        );
    }
}
