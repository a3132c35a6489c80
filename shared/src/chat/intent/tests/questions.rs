//! Phrasings of questions, of requests missing a piece, of replies to a
//! preview and of chatter; and the JSON the arguments serialise to.

use super::*;

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
