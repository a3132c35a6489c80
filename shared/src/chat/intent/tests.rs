//! The phrasing tables: each row a message as a bursar writes it and what
//! it must parse to.

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
    let json =
        serde_json::to_value(parse("record a payment for ADM-1", today())).expect("serialisable");
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
