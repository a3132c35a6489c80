//! Which action a message asks for, by its keywords.

use super::words::Words;

pub(super) enum Action {
    Notify,
    Payment,
    Invoices,
    Collections,
    Balance,
}

const NOTIFY: &[&str] = &[
    "notify",
    "notification",
    "notifications",
    "remind",
    "reminder",
    "reminders",
    "alert",
    "ukumbusho",
    "kumbusha",
    "kumbushe",
    "wakumbushe",
    "mkumbushe",
];
const SEND: &[&str] = &["send", "tuma"];
const PAYMENT: &[&str] = &[
    "payment",
    "pay",
    "paid",
    "received",
    "receive",
    "record",
    "deposited",
    "lipa",
    "kulipa",
    "amelipa",
    "alilipa",
    "wamelipa",
    "walilipa",
    "umelipa",
    "nimelipa",
    "tumelipa",
    "imelipwa",
    "malipo",
    "pokea",
    "tumepokea",
    "nimepokea",
];
pub(super) const INVOICE: &[&str] = &[
    "invoice",
    "invoices",
    "invoicing",
    "bill",
    "billing",
    "ankara",
];
const COLLECTED: &[&str] = &[
    "collected",
    "collect",
    "collection",
    "collections",
    "makusanyo",
    "mkusanyo",
];
pub(super) const BALANCE: &[&str] = &[
    "balance",
    "balances",
    "owe",
    "owes",
    "owed",
    "owing",
    "outstanding",
    "arrears",
    "salio",
    "deni",
    "madeni",
    "anadaiwa",
    "wanadaiwa",
    "inadaiwa",
];

/// Words that open a question. "can you record ..." is a request, so
/// "can", "could" and "would" are not here.
const INTERROGATIVE: &[&str] = &[
    "how", "what", "whats", "which", "who", "when", "did", "does", "do", "has", "have", "is",
    "are", "was", "were", "je",
];
const POLITE: &[&str] = &[
    "can",
    "could",
    "would",
    "please",
    "kindly",
    "tafadhali",
    "naomba",
];

pub(super) fn is_question(text: &str, words: &Words) -> bool {
    let first = words.lower(0);
    INTERROGATIVE.contains(&first) || (text.contains('?') && !POLITE.contains(&first))
}

/// Kiswahili "kusanya" (collect) takes many prefixes: tumekusanya,
/// tulikusanya, imekusanywa.
pub(super) fn is_collect_word(lower: &str) -> bool {
    lower.contains("kusany")
}

/// Writes are checked first because their sentences also carry read words
/// ("remind families with a balance"); a question never writes ("did John
/// pay?" is not a payment).
pub(super) fn classify(words: &Words, question: bool) -> Option<Action> {
    let collect = words.list.iter().any(|w| is_collect_word(&w.lower));
    let notify = words.mentions(NOTIFY) || (words.mentions(SEND) && words.mentions(BALANCE));
    if !question && notify {
        Some(Action::Notify)
    } else if !question && words.mentions(PAYMENT) {
        Some(Action::Payment)
    } else if !question && words.mentions(INVOICE) {
        Some(Action::Invoices)
    } else if collect || words.mentions(COLLECTED) || (question && words.mentions(&["received"])) {
        Some(Action::Collections)
    } else if words.mentions(BALANCE) {
        Some(Action::Balance)
    } else {
        None
    }
}
