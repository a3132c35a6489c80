//! Reads a bursar's chat message (English, Kiswahili or a mix) as one of the
//! actions the assistant runs itself, with its arguments; pure, no database.
//!
//! The parser reads words, not grammar: it finds the action by its keywords,
//! then each argument by its shape (an amount, a term, an admission number, a
//! class name, an M-Pesa code). Every word it reads is marked used, so one
//! word is never two arguments. What is left over and is not a word the
//! parser knows is taken as a person's name.
//!
//! It prefers saying too little to guessing: a message it cannot read
//! exactly is `Unknown` (the language model answers it) or `Incomplete` (the
//! user is asked for the missing piece), never an action on the wrong target.
//!
//! Admission numbers: one word of letters, digits and `/ - . _` (what
//! `student::admission_no` accepts) with a digit and either a letter
//! (`ADM-2025-001`, `A1234`) or a separator between digit groups
//! (`2025/014`); upper-cased. Plain numbers are amounts, never admission
//! numbers, and words that read as something else (`PP1`, `T2`, `10k`,
//! `INV-2026-00001`, `12/05/2026`) are not admission numbers either.

use std::ops::{Range, RangeInclusive};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::{money::Money, notification::Channel, payment::Method};

/// What a chat message asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Parsed {
    /// A known action with every required argument.
    Intent(Intent),
    /// A known action (named as `Intent::name` does) missing required
    /// arguments; the assistant asks for them.
    Incomplete {
        intent: &'static str,
        missing: Vec<&'static str>,
    },
    /// "yes", "ndio", "sawa": run the pending preview.
    Confirm,
    /// "no", "hapana", "acha": drop the pending preview.
    Cancel,
    /// Anything else; the language model answers it.
    Unknown,
}

/// An action the assistant runs itself. A term of `None` means the current
/// term and a year of `None` the current year, which the caller knows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum Intent {
    GenerateInvoices {
        target: Target,
        term: Option<i16>,
        year: Option<i32>,
        /// Optional fee items by name, as written ("lunch"); the caller
        /// matches them case-insensitively.
        include_optional: Vec<String>,
    },
    RecordPayment {
        student: StudentRef,
        amount: Money,
        method: Option<Method>,
        txn_ref: Option<String>,
        invoice_number: Option<String>,
    },
    NotifyBalances {
        channel: Option<Channel>,
        /// A class name as `Target::Class` holds it; `None` is every class.
        class: Option<String>,
    },
    StudentBalance {
        student: StudentRef,
    },
    ClassBalance {
        class: String,
    },
    Collections {
        term: Option<i16>,
        year: Option<i32>,
    },
}

const GENERATE_INVOICES: &str = "generate_invoices";
const RECORD_PAYMENT: &str = "record_payment";
const NOTIFY_BALANCES: &str = "notify_balances";
const STUDENT_BALANCE: &str = "student_balance";
const CLASS_BALANCE: &str = "class_balance";
const COLLECTIONS: &str = "collections";

impl Intent {
    /// The name used in JSON and in `Parsed::Incomplete`.
    pub fn name(&self) -> &'static str {
        match self {
            Intent::GenerateInvoices { .. } => GENERATE_INVOICES,
            Intent::RecordPayment { .. } => RECORD_PAYMENT,
            Intent::NotifyBalances { .. } => NOTIFY_BALANCES,
            Intent::StudentBalance { .. } => STUDENT_BALANCE,
            Intent::ClassBalance { .. } => CLASS_BALANCE,
            Intent::Collections { .. } => COLLECTIONS,
        }
    }

    /// A write is previewed first and runs only when the user confirms.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Intent::GenerateInvoices { .. }
                | Intent::RecordPayment { .. }
                | Intent::NotifyBalances { .. }
        )
    }
}

/// Who invoices are generated for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A class name as written, the grade level spelled the usual way
    /// ("Grade 4 East", "PP1 Blue"); the caller matches it case-insensitively.
    Class(String),
    Student(StudentRef),
}

/// A learner as the user named them; the caller looks them up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StudentRef {
    /// Upper-cased, as `student::admission_no` stores it.
    AdmissionNo(String),
    /// As written, e.g. "John Doe".
    Name(String),
}

/// Reads `text`; `today` resolves "this year" and "last year".
pub fn parse(text: &str, today: NaiveDate) -> Parsed {
    if let Some(reply) = reply_to_preview(text) {
        return reply;
    }
    let mut words = Words::new(text);
    match classify(&words, is_question(text, &words)) {
        Some(Action::Notify) => notify_balances(&mut words),
        Some(Action::Payment) => record_payment(&mut words),
        Some(Action::Invoices) => generate_invoices(&mut words, today),
        Some(Action::Collections) => collections(&mut words, today),
        Some(Action::Balance) => balance(&mut words),
        None => Parsed::Unknown,
    }
}

// ---------------------------------------------------------------- replies

const CONFIRM: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yep",
    "yes please",
    "yes go ahead",
    "sure",
    "confirm",
    "confirmed",
    "go ahead",
    "proceed",
    "do it",
    "ok",
    "okay",
    "ok go ahead",
    "ndio",
    "ndiyo",
    "ndio tafadhali",
    "sawa",
    "sawa sawa",
    "endelea",
];

const CANCEL: &[&str] = &[
    "no",
    "n",
    "nope",
    "no thanks",
    "cancel",
    "cancel it",
    "stop",
    "abort",
    "don't",
    "dont",
    "never mind",
    "nevermind",
    "hapana",
    "acha",
    "wacha",
    "sitaki",
];

/// A whole message that answers a preview; anything longer is not one, so
/// "no, bill Grade 5 instead" is read as a new request.
fn reply_to_preview(text: &str) -> Option<Parsed> {
    let cleaned: String = text
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let normalised = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if CONFIRM.contains(&normalised.as_str()) {
        Some(Parsed::Confirm)
    } else if CANCEL.contains(&normalised.as_str()) {
        Some(Parsed::Cancel)
    } else {
        None
    }
}

// ------------------------------------------------------------------ words

/// One word of the message.
struct Word {
    /// As typed, without surrounding punctuation or a possessive 's.
    raw: String,
    lower: String,
    /// "Doe's": a name or class name ends here.
    possessive: bool,
    /// "lunch," : a list item ends here.
    comma_after: bool,
}

/// The message's words and which of them an argument has already used.
struct Words {
    list: Vec<Word>,
    used: Vec<bool>,
}

const OPENING: &[char] = &['"', '\'', '(', '[', '{', '“', '‘', '#', '*'];
const CLOSING: &[char] = &[
    '?', '!', '.', ',', ';', '"', '\'', ')', ']', '}', '”', '’', '*',
];

impl Words {
    /// Splits on spaces and colons ("ref:QKH94M1Z11").
    fn new(text: &str) -> Self {
        let list: Vec<Word> = text
            .split(|c: char| c.is_whitespace() || c == ':')
            .filter_map(Self::word)
            .collect();
        let used = vec![false; list.len()];
        Self { list, used }
    }

    fn word(piece: &str) -> Option<Word> {
        let comma_after = piece.ends_with([',', ';']);
        let mut raw = piece.trim_start_matches(OPENING).trim_end_matches(CLOSING);
        let mut possessive = false;
        for suffix in ["'s", "’s"] {
            if let Some(stem) = raw.strip_suffix(suffix)
                && !stem.is_empty()
            {
                raw = stem;
                possessive = true;
            }
        }
        (!raw.is_empty()).then(|| Word {
            raw: raw.to_string(),
            lower: raw.to_lowercase(),
            possessive,
            comma_after,
        })
    }

    fn len(&self) -> usize {
        self.list.len()
    }

    fn raw(&self, i: usize) -> &str {
        self.list.get(i).map_or("", |w| &w.raw)
    }

    fn lower(&self, i: usize) -> &str {
        self.list.get(i).map_or("", |w| &w.lower)
    }

    /// Ends a name, stream or list item.
    fn ends_phrase(&self, i: usize) -> bool {
        self.list
            .get(i)
            .is_some_and(|w| w.possessive || w.comma_after)
    }

    fn free(&self, i: usize) -> bool {
        i < self.len() && !self.used[i]
    }

    fn free_in(&self, i: usize, set: &[&str]) -> bool {
        self.free(i) && set.contains(&self.lower(i))
    }

    fn take(&mut self, i: usize) {
        if let Some(used) = self.used.get_mut(i) {
            *used = true;
        }
    }

    fn take_range(&mut self, range: Range<usize>) {
        range.for_each(|i| self.take(i));
    }

    fn mentions(&self, set: &[&str]) -> bool {
        self.list.iter().any(|w| set.contains(&w.lower.as_str()))
    }

    fn joined(&self, range: Range<usize>) -> String {
        range.map(|i| self.raw(i)).collect::<Vec<_>>().join(" ")
    }

    /// The next index from `i` that is not one of `skipped`.
    fn skip(&self, mut i: usize, skipped: &[&str]) -> usize {
        while self.free_in(i, skipped) {
            i += 1;
        }
        i
    }

    /// Whether the word at `i` comes after one of `prepositions`, looking
    /// past words like "student" ("for student John").
    fn follows(&self, i: usize, prepositions: &[&str]) -> bool {
        let mut j = i;
        while j > 0 {
            j -= 1;
            if !FILLER.contains(&self.lower(j)) {
                return prepositions.contains(&self.lower(j));
            }
        }
        false
    }
}

// ----------------------------------------------------------------- action

enum Action {
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
const INVOICE: &[&str] = &[
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
const BALANCE: &[&str] = &[
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

fn is_question(text: &str, words: &Words) -> bool {
    let first = words.lower(0);
    INTERROGATIVE.contains(&first) || (text.contains('?') && !POLITE.contains(&first))
}

/// Kiswahili "kusanya" (collect) takes many prefixes: tumekusanya,
/// tulikusanya, imekusanywa.
fn is_collect_word(lower: &str) -> bool {
    lower.contains("kusany")
}

/// Writes are checked first because their sentences also carry read words
/// ("remind families with a balance"); a question never writes ("did John
/// pay?" is not a payment).
fn classify(words: &Words, question: bool) -> Option<Action> {
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

// -------------------------------------------------------------- vocabulary

/// Words that are never part of a name or a stream: function words and
/// every word the actions are asked with. Payment methods and channels are
/// left out on purpose: where they are not read as an argument, they are
/// something this parser cannot act on ("collected via M-Pesa" asks for a
/// breakdown it does not give) and must make the message unknown.
const ENGLISH_WORDS: &str = "\
    a about acc account add again against alert all also am amount an and any are arrears as \
    asap at balance balances be been bill billing bob brother by can check child children \
    class classes code collect collected collection collections could create current \
    currently daughter deposited did do does done due each enter entire every everybody \
    everyone families family far fee fees find first for form from generate get give grade \
    granddaughter grandson guardian guardians has have he hello her here hey hi his \
    household how i id ii iii in include including instead into invoice invoices invoicing \
    is issue it its just kes kid kids kindly know ksh kshs last learner learners left let \
    level log make many me money much my need nephew new next niece no not notification \
    notifications notify now of ok okay on one only optional or our outstanding over overall \
    owe owed owes owing paid parent parents past pay payment payments per please pls plus \
    post pp prepare previous pupil pupils raise receipt receive received record recorded ref \
    reference regarding remaining remind reminder reminders run school second see send sh \
    shillings should show shs sister so some son still stream student students tell term \
    terms thank thanks that the their them there these they third this those three through \
    to today too total totals transaction two txn up us using via want was we were what \
    whats when where which who whole whom whose why with would year years yes yet you your";

const KISWAHILI_WORDS: &str = "\
    ada ajili alilipa amelipa anadaiwa ankara asante bado cha darasa deni familia gani hadi \
    hao hii hiki hizi huu huyu iliyopita imelipwa inadaiwa jana je jumla karo kiasi kila \
    kuhusu kulipa kumbusha kumbushe kupitia kutoka kwa kwanza la leo lipa madeni makusanyo \
    malipo mkumbushe mkusanyo mlezi mpaka mtoto muhula mwaka mwanafunzi mwenye mzazi na \
    naomba nataka ngapi ni nimelipa nimepokea pamoja pesa pili pokea salio sasa tafadhali \
    tatu tengeneza tuma tumelipa tumepokea ujao ujumbe ukumbusho uliopita umelipa unda vya \
    wa wakumbushe walezi walilipa wamelipa wana wanadaiwa wanafunzi wao watoto wazazi wenye \
    wote ya yote za zote";

/// Words between a preposition and the learner it introduces: "for student
/// John", "kwa mwanafunzi ADM-1", "for her son Brian".
const FILLER: &[&str] = &[
    "the",
    "student",
    "learner",
    "pupil",
    "child",
    "his",
    "her",
    "their",
    "my",
    "son",
    "daughter",
    "grandson",
    "granddaughter",
    "nephew",
    "niece",
    "brother",
    "sister",
    "account",
    "acc",
    "mwanafunzi",
    "mtoto",
];

fn is_known_word(lower: &str) -> bool {
    let listed = |words: &str| words.split_whitespace().any(|word| word == lower);
    listed(ENGLISH_WORDS) || listed(KISWAHILI_WORDS) || is_collect_word(lower)
}

/// Letters, with the apostrophes, hyphens and dots names carry
/// ("O'Neil", "Wa-Njeri", "J.").
fn is_word_of_letters(raw: &str) -> bool {
    raw.chars().any(char::is_alphabetic)
        && raw
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'))
}

fn is_name_word(w: &Words, i: usize) -> bool {
    w.free(i) && is_word_of_letters(w.raw(i)) && !is_known_word(w.lower(i))
}

// ------------------------------------------------------------------ amount

/// An amount as written: `None` when it is written like one but is not a
/// positive KES amount with at most two decimals ("1.005", "10,00").
struct Amount {
    money: Option<Money>,
    /// Written with a currency ("KES 500", "500/="), so surely the amount.
    marked: bool,
}

const CURRENCY_WORDS: &[&str] = &["kes", "ksh", "kshs", "sh", "shs", "shilingi"];
const CURRENCY_AFTER: &[&str] = &["shillings", "shilingi", "bob", "kes", "ksh", "kshs", "/="];
/// Longest first, so "kshs" is not read as "ksh" followed by "s".
const CURRENCY_PREFIXES: &[&str] = &["kshs", "ksh", "kes", "shs", "sh"];
const CURRENCY_SUFFIXES: &[&str] = &["/=", "/-", "=/"];

/// Reads "10000", "10,000.50", "10k", "1.5k", "ksh5000", "Sh.5,000",
/// "10000/=".
fn read_amount(word: &str) -> Option<Amount> {
    let lower = word.to_lowercase();
    let mut body = lower.as_str();
    let mut marked = false;
    for prefix in CURRENCY_PREFIXES {
        if let Some(rest) = body.strip_prefix(prefix) {
            let rest = rest.trim_start_matches('.');
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                body = rest;
                marked = true;
                break;
            }
        }
    }
    for suffix in CURRENCY_SUFFIXES {
        if let Some(rest) = body.strip_suffix(suffix) {
            body = rest;
            marked = true;
        }
    }
    let thousands = body.strip_suffix('k');
    let digits = thousands.unwrap_or(body);
    let shaped = digits.starts_with(|c: char| c.is_ascii_digit())
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.'));
    if !shaped {
        return None;
    }
    let normalised = match thousands {
        Some(_) => times_thousand(digits),
        None => without_thousands_separators(digits),
    };
    let money = normalised.and_then(|text| Money::parse_positive(&text).ok());
    Some(Amount { money, marked })
}

/// "1.5" (of "1.5k") to "1500"; more than three decimals is not shillings.
fn times_thousand(digits: &str) -> Option<String> {
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (plain(whole) && plain(fraction) && fraction.len() <= 3)
        .then(|| format!("{whole}{fraction:0<3}"))
}

/// "10,000.50" to "10000.50"; commas must group by three ("1,00,000" is
/// refused), so a typo is not read as a different amount.
fn without_thousands_separators(digits: &str) -> Option<String> {
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or("");
    let grouped = (1..=3).contains(&first.len()) || !whole.contains(',');
    if !grouped || groups.any(|g| g.len() != 3) || fraction.is_some_and(|f| f.contains(',')) {
        return None;
    }
    let whole = whole.replace(',', "");
    Some(match fraction {
        Some(fraction) => format!("{whole}.{fraction}"),
        None => whole,
    })
}

/// The payment's amount: the first one written with a currency, else the
/// first number. An amount that does not parse is no amount at all.
fn take_amount(w: &mut Words) -> Option<Money> {
    let mut found: Vec<(Range<usize>, Amount)> = Vec::new();
    let mut i = 0;
    while i < w.len() {
        if w.free_in(i, CURRENCY_WORDS)
            && w.free(i + 1)
            && let Some(mut amount) = read_amount(w.raw(i + 1))
        {
            amount.marked = true;
            found.push((i..i + 2, amount));
            i += 2;
        } else if w.free(i)
            && let Some(mut amount) = read_amount(w.raw(i))
        {
            let end = if w.free_in(i + 1, CURRENCY_AFTER) {
                amount.marked = true;
                i + 2
            } else {
                i + 1
            };
            found.push((i..end, amount));
            i = end;
        } else {
            i += 1;
        }
    }
    let pick = found
        .iter()
        .position(|(_, amount)| amount.marked)
        .or((!found.is_empty()).then_some(0))?;
    let (range, amount) = found.swap_remove(pick);
    w.take_range(range);
    amount.money
}

// -------------------------------------------------------------- term, year

/// What the message says about the term.
#[derive(Debug, PartialEq)]
enum TermSaid {
    /// Nothing, "this term", "term hii": the caller's current term.
    Current,
    Number(i16),
    /// "last term", "term 4": the parser cannot tell which term is meant,
    /// so the user is asked rather than given the current one.
    Unclear,
}

const TERM_WORDS: &[&str] = &["term", "muhula", "mhula"];
const TERM_CONNECTORS: &[&str] = &["ya", "wa", "la", "no", "number", "namba"];
const CURRENT: &[&str] = &["this", "current", "hii", "huu", "hiki", "sasa"];
const RELATIVE: &[&str] = &[
    "last",
    "previous",
    "past",
    "next",
    "uliopita",
    "iliyopita",
    "ujao",
    "ijayo",
];

/// "1", "one", "I", "first", "1st", "kwanza" and so on.
fn term_number(lower: &str) -> Option<i16> {
    match lower {
        "1" | "one" | "i" | "first" | "1st" | "kwanza" => Some(1),
        "2" | "two" | "ii" | "second" | "2nd" | "pili" => Some(2),
        "3" | "three" | "iii" | "third" | "3rd" | "tatu" => Some(3),
        _ => None,
    }
}

/// "t2", "term2".
fn glued_term(lower: &str) -> Option<i16> {
    let digits = lower
        .strip_prefix("term")
        .or_else(|| lower.strip_prefix('t'))?;
    (digits.len() == 1).then(|| term_number(digits)).flatten()
}

/// Reads and uses the first term words; "term 2/2026" also gives the year.
fn take_term(w: &mut Words) -> (TermSaid, Option<i32>) {
    for i in 0..w.len() {
        if !w.free(i) {
            continue;
        }
        if let Some(term) = glued_term(w.lower(i)) {
            w.take(i);
            return (TermSaid::Number(term), None);
        }
        if TERM_WORDS.contains(&w.lower(i)) {
            w.take(i);
            return term_around(w, i);
        }
    }
    (TermSaid::Current, None)
}

/// The term the words around "term" (at `i`) name: "term 2", "term hii",
/// "muhula wa pili", "second term", "last term".
fn term_around(w: &mut Words, i: usize) -> (TermSaid, Option<i32>) {
    let next = w.skip(i + 1, TERM_CONNECTORS);
    let after = w.lower(next).to_string();
    let before = match i.checked_sub(1) {
        Some(j) if w.free(j) => w.lower(j).to_string(),
        _ => String::new(),
    };
    if let Some(term) = term_number(&after) {
        w.take_range(i + 1..next + 1);
        return (TermSaid::Number(term), None);
    }
    if let Some((term, year)) = term_and_year(&after) {
        w.take_range(i + 1..next + 1);
        return (TermSaid::Number(term), Some(year));
    }
    if CURRENT.contains(&after.as_str()) {
        w.take_range(i + 1..next + 1);
        return (TermSaid::Current, None);
    }
    // "term 4" is no term; "term 2026" is left to the year.
    let other_number = after.len() <= 2 && after.parse::<u8>().is_ok();
    if RELATIVE.contains(&after.as_str()) || other_number {
        return (TermSaid::Unclear, None);
    }
    if let Some(term) = term_number(&before) {
        w.take(i - 1);
        return (TermSaid::Number(term), None);
    }
    if RELATIVE.contains(&before.as_str()) {
        return (TermSaid::Unclear, None);
    }
    if CURRENT.contains(&before.as_str()) {
        w.take(i - 1);
    }
    (TermSaid::Current, None)
}

/// "2/2026" after the word term.
fn term_and_year(lower: &str) -> Option<(i16, i32)> {
    let (term, year) = lower.split_once(['/', '-'])?;
    Some((term_number(term)?, year_number(year)?))
}

fn year_number(lower: &str) -> Option<i32> {
    let year: i32 = lower.parse().ok()?;
    (lower.len() == 4 && (2000..=2100).contains(&year)).then_some(year)
}

/// Something the user said that cannot be read as one value: "term 4",
/// "1999", "email and in-app".
struct Unreadable;

/// The term and year of an invoice run or a collections question.
struct When {
    term: Option<i16>,
    year: Option<i32>,
    /// "term", "year": said, but not as one the parser can name.
    missing: Vec<&'static str>,
}

fn take_when(w: &mut Words, today: NaiveDate) -> When {
    let mut missing = Vec::new();
    let (term_said, term_year) = take_term(w);
    let term = match term_said {
        TermSaid::Current => None,
        TermSaid::Number(term) => Some(term),
        TermSaid::Unclear => {
            missing.push("term");
            None
        }
    };
    let year = match term_year {
        Some(year) => Some(year),
        None => take_year(w, today).unwrap_or_else(|Unreadable| {
            missing.push("year");
            None
        }),
    };
    When {
        term,
        year,
        missing,
    }
}

/// "2026", "this year", "mwaka jana" (last year). A four-digit number
/// outside 2000-2100 is a year the school cannot have, so it is unreadable
/// rather than ignored (which would answer for the current year).
fn take_year(w: &mut Words, today: NaiveDate) -> Result<Option<i32>, Unreadable> {
    for i in 0..w.len() {
        if !w.free(i) {
            continue;
        }
        if let Some(year) = year_number(w.lower(i)) {
            w.take(i);
            return Ok(Some(year));
        }
        if w.lower(i).len() == 4 && w.lower(i).parse::<u16>().is_ok() {
            return Err(Unreadable);
        }
        let offset = match (w.lower(i), w.lower(i + 1)) {
            ("this" | "current", "year") | ("mwaka", "huu" | "hii") => Some(0),
            ("last" | "previous", "year") | ("mwaka", "jana" | "uliopita") => Some(-1),
            ("next", "year") | ("mwaka", "ujao") => Some(1),
            _ => None,
        };
        if let Some(offset) = offset {
            w.take_range(i..i + 2);
            return Ok(Some(today.year() + offset));
        }
    }
    Ok(None)
}

// ----------------------------------------------------- admission numbers

fn is_admission_no(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    let allowed = raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.' | '_'));
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let letters = raw.chars().any(|c| c.is_ascii_alphabetic());
    let separated = raw.contains(['/', '-']) && raw.split(['/', '-']).all(|p| !p.is_empty());
    allowed
        && (2..=32).contains(&raw.len())
        && digits > 0
        && (letters || (separated && digits >= 3))
        && !reads_as_something_else(&lower)
}

/// Words with letters and digits that are not learners.
fn reads_as_something_else(lower: &str) -> bool {
    let ordinal = ["st", "nd", "rd", "th"].iter().any(|s| {
        lower
            .strip_suffix(s)
            .is_some_and(|n| n.parse::<u32>().is_ok())
    });
    ordinal
        || lower.starts_with("inv")
        || glued_term(lower).is_some()
        || glued_level(lower).is_some()
        || read_amount(lower).is_some()
        || looks_like_date(lower)
}

/// "12/05/2026", "1-5-26".
fn looks_like_date(lower: &str) -> bool {
    let parts: Vec<&str> = lower.split(['/', '-']).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].len() <= 2
        && parts[1].len() <= 2
}

fn take_admission_nos(w: &mut Words) -> Vec<(usize, String)> {
    let found: Vec<(usize, String)> = (0..w.len())
        .filter(|&i| w.free(i) && is_admission_no(w.raw(i)))
        .map(|i| (i, w.raw(i).to_uppercase()))
        .collect();
    found.iter().for_each(|(i, _)| w.take(*i));
    found
}

// ------------------------------------------------------------- class names

/// Grade levels: the word, how the class name spells it, its numbers.
const LEVELS: &[(&str, &str, RangeInclusive<u8>)] = &[
    ("grade", "Grade ", 1..=12),
    ("form", "Form ", 1..=6),
    ("pp", "PP", 1..=2),
];

/// "pp1", "grade4": a level written as one word.
fn glued_level(lower: &str) -> Option<String> {
    LEVELS.iter().find_map(|(word, label, numbers)| {
        let number: u8 = lower.strip_prefix(word)?.parse().ok()?;
        numbers
            .contains(&number)
            .then(|| format!("{label}{number}"))
    })
}

/// The level starting at word `i` and the index after it.
fn level_at(w: &Words, i: usize) -> Option<(String, usize)> {
    if !w.free(i) {
        return None;
    }
    if let Some(level) = glued_level(w.lower(i)) {
        return Some((level, i + 1));
    }
    let (_, label, numbers) = LEVELS.iter().find(|(word, ..)| *word == w.lower(i))?;
    let number: u8 = w.lower(i + 1).parse().ok()?;
    (w.free(i + 1) && numbers.contains(&number)).then(|| (format!("{label}{number}"), i + 2))
}

/// A stream word: one the parser does not know ("East", "STEM"), or a
/// single capital letter ("Grade 10 STEM A"), which is otherwise "a".
fn is_stream_word(w: &Words, i: usize) -> bool {
    let raw = w.raw(i);
    let capital_letter = raw.len() == 1 && raw.chars().all(|c| c.is_ascii_uppercase());
    w.free(i) && (capital_letter || is_name_word(w, i))
}

/// "east" is written "East"; "STEM" stays as it is.
fn stream_case(raw: &str) -> String {
    if raw.chars().any(char::is_uppercase) {
        return raw.to_string();
    }
    let mut chars = raw.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Up to three stream words after a level ("Arts & Sports" counts "&").
fn stream_after(w: &Words, start: usize) -> (Vec<String>, usize) {
    let mut stream = Vec::new();
    let mut j = start;
    while stream.len() < 3 && j > 0 && !w.ends_phrase(j - 1) {
        let ampersand = w.raw(j) == "&" && w.free(j) && is_stream_word(w, j + 1);
        if !ampersand && !is_stream_word(w, j) {
            break;
        }
        stream.push(if ampersand {
            "&".to_string()
        } else {
            stream_case(w.raw(j))
        });
        j += 1;
    }
    (stream, j)
}

/// Class names: a grade level with its stream ("Grade 4 East"), or the
/// words after "class" when the school's class names have no level
/// ("class Blue Whales").
fn take_classes(w: &mut Words) -> Vec<String> {
    let mut classes = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let Some((level, next)) = level_at(w, i) else {
            i += 1;
            continue;
        };
        let (stream, end) = stream_after(w, next);
        w.take_range(i..end);
        classes.push(
            std::iter::once(level)
                .chain(stream)
                .collect::<Vec<_>>()
                .join(" "),
        );
        i = end;
    }
    for i in 0..w.len() {
        if w.free_in(i, &["class", "darasa"]) {
            let start = w.skip(i + 1, &["la", "the"]);
            let end = name_run_end(w, start);
            if end > start {
                classes.push(w.joined(start..end));
                w.take_range(i..end);
            }
        }
    }
    classes
}

// ------------------------------------------------------------------ names

/// The end of the run of name words starting at `start`.
fn name_run_end(w: &Words, start: usize) -> usize {
    let mut end = start;
    while is_name_word(w, end) {
        end += 1;
        if w.ends_phrase(end - 1) {
            break;
        }
    }
    end
}

/// Runs of words that can only be a name: "Jane Doe paid 10k cash for
/// John" has two, "Jane Doe" and "John".
fn name_runs(w: &Words) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let end = name_run_end(w, i);
        if end > i {
            runs.push(i..end);
            i = end;
        } else {
            i += 1;
        }
    }
    runs
}

/// Who or what a read (or an invoice run) is about.
enum Subject {
    Nothing,
    Student(StudentRef),
    Class(String),
    /// The words of a learner's name.
    Name(Range<usize>),
    /// Two learners, two classes, or a class and a name: the parser will not
    /// pick one.
    Ambiguous,
}

/// An admission number is exact, so it wins over anything else named;
/// otherwise exactly one class or one name.
fn subject(w: &mut Words) -> Subject {
    let admission_nos = take_admission_nos(w);
    match admission_nos.as_slice() {
        [(_, no)] => return Subject::Student(StudentRef::AdmissionNo(no.clone())),
        [] => {}
        _ => return Subject::Ambiguous,
    }
    let classes = take_classes(w);
    let names = name_runs(w);
    match (classes.as_slice(), names.as_slice()) {
        ([], []) => Subject::Nothing,
        ([class], []) => Subject::Class(class.clone()),
        ([], [name]) => Subject::Name(name.clone()),
        _ => Subject::Ambiguous,
    }
}

// ---------------------------------------------------------------- payment

/// Words before a payment's reference.
const REF_MARKERS: &[&str] = &[
    "ref",
    "reference",
    "code",
    "txn",
    "transaction",
    "receipt",
    "confirmation",
];
const REF_FILLER: &[&str] = &["no", "number", "id", "code", "is", "namba"];
/// Words before the learner a payment is for ("from" only when nothing is
/// "for" someone: a relative often pays).
const FOR_STUDENT: &[&str] = &["for", "kwa", "to", "ya", "wa", "of"];

fn record_payment(w: &mut Words) -> Parsed {
    let marked_ref = take_marked_ref(w);
    let method = take_method(w);
    let invoice_number = take_invoice_number(w);
    let txn_ref = marked_ref.or_else(|| take_mpesa_code(w, method == Some(Method::Mpesa)));
    // "for term 2" is context: its 2 is never the amount.
    take_term(w);
    let amount = take_amount(w);
    let student = payment_student(w);
    let method = method.or(txn_ref
        .as_deref()
        .filter(|r| is_mpesa_code(r))
        .map(|_| Method::Mpesa));

    let mut missing = Vec::new();
    if student.is_none() {
        missing.push("student");
    }
    if amount.is_none() {
        missing.push("amount");
    }
    if matches!(method, Some(Method::Mpesa | Method::Bank)) && txn_ref.is_none() {
        missing.push("txn_ref");
    }
    match (student, amount) {
        (Some(student), Some(amount)) if missing.is_empty() => {
            Parsed::Intent(Intent::RecordPayment {
                student,
                amount,
                method,
                txn_ref,
                invoice_number,
            })
        }
        _ => Parsed::Incomplete {
            intent: RECORD_PAYMENT,
            missing,
        },
    }
}

/// "ref QKH94M1Z11", "bank ref EQ123", "code: QKH94M1Z11".
fn take_marked_ref(w: &mut Words) -> Option<String> {
    // "cheque no 004512": the "no" marks the reference, "cheque" the method.
    let after_cheque = |i: usize| {
        w.free_in(i, &["no", "number", "namba"]) && i > 0 && CHEQUE.contains(&w.lower(i - 1))
    };
    let marker = (0..w.len()).find(|&i| w.free_in(i, REF_MARKERS) || after_cheque(i))?;
    let at = w.skip(marker + 1, REF_FILLER);
    let raw = w.raw(at);
    let reference = w.free(at)
        && raw.chars().any(|c| c.is_ascii_digit())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_' | '.'));
    if !reference {
        return None;
    }
    let reference = raw.to_uppercase();
    w.take_range(marker..at + 1);
    Some(reference)
}

/// `^[A-Z0-9]{10}$` with a letter and a digit, as M-Pesa writes them.
fn is_mpesa_code(raw: &str) -> bool {
    raw.len() == 10
        && raw
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && raw.chars().any(|c| c.is_ascii_uppercase())
        && raw.chars().any(|c| c.is_ascii_digit())
}

/// An unmarked M-Pesa code; typed in lower case it counts only when the
/// message says M-Pesa. One right after "for" is an admission number.
fn take_mpesa_code(w: &mut Words, says_mpesa: bool) -> Option<String> {
    let at = (0..w.len()).find(|&i| {
        let raw = w.raw(i);
        let code = is_mpesa_code(raw) || says_mpesa && is_mpesa_code(&raw.to_uppercase());
        w.free(i) && code && !w.follows(i, FOR_STUDENT)
    })?;
    w.take(at);
    Some(w.raw(at).to_uppercase())
}

const CHEQUE: &[&str] = &["cheque", "check", "chq", "hundi"];

fn method_at(w: &Words, i: usize) -> Option<(Method, usize)> {
    let one = |method| Some((method, i + 1));
    match (w.lower(i), w.lower(i + 1)) {
        ("m", "pesa") => Some((Method::Mpesa, i + 2)),
        ("mpesa" | "m-pesa" | "paybill" | "till", _) => one(Method::Mpesa),
        ("cash" | "taslimu", _) => one(Method::Cash),
        ("bank" | "benki" | "eft" | "rtgs" | "pesalink", _) => one(Method::Bank),
        (word, _) if CHEQUE.contains(&word) => one(Method::Cheque),
        _ => None,
    }
}

/// The first method named.
fn take_method(w: &mut Words) -> Option<Method> {
    let (at, method, end) = (0..w.len())
        .filter(|&i| w.free(i))
        .find_map(|i| method_at(w, i).map(|(method, end)| (i, method, end)))?;
    w.take_range(at..end);
    Some(method)
}

/// "INV-2026-00001", or what follows "invoice" / "ankara" when it has a digit.
fn take_invoice_number(w: &mut Words) -> Option<String> {
    let numbered = |raw: &str| {
        raw.chars().any(|c| c.is_ascii_digit())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_'))
    };
    for i in 0..w.len() {
        let written = w.lower(i).starts_with("inv") && numbered(w.raw(i));
        if w.free(i) && written {
            w.take(i);
            return Some(w.raw(i).to_uppercase());
        }
        if w.free_in(i, &["invoice", "ankara"]) {
            let at = w.skip(i + 1, &["no", "number", "namba"]);
            if w.free(at) && numbered(w.raw(at)) {
                w.take_range(i..at + 1);
                return Some(w.raw(at).to_uppercase());
            }
        }
    }
    None
}

/// The learner: an admission number, else a name; the one after "for" when
/// several are named, since "Jane Doe paid 10k for John" pays John's fees.
fn payment_student(w: &mut Words) -> Option<StudentRef> {
    let admission_nos = take_admission_nos(w);
    if let Some((_, no)) = admission_nos
        .iter()
        .find(|(i, _)| w.follows(*i, FOR_STUDENT))
        .or(admission_nos.first())
    {
        return Some(StudentRef::AdmissionNo(no.clone()));
    }
    let runs = name_runs(w);
    runs.iter()
        .find(|run| w.follows(run.start, FOR_STUDENT))
        .or(runs.first())
        .map(|run| StudentRef::Name(w.joined(run.clone())))
}

// --------------------------------------------------------------- invoices

/// "pamoja na" is Kiswahili "together with".
const OPTIONAL_MARKERS: &[&str] = &["with", "including", "include", "incl", "plus", "pamoja"];
const ITEM_SEPARATORS: &[&str] = &["and", "&", "na"];
/// Words that end the list of optional items.
const ITEM_END: &[&str] = &[
    "for",
    "kwa",
    "term",
    "muhula",
    "year",
    "mwaka",
    "this",
    "in",
    "to",
    "of",
    "please",
    "tafadhali",
    "za",
    "ya",
    "wa",
    "la",
    "class",
    "darasa",
    "grade",
    "form",
    "pp",
    "only",
];
const ITEM_FILLER: &[&str] = &["optional", "the", "na"];
/// "lunch fee" is the fee item "lunch".
const ITEM_TRAILER: &[&str] = &["fee", "fees", "charge", "charges"];

fn generate_invoices(w: &mut Words, today: NaiveDate) -> Parsed {
    let when = take_when(w, today);
    let include_optional = take_optional_items(w);
    let target = match subject(w) {
        Subject::Student(student) => Some(Target::Student(student)),
        Subject::Name(name) => Some(Target::Student(StudentRef::Name(w.joined(name)))),
        Subject::Class(class) => Some(Target::Class(class)),
        Subject::Nothing => None,
        Subject::Ambiguous => return Parsed::Unknown,
    };
    let mut missing = Vec::new();
    if target.is_none() {
        missing.push("target");
    }
    missing.extend(when.missing);
    match target {
        Some(target) if missing.is_empty() => Parsed::Intent(Intent::GenerateInvoices {
            target,
            term: when.term,
            year: when.year,
            include_optional,
        }),
        _ => Parsed::Incomplete {
            intent: GENERATE_INVOICES,
            missing,
        },
    }
}

/// "with lunch and transport", "including lunch, bus": items as written.
fn take_optional_items(w: &mut Words) -> Vec<String> {
    let mut items = Vec::new();
    let Some(marker) = (0..w.len()).find(|&i| w.free_in(i, OPTIONAL_MARKERS)) else {
        return items;
    };
    w.take(marker);
    let mut item: Vec<String> = Vec::new();
    let mut i = w.skip(marker + 1, ITEM_FILLER);
    while w.free(i) {
        let lower = w.lower(i);
        if ITEM_SEPARATORS.contains(&lower) {
            finish_item(&mut items, &mut item);
        } else if ITEM_END.contains(&lower)
            || level_at(w, i).is_some()
            || !is_word_of_letters(w.raw(i))
        {
            break;
        } else if !ITEM_FILLER.contains(&lower) {
            item.push(w.raw(i).to_string());
        }
        let ends = w.ends_phrase(i);
        w.take(i);
        if ends {
            finish_item(&mut items, &mut item);
        }
        i += 1;
    }
    finish_item(&mut items, &mut item);
    items
}

fn finish_item(items: &mut Vec<String>, item: &mut Vec<String>) {
    while item
        .last()
        .is_some_and(|last| ITEM_TRAILER.contains(&last.to_lowercase().as_str()))
    {
        item.pop();
    }
    if !item.is_empty() {
        items.push(item.join(" "));
    }
    item.clear();
}

// ------------------------------------------------------------ notify, read

/// "email", "barua pepe", "in-app": `Err` when both are named.
fn take_channel(w: &mut Words) -> Result<Option<Channel>, Unreadable> {
    let mut channels = Vec::new();
    for i in 0..w.len() {
        let found = match (w.lower(i), w.lower(i + 1)) {
            ("barua", "pepe") => Some((Channel::Email, 2)),
            ("in", "app") => Some((Channel::InApp, 2)),
            ("email" | "e-mail" | "emails" | "mail", _) => Some((Channel::Email, 1)),
            ("in-app" | "inapp" | "app", _) => Some((Channel::InApp, 1)),
            _ => None,
        };
        if let Some((channel, len)) = found
            && w.free(i)
        {
            w.take_range(i..i + len);
            if !channels.contains(&channel) {
                channels.push(channel);
            }
        }
    }
    match channels.as_slice() {
        [] => Ok(None),
        [channel] => Ok(Some(*channel)),
        _ => Err(Unreadable),
    }
}

/// Reminders go to a class or to everyone. A message naming a learner, or
/// anything else the parser cannot narrow by (SMS, WhatsApp), is unknown:
/// widening it to every family would message people it was not meant for.
fn notify_balances(w: &mut Words) -> Parsed {
    let Ok(channel) = take_channel(w) else {
        return Parsed::Unknown;
    };
    // Balances carry across terms: "term 2 balances" is every balance.
    take_term(w);
    match subject(w) {
        Subject::Nothing => Parsed::Intent(Intent::NotifyBalances {
            channel,
            class: None,
        }),
        Subject::Class(class) => Parsed::Intent(Intent::NotifyBalances {
            channel,
            class: Some(class),
        }),
        Subject::Student(_) | Subject::Name(_) | Subject::Ambiguous => Parsed::Unknown,
    }
}

/// Collections are the school's total: a class, learner or method in the
/// question asks for a breakdown this intent does not give.
fn collections(w: &mut Words, today: NaiveDate) -> Parsed {
    let When {
        term,
        year,
        missing,
    } = take_when(w, today);
    if !missing.is_empty() {
        return Parsed::Incomplete {
            intent: COLLECTIONS,
            missing,
        };
    }
    match subject(w) {
        Subject::Nothing => Parsed::Intent(Intent::Collections { term, year }),
        _ => Parsed::Unknown,
    }
}

/// "how much do parents owe in total?": a balance of the whole school,
/// which is not an intent.
const SCHOOL_WIDE: &[&str] = &[
    "total", "all", "everyone", "parents", "families", "school", "jumla", "wote", "wazazi",
];
/// Words right before the learner a balance question is about.
const BALANCE_OF: &[&str] = &[
    "for", "of", "la", "ya", "wa", "by", "kwa", "does", "did", "has",
];

/// A learner's or a class's balance. An invoice's balance is not an intent.
fn balance(w: &mut Words) -> Parsed {
    if w.mentions(INVOICE) {
        return Parsed::Unknown;
    }
    let asks_class = w.mentions(&["class", "darasa"]);
    let school_wide = w.mentions(SCHOOL_WIDE);
    match subject(w) {
        Subject::Student(student) => Parsed::Intent(Intent::StudentBalance { student }),
        Subject::Name(name) if names_the_debtor(w, &name) => {
            Parsed::Intent(Intent::StudentBalance {
                student: StudentRef::Name(w.joined(name)),
            })
        }
        Subject::Class(class) => Parsed::Intent(Intent::ClassBalance { class }),
        Subject::Name(_) | Subject::Ambiguous => Parsed::Unknown,
        Subject::Nothing if school_wide => Parsed::Unknown,
        Subject::Nothing if asks_class => Parsed::Incomplete {
            intent: CLASS_BALANCE,
            missing: vec!["class"],
        },
        Subject::Nothing => Parsed::Incomplete {
            intent: STUDENT_BALANCE,
            missing: vec!["student"],
        },
    }
}

/// Whether a name sits where a balance question puts the learner ("balance
/// for Akinyi", "Akinyi's balance", "how much does Brian owe"), so a stray
/// word ("what is the fee balance policy?") is not taken for a learner.
fn names_the_debtor(w: &Words, name: &Range<usize>) -> bool {
    let possessive = w.list[name.end - 1].possessive;
    let owes_next = BALANCE.contains(&w.lower(name.end));
    possessive || owes_next || w.follows(name.start, BALANCE_OF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 4).expect("a date")
    }

    fn adm(no: &str) -> StudentRef {
        StudentRef::AdmissionNo(no.to_string())
    }

    fn name(name: &str) -> StudentRef {
        StudentRef::Name(name.to_string())
    }

    fn class(name: &str) -> Target {
        Target::Class(name.to_string())
    }

    fn invoices(target: Target, term: Option<i16>, year: Option<i32>, items: &[&str]) -> Parsed {
        Parsed::Intent(Intent::GenerateInvoices {
            target,
            term,
            year,
            include_optional: items.iter().map(|item| item.to_string()).collect(),
        })
    }

    fn payment(
        student: StudentRef,
        amount: &str,
        method: Option<Method>,
        txn_ref: Option<&str>,
        invoice_number: Option<&str>,
    ) -> Parsed {
        Parsed::Intent(Intent::RecordPayment {
            student,
            amount: Money::parse(amount).expect("an amount"),
            method,
            txn_ref: txn_ref.map(str::to_string),
            invoice_number: invoice_number.map(str::to_string),
        })
    }

    fn notify(channel: Option<Channel>, class: Option<&str>) -> Parsed {
        Parsed::Intent(Intent::NotifyBalances {
            channel,
            class: class.map(str::to_string),
        })
    }

    fn student_balance(student: StudentRef) -> Parsed {
        Parsed::Intent(Intent::StudentBalance { student })
    }

    fn class_balance(class: &str) -> Parsed {
        Parsed::Intent(Intent::ClassBalance {
            class: class.to_string(),
        })
    }

    fn collected(term: Option<i16>, year: Option<i32>) -> Parsed {
        Parsed::Intent(Intent::Collections { term, year })
    }

    fn incomplete(intent: &'static str, missing: &[&'static str]) -> Parsed {
        Parsed::Incomplete {
            intent,
            missing: missing.to_vec(),
        }
    }

    /// Runs every row and names each phrasing that parses differently.
    fn check(rows: &[(&str, Parsed)]) {
        let failures: Vec<String> = rows
            .iter()
            .filter_map(|(text, expected)| {
                let got = parse(text, today());
                (got != *expected)
                    .then(|| format!("{text:?}\n   expected {expected:?}\n        got {got:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn invoice_requests_name_their_class_or_learner_term_and_items() {
        use Target::Student;
        check(&[
            (
                "generate invoices for class Grade 4 East",
                invoices(class("Grade 4 East"), None, None, &[]),
            ),
            (
                "invoice Grade 4 East for term 2 2026 with lunch",
                invoices(class("Grade 4 East"), Some(2), Some(2026), &["lunch"]),
            ),
            (
                "bill ADM-2025-001 for term 1",
                invoices(Student(adm("ADM-2025-001")), Some(1), None, &[]),
            ),
            (
                "tengeneza ankara za Grade 4 East",
                invoices(class("Grade 4 East"), None, None, &[]),
            ),
            (
                "please generate invoices kwa Grade 4 East term 2",
                invoices(class("Grade 4 East"), Some(2), None, &[]),
            ),
            (
                "Generate invoices for PP1 Blue, term 1 2026",
                invoices(class("PP1 Blue"), Some(1), Some(2026), &[]),
            ),
            (
                "invoice form 3 west for t3",
                invoices(class("Form 3 West"), Some(3), None, &[]),
            ),
            (
                "generate invoices for Grade 10 STEM A for second term including lunch and transport",
                invoices(
                    class("Grade 10 STEM A"),
                    Some(2),
                    None,
                    &["lunch", "transport"],
                ),
            ),
            (
                "bill John Doe for term 1 2026",
                invoices(Student(name("John Doe")), Some(1), Some(2026), &[]),
            ),
            (
                "generate invoices for 2025/014 this term",
                invoices(Student(adm("2025/014")), None, None, &[]),
            ),
            (
                "invoice grade 4 east next year",
                invoices(class("Grade 4 East"), None, Some(2027), &[]),
            ),
            (
                "tengeneza ankara za PP2 Red muhula wa pili",
                invoices(class("PP2 Red"), Some(2), None, &[]),
            ),
            (
                "generate term 3 invoices for Grade 7 North with lunch fee, bus",
                invoices(class("Grade 7 North"), Some(3), None, &["lunch", "bus"]),
            ),
            (
                "raise invoices for class Blue Whales for term 1",
                invoices(class("Blue Whales"), Some(1), None, &[]),
            ),
            (
                "Invoice ADM-2025-001 for term 2/2026",
                invoices(Student(adm("ADM-2025-001")), Some(2), Some(2026), &[]),
            ),
            (
                "generate invoices for Grade 4 East for term II",
                invoices(class("Grade 4 East"), Some(2), None, &[]),
            ),
            (
                "bill grade 9 west mwaka huu term 1",
                invoices(class("Grade 9 West"), Some(1), Some(2026), &[]),
            ),
            (
                "generate invoices for Grade 4 East including optional Lunch, Swimming and School Bus for term 1",
                invoices(
                    class("Grade 4 East"),
                    Some(1),
                    None,
                    &["Lunch", "Swimming", "School Bus"],
                ),
            ),
            (
                "please bill adm-2025-001 kwa term 3 pamoja na lunch",
                invoices(Student(adm("ADM-2025-001")), Some(3), None, &["lunch"]),
            ),
            (
                "Generate invoices for Grade 10 Arts & Sports, 2nd term",
                invoices(class("Grade 10 Arts & Sports"), Some(2), None, &[]),
            ),
            (
                "GENERATE INVOICES FOR GRADE 4 EAST TERM 2",
                invoices(class("Grade 4 EAST"), Some(2), None, &[]),
            ),
            (
                "bill Grade 4 East's students for t1",
                invoices(class("Grade 4 East"), Some(1), None, &[]),
            ),
            (
                "invoices for PP 1 Yellow",
                invoices(class("PP1 Yellow"), None, None, &[]),
            ),
            (
                "generate invoices for Grade 4 East and Grade 5 West",
                Parsed::Unknown,
            ),
            (
                "generate invoices for Akinyi in Grade 4 East",
                Parsed::Unknown,
            ),
        ]);
    }

    #[test]
    fn payments_read_amount_learner_method_and_reference() {
        use Method::{Bank, Cash, Cheque, Mpesa};
        check(&[
            (
                "record payment of 10000 for ADM-2025-001 via MPESA ref QKH94M1Z11",
                payment(
                    adm("ADM-2025-001"),
                    "10000",
                    Some(Mpesa),
                    Some("QKH94M1Z11"),
                    None,
                ),
            ),
            (
                "Jane Doe paid 10k cash for John",
                payment(name("John"), "10000", Some(Cash), None, None),
            ),
            (
                "received KES 10,000.50 from ADM-2025-001 by bank ref EQ123",
                payment(
                    adm("ADM-2025-001"),
                    "10000.50",
                    Some(Bank),
                    Some("EQ123"),
                    None,
                ),
            ),
            (
                "lipa 5000 kwa ADM-2025-001 mpesa QKH94M1Z11",
                payment(
                    adm("ADM-2025-001"),
                    "5000",
                    Some(Mpesa),
                    Some("QKH94M1Z11"),
                    None,
                ),
            ),
            (
                "ADM-2025-001 paid 7,500 QKH94M1Z11",
                payment(
                    adm("ADM-2025-001"),
                    "7500",
                    Some(Mpesa),
                    Some("QKH94M1Z11"),
                    None,
                ),
            ),
            (
                "record a cash payment of ksh 5000 for Akinyi Otieno",
                payment(name("Akinyi Otieno"), "5000", Some(Cash), None, None),
            ),
            (
                "received sh 2,500 cash from Akinyi",
                payment(name("Akinyi"), "2500", Some(Cash), None, None),
            ),
            (
                "Sh. 5,000 paid by cheque for ADM-2025-014",
                payment(adm("ADM-2025-014"), "5000", Some(Cheque), None, None),
            ),
            (
                "payment 10000/= for adm-2025-001 cash",
                payment(adm("ADM-2025-001"), "10000", Some(Cash), None, None),
            ),
            (
                "record payment of KES 12,345.67 for ADM-2025-001 against invoice INV-2026-00001 bank ref FT26123XYZ",
                payment(
                    adm("ADM-2025-001"),
                    "12345.67",
                    Some(Bank),
                    Some("FT26123XYZ"),
                    Some("INV-2026-00001"),
                ),
            ),
            (
                "mzazi amelipa 3000 kwa Brian Kamau m-pesa QKH94M1Z12",
                payment(
                    name("Brian Kamau"),
                    "3000",
                    Some(Mpesa),
                    Some("QKH94M1Z12"),
                    None,
                ),
            ),
            (
                "paid 1.5k cash for Wanjiru",
                payment(name("Wanjiru"), "1500", Some(Cash), None, None),
            ),
            (
                "Received ksh5000 for ADM-2025-001 via M-Pesa code qkh94m1z11",
                payment(
                    adm("ADM-2025-001"),
                    "5000",
                    Some(Mpesa),
                    Some("QKH94M1Z11"),
                    None,
                ),
            ),
            (
                "Grandma Wambui paid 20,000 for her grandson Kevin via bank ref EQ998877",
                payment(name("Kevin"), "20000", Some(Bank), Some("EQ998877"), None),
            ),
            (
                "record payment of 8000 for student ADM-2025-001 cash",
                payment(adm("ADM-2025-001"), "8000", Some(Cash), None, None),
            ),
            (
                "Tumepokea shilingi 4,000 kutoka kwa ADM-2025-001 taslimu",
                payment(adm("ADM-2025-001"), "4000", Some(Cash), None, None),
            ),
            (
                "payment of 10000 for ADM-2025-001 T2 cash",
                payment(adm("ADM-2025-001"), "10000", Some(Cash), None, None),
            ),
            (
                "received 2,000 for 2025/014 on invoice INV-2026-00042",
                payment(adm("2025/014"), "2000", None, None, Some("INV-2026-00042")),
            ),
            (
                "record payment of ksh 10,000 for ADM-2025-001 by cheque no 004512",
                payment(
                    adm("ADM-2025-001"),
                    "10000",
                    Some(Cheque),
                    Some("004512"),
                    None,
                ),
            ),
            (
                "Paid 3k for Kevin via m pesa QKH94M1Z15",
                payment(name("Kevin"), "3000", Some(Mpesa), Some("QKH94M1Z15"), None),
            ),
            (
                "John Doe paid KES 15,000 for term 2 fees, mpesa QKH94M1Z13",
                payment(
                    name("John Doe"),
                    "15000",
                    Some(Mpesa),
                    Some("QKH94M1Z13"),
                    None,
                ),
            ),
            (
                "can you record a payment of 10000/- for ADM-2025-001 cash?",
                payment(adm("ADM-2025-001"), "10000", Some(Cash), None, None),
            ),
            (
                "lipa na mpesa 6500 kwa ADM-2025-001 ref: QKH94M1Z14",
                payment(
                    adm("ADM-2025-001"),
                    "6500",
                    Some(Mpesa),
                    Some("QKH94M1Z14"),
                    None,
                ),
            ),
            (
                "Record payment: ksh 3,000 for Achieng from her uncle, cash",
                payment(name("Achieng"), "3000", Some(Cash), None, None),
            ),
        ]);
    }

    #[test]
    fn reminders_name_their_channel_and_class() {
        use Channel::{Email, InApp};
        check(&[
            ("notify guardians about fee balances", notify(None, None)),
            ("remind every family with a balance", notify(None, None)),
            (
                "send email reminders to parents of Grade 4 East",
                notify(Some(Email), Some("Grade 4 East")),
            ),
            (
                "tuma ukumbusho wa ada kwa wazazi wa Grade 4 East",
                notify(None, Some("Grade 4 East")),
            ),
            (
                "send in-app reminders to all parents",
                notify(Some(InApp), None),
            ),
            (
                "Notify parents of PP1 Blue by email about balances",
                notify(Some(Email), Some("PP1 Blue")),
            ),
            (
                "tuma barua pepe kwa wazazi wenye deni",
                notify(Some(Email), None),
            ),
            (
                "remind parents of Grade 4 East about term 2 balances via in app notification",
                notify(Some(InApp), Some("Grade 4 East")),
            ),
            (
                "please send fee balance reminders to form 4 north guardians",
                notify(None, Some("Form 4 North")),
            ),
            ("send reminders to parents by SMS", Parsed::Unknown),
            ("remind the parents of ADM-2025-001", Parsed::Unknown),
            ("send email and in-app reminders", Parsed::Unknown),
            ("did we remind Grade 4 East parents?", Parsed::Unknown),
        ]);
    }

    #[test]
    fn balance_questions_name_a_learner_or_a_class() {
        check(&[
            (
                "what is John Doe's balance?",
                student_balance(name("John Doe")),
            ),
            (
                "salio la ADM-2025-001",
                student_balance(adm("ADM-2025-001")),
            ),
            (
                "how much does ADM-2025-001 owe?",
                student_balance(adm("ADM-2025-001")),
            ),
            ("balance for Akinyi", student_balance(name("Akinyi"))),
            (
                "What's the balance of adm-2025-001?",
                student_balance(adm("ADM-2025-001")),
            ),
            (
                "Akinyi Otieno's fee balance",
                student_balance(name("Akinyi Otieno")),
            ),
            (
                "je, mwanafunzi 2025/014 anadaiwa kiasi gani?",
                student_balance(adm("2025/014")),
            ),
            (
                "check balance for Brian Kamau",
                student_balance(name("Brian Kamau")),
            ),
            (
                "how much is owed by ADM-2025-001",
                student_balance(adm("ADM-2025-001")),
            ),
            (
                "how much does Grade 4 East owe?",
                class_balance("Grade 4 East"),
            ),
            (
                "class balance for Grade 4 East",
                class_balance("Grade 4 East"),
            ),
            ("deni la Grade 4 East", class_balance("Grade 4 East")),
            (
                "what are the outstanding balances for form 3 west",
                class_balance("Form 3 West"),
            ),
            ("salio la darasa PP1 Blue", class_balance("PP1 Blue")),
            (
                "Grade 10 STEM A's arrears",
                class_balance("Grade 10 STEM A"),
            ),
            ("how much does Brian owe", student_balance(name("Brian"))),
            (
                "what's the balance for Mary-Anne O'Brien",
                student_balance(name("Mary-Anne O'Brien")),
            ),
            ("balance ya Grade 5 Blue?", class_balance("Grade 5 Blue")),
            ("Wanjiru balance", student_balance(name("Wanjiru"))),
            ("balance for Akinyi in Grade 4 East", Parsed::Unknown),
            ("what is the fee balance policy?", Parsed::Unknown),
            ("how much do parents owe in total?", Parsed::Unknown),
            (
                "how much is the balance on invoice INV-2026-00001?",
                Parsed::Unknown,
            ),
        ]);
    }

    #[test]
    fn collection_questions_name_their_term_and_year() {
        check(&[
            (
                "how much have we collected this term?",
                collected(None, None),
            ),
            (
                "collections for term 2 2025",
                collected(Some(2), Some(2025)),
            ),
            ("tumekusanya kiasi gani term hii?", collected(None, None)),
            (
                "How much did we collect in T1 2026?",
                collected(Some(1), Some(2026)),
            ),
            (
                "total fees collected in the first term of 2025",
                collected(Some(1), Some(2025)),
            ),
            (
                "makusanyo ya muhula wa tatu mwaka jana",
                collected(Some(3), Some(2025)),
            ),
            (
                "how much have we received this year",
                collected(None, Some(2026)),
            ),
            ("show collections, term three", collected(Some(3), None)),
            ("collections for Grade 4 East this term", Parsed::Unknown),
            (
                "how much have we collected via mpesa this term?",
                Parsed::Unknown,
            ),
        ]);
    }

    #[test]
    fn a_missing_required_piece_is_named() {
        check(&[
            (
                "record a payment for ADM-1",
                incomplete(RECORD_PAYMENT, &["amount"]),
            ),
            (
                "lipa elfu tano kwa ADM-2025-001",
                incomplete(RECORD_PAYMENT, &["amount"]),
            ),
            (
                "record payment of 10000.505 for ADM-2025-001 cash",
                incomplete(RECORD_PAYMENT, &["amount"]),
            ),
            (
                "record payment of 1,00,000 for ADM-2025-001 cash",
                incomplete(RECORD_PAYMENT, &["amount"]),
            ),
            ("paid 5000 cash", incomplete(RECORD_PAYMENT, &["student"])),
            (
                "record a payment",
                incomplete(RECORD_PAYMENT, &["student", "amount"]),
            ),
            (
                "paid 5000 via mpesa for ADM-2025-001",
                incomplete(RECORD_PAYMENT, &["txn_ref"]),
            ),
            (
                "received 0 for ADM-2025-001 cash",
                incomplete(RECORD_PAYMENT, &["amount"]),
            ),
            (
                "generate invoices for term 2",
                incomplete(GENERATE_INVOICES, &["target"]),
            ),
            (
                "generate invoices for Grade 4 East for last term",
                incomplete(GENERATE_INVOICES, &["term"]),
            ),
            (
                "bill Grade 4 East for term 4",
                incomplete(GENERATE_INVOICES, &["term"]),
            ),
            (
                "what did we collect last term?",
                incomplete(COLLECTIONS, &["term"]),
            ),
            (
                "how much did we collect in 1999",
                incomplete(COLLECTIONS, &["year"]),
            ),
            ("class balance", incomplete(CLASS_BALANCE, &["class"])),
            (
                "what is the balance?",
                incomplete(STUDENT_BALANCE, &["student"]),
            ),
        ]);
    }

    #[test]
    fn whole_message_replies_confirm_or_cancel_a_preview() {
        for text in [
            "yes",
            "Yes.",
            "CONFIRM",
            "ndio",
            "Ndiyo!",
            "sawa",
            "go ahead",
            "ok",
            "OK!!",
            "  okay  ",
            "Yes, go ahead.",
        ] {
            assert_eq!(parse(text, today()), Parsed::Confirm, "{text:?}");
        }
        for text in [
            "no",
            "No!",
            "cancel",
            "hapana",
            "stop",
            "acha",
            "Cancel.",
            "don't",
            "never mind",
        ] {
            assert_eq!(parse(text, today()), Parsed::Cancel, "{text:?}");
        }
        assert_eq!(
            parse("yes, and bill Grade 5 West too", today()),
            invoices(class("Grade 5 West"), None, None, &[]),
        );
    }

    #[test]
    fn chatter_and_questions_outside_the_actions_are_unknown() {
        for text in [
            "hello, who are you?",
            "write a poem about exams",
            "",
            "   ",
            "did Jane pay 10k for John?",
            "has ADM-2025-001 paid?",
            "how many invoices did we issue?",
            "habari yako",
            "what is CBC?",
        ] {
            assert_eq!(parse(text, today()), Parsed::Unknown, "{text:?}");
        }
    }

    #[test]
    fn amounts_are_read_as_kes_with_at_most_two_decimals() {
        let rows = [
            ("10000", Some("10000.00")),
            ("10,000", Some("10000.00")),
            ("10,000.50", Some("10000.50")),
            ("10k", Some("10000.00")),
            ("10K", Some("10000.00")),
            ("1.25k", Some("1250.00")),
            ("ksh5000", Some("5000.00")),
            ("Sh.5,000", Some("5000.00")),
            ("KES1,234,567.8", Some("1234567.80")),
            ("10000/=", Some("10000.00")),
            ("10,000/-", Some("10000.00")),
            ("1.005", None),
            ("1,00,000", None),
            ("10,00", None),
            ("1.2345k", None),
            ("0", None),
        ];
        for (text, expected) in rows {
            let read = read_amount(text).expect("written like an amount");
            assert_eq!(
                read.money.map(|m| m.to_string()).as_deref(),
                expected,
                "{text:?}"
            );
        }
        for text in ["ADM-2025-001", "QKH94M1Z11", "lunch", "k"] {
            assert!(read_amount(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn admission_numbers_are_told_from_other_numbered_words() {
        for text in ["ADM-2025-001", "adm-1", "2025/014", "A1234", "S/2024/77"] {
            assert!(is_admission_no(text), "{text:?}");
        }
        for text in [
            "10000",
            "10k",
            "PP1",
            "t2",
            "2nd",
            "INV-2026-00001",
            "12/05/2026",
            "ksh500",
            "1/2",
        ] {
            assert!(!is_admission_no(text), "{text:?}");
        }
    }

    #[test]
    fn arguments_serialise_as_snake_case_json_with_amounts_as_strings() {
        let parsed = parse(
            "record payment of 10000 for ADM-2025-001 via MPESA ref QKH94M1Z11",
            today(),
        );
        let json = serde_json::to_value(&parsed).expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "intent",
                "intent": "record_payment",
                "student": {"admission_no": "ADM-2025-001"},
                "amount": "10000.00",
                "method": "MPESA",
                "txn_ref": "QKH94M1Z11",
                "invoice_number": null,
            })
        );
        let json = serde_json::to_value(parse("send email reminders to parents", today()))
            .expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({"kind": "intent", "intent": "notify_balances", "channel": "EMAIL", "class": null})
        );
        let json = serde_json::to_value(parse("record a payment for ADM-1", today()))
            .expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({"kind": "incomplete", "intent": "record_payment", "missing": ["amount"]})
        );
    }

    #[test]
    fn intent_names_match_their_json_tag() {
        for text in [
            "bill ADM-2025-001",
            "lipa 5000 kwa ADM-2025-001 cash",
            "notify guardians",
            "salio la ADM-2025-001",
            "deni la Grade 4 East",
            "collections for term 2",
        ] {
            let Parsed::Intent(intent) = parse(text, today()) else {
                panic!("{text:?} is not an intent");
            };
            let json = serde_json::to_value(&intent).expect("serialisable");
            assert_eq!(json["intent"], intent.name(), "{text:?}");
        }
    }
}
