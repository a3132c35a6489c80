//! Phrasings of the writes: invoices, payments and reminders.

use super::*;

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
