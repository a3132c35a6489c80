//! The receipt's page, rendered from fixed facts without a database: its
//! text read back with a PDF parser.

use chrono::{TimeZone, Utc};
use shared::domain::{
    money::Money,
    payment::{
        Method, PostingStatus,
        receipt::{Receipt, ReceiptAllocation, ReceiptSchool, ReceiptStudent, in_words},
    },
    sponsor::receipt::{ReceiptSponsor, SponsorReceipt, SponsorReceiptAllocation},
};
use uuid::Uuid;

/// The text of a PDF's first page, read back with a PDF parser.
pub fn pdf_text(pdf: &[u8]) -> String {
    let document = lopdf::Document::load_mem(pdf).expect("the receipt is a PDF that parses");
    assert_eq!(document.get_pages().len(), 1, "a receipt is one page");
    document.extract_text(&[1]).unwrap()
}

/// Fixed facts, rendered: the page's text is the fixture's
/// (api/tests/fixtures/receipt.txt), so a change to the page is seen in
/// review.
fn fixed_receipt(status: PostingStatus) -> Receipt {
    let amount = Money::parse("20000.00").unwrap();
    Receipt {
        receipt_no: "RCT-2026-00042".into(),
        issued_at: Utc.with_ymd_and_hms(2026, 2, 3, 7, 15, 0).unwrap(),
        status,
        reversed_at: (status == PostingStatus::Reversed)
            .then(|| Utc.with_ymd_and_hms(2026, 2, 10, 9, 0, 0).unwrap()),
        reversal_reason: (status == PostingStatus::Reversed)
            .then(|| "Cheque returned unpaid".to_string()),
        school: ReceiptSchool {
            name: "Imara Academy".into(),
            address: Some("Kiambu Road, Ruaka".into()),
            contact: Some("+254 722 000 123".into()),
            paybill: Some("522533".into()),
        },
        student: ReceiptStudent {
            id: Uuid::nil(),
            name: "Amani Otieno".into(),
            admission_no: "ADM-2025-001".into(),
            class: Some("Grade 4 East".into()),
        },
        payment_id: Uuid::nil(),
        amount,
        amount_in_words: in_words(amount),
        method: Method::Mpesa,
        txn_ref: Some("QKH94M1Z11".into()),
        paid_at: Utc.with_ymd_and_hms(2026, 2, 3, 6, 0, 0).unwrap(),
        allocation: vec![
            ReceiptAllocation {
                invoice_id: Uuid::nil(),
                invoice_number: "INV-2026-00007".into(),
                term: 1,
                year: 2026,
                amount: Money::parse("18500.00").unwrap(),
            },
            ReceiptAllocation {
                invoice_id: Uuid::nil(),
                invoice_number: "INV-2026-00031".into(),
                term: 2,
                year: 2026,
                amount: Money::parse("1000.00").unwrap(),
            },
        ],
        credit: Money::parse("500.00").unwrap(),
        balance_after: Money::parse("-500.00").unwrap(),
    }
}

#[test]
fn a_rendered_receipt_reads_as_the_fixture() {
    let pdf = api::receipt_pdf::render(&fixed_receipt(PostingStatus::Posted));
    let text = pdf_text(&pdf);
    // The fixture is `pdftotext -layout` of this page; the words, in
    // reading order, are what a parent reads.
    let fixture = include_str!("../fixtures/receipt.txt");
    let words = |t: &str| -> Vec<String> { t.split_whitespace().map(str::to_string).collect() };
    assert_eq!(words(&text), words(fixture), "rendered:\n{text}");
}

#[test]
fn a_rendered_reversed_receipt_says_reversed() {
    let text = pdf_text(&api::receipt_pdf::render(&fixed_receipt(
        PostingStatus::Reversed,
    )));
    assert!(text.contains("REVERSED"), "{text}");
    assert!(
        text.contains("reversed on 10 Feb 2026: Cheque returned unpaid"),
        "{text}"
    );
}

/// A sponsor's payment for three pupils, one with a name too long for its
/// column.
fn fixed_sponsor_receipt(reversed: bool) -> SponsorReceipt {
    let amount = Money::parse("22500.00").unwrap();
    let line = |name: &str, adm: &str, number: &str, amount: &str| SponsorReceiptAllocation {
        student_id: Uuid::nil(),
        student_name: name.into(),
        admission_no: adm.into(),
        invoice_id: Uuid::nil(),
        invoice_number: number.into(),
        term: 1,
        year: 2026,
        amount: Money::parse(amount).unwrap(),
    };
    SponsorReceipt {
        receipt_no: "RCT-2026-00043".into(),
        issued_at: Utc.with_ymd_and_hms(2026, 2, 4, 7, 15, 0).unwrap(),
        status: if reversed {
            PostingStatus::Reversed
        } else {
            PostingStatus::Posted
        },
        reversed_at: reversed.then(|| Utc.with_ymd_and_hms(2026, 2, 11, 9, 0, 0).unwrap()),
        reversal_reason: reversed.then(|| "EFT recalled by the county".to_string()),
        school: fixed_receipt(PostingStatus::Posted).school,
        sponsor: ReceiptSponsor {
            id: Uuid::nil(),
            name: "Nairobi County Bursary".into(),
            contact: Some("0722000111".into()),
        },
        sponsor_payment_id: Uuid::nil(),
        amount,
        amount_in_words: in_words(amount),
        method: Method::Bank,
        txn_ref: Some("EFT-2026-0314".into()),
        paid_at: Utc.with_ymd_and_hms(2026, 2, 4, 6, 0, 0).unwrap(),
        allocation: vec![
            line("Amani Otieno", "ADM-2025-001", "INV-2026-00007", "7500.00"),
            line(
                "Baraka Wanjiru",
                "ADM-2025-002",
                "INV-2026-00008",
                "7500.00",
            ),
            line(
                "Christabel Nyambura Wairimu-Kamau",
                "ADM-2025-003",
                "INV-2026-00009",
                "7500.00",
            ),
        ],
        owed_after: Money::parse("15000.00").unwrap(),
    }
}

#[test]
fn a_rendered_sponsor_receipt_is_received_from_the_sponsor_and_lists_the_students() {
    let pdf = api::receipt_pdf::render_sponsor(&fixed_sponsor_receipt(false));
    if let Ok(path) = std::env::var("SCHOOLOPS_WRITE_RECEIPT") {
        std::fs::write(path, &pdf).unwrap();
    }
    let text = pdf_text(&pdf);
    for expected in [
        "OFFICIAL RECEIPT",
        "No. RCT-2026-00043",
        "Received from",
        "Nairobi County Bursary",
        "0722000111",
        "Twenty-two thousand five hundred shillings only",
        "Amani Otieno (ADM-2025-001)",
        "Baraka Wanjiru (ADM-2025-002)",
        "(ADM-2025-003)",
        "INV-2026-00009 Term 1",
        "Sponsor still owes: KES 15,000.00",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains("REVERSED"), "{text}");
    let reversed = pdf_text(&api::receipt_pdf::render_sponsor(&fixed_sponsor_receipt(
        true,
    )));
    assert!(
        reversed.contains("reversed on 11 Feb 2026: EFT recalled by the county"),
        "{reversed}"
    );
}
