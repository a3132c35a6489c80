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

/// The text of a one-page PDF, read back with a PDF parser.
pub fn pdf_text(pdf: &[u8]) -> String {
    let pages = pdf_pages(pdf);
    assert_eq!(pages.len(), 1, "this receipt is one page");
    pages.into_iter().next().unwrap()
}

/// The text of each of a PDF's pages, in order.
pub fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    let document = lopdf::Document::load_mem(pdf).expect("the receipt is a PDF that parses");
    let count = document.get_pages().len() as u32;
    (1..=count)
        .map(|page| document.extract_text(&[page]).unwrap())
        .collect()
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

/// A county bursary's payment for 60 pupils, 7,500 each.
fn sixty_pupils(reversed: bool) -> SponsorReceipt {
    pupils(60, reversed)
}

/// A sponsor's payment for `count` pupils, 7,500 each.
fn pupils(count: u32, reversed: bool) -> SponsorReceipt {
    let mut receipt = fixed_sponsor_receipt(reversed);
    let template = receipt.allocation[0].clone();
    receipt.allocation = (1..=count)
        .map(|n| SponsorReceiptAllocation {
            student_name: format!("Pupil Number {n}"),
            admission_no: format!("ADM-2025-{n:03}"),
            invoice_number: format!("INV-2026-{:05}", 100 + n),
            ..template.clone()
        })
        .collect();
    receipt.amount = Money::parse(&format!("{}.00", 7500 * count)).unwrap();
    receipt.amount_in_words = in_words(receipt.amount);
    receipt
}

#[test]
fn a_sponsor_receipt_for_sixty_pupils_continues_onto_numbered_pages_listing_each_pupil_once() {
    let pdf = api::receipt_pdf::render_sponsor(&sixty_pupils(false));
    if let Ok(path) = std::env::var("SCHOOLOPS_WRITE_LONG_RECEIPT") {
        std::fs::write(path, &pdf).unwrap();
    }
    let pages = pdf_pages(&pdf);
    let count = pages.len();
    assert!(count > 1, "60 rows do not fit one A5 page");
    for (i, text) in pages.iter().enumerate() {
        let number = i + 1;
        assert!(
            text.contains(&format!("Page {number} of {count}")),
            "page {number}:\n{text}"
        );
        assert!(text.contains("Imara Academy"), "page {number}:\n{text}");
        // The table's headings are on every page with rows.
        assert!(text.contains("Applied (KES)"), "page {number}:\n{text}");
        if number > 1 {
            assert!(
                text.contains("No. RCT-2026-00043 (continued)"),
                "page {number}:\n{text}"
            );
        }
    }
    let all = pages.concat();
    for n in 1..=60 {
        let admission = format!("(ADM-2025-{n:03})");
        assert_eq!(all.matches(&admission).count(), 1, "{admission} in:\n{all}");
    }
    let last = pages.last().unwrap();
    let words: Vec<&str> = all.split_whitespace().collect();
    let totals: Vec<usize> = (0..words.len()).filter(|&i| words[i] == "Total").collect();
    assert_eq!(totals.len(), 1, "one Total line:\n{all}");
    assert_eq!(words[totals[0] + 1], "450,000.00");
    assert!(
        last.contains("Total"),
        "the total is on the last page:\n{last}"
    );
    assert!(last.contains("Sponsor still owes"), "{last}");
    assert!(last.contains("Thank you. Keep this receipt."), "{last}");
    assert!(
        pages[..count - 1]
            .iter()
            .all(|page| !page.contains("Thank you") && !page.contains("still owes")),
        "the closing lines come once, after the last row"
    );
}

#[test]
fn a_reversed_long_sponsor_receipt_says_reversed_on_every_page() {
    let pdf = api::receipt_pdf::render_sponsor(&sixty_pupils(true));
    if let Ok(path) = std::env::var("SCHOOLOPS_WRITE_REVERSED_LONG_RECEIPT") {
        std::fs::write(path, &pdf).unwrap();
    }
    let pages = pdf_pages(&pdf);
    assert!(pages.len() > 1);
    assert!(
        pages[0].contains("reversed on 11 Feb 2026: EFT recalled by the county"),
        "{}",
        pages[0]
    );
    for (i, text) in pages.iter().enumerate() {
        assert!(text.contains("REVERSED"), "page {}:\n{text}", i + 1);
    }
}

#[test]
fn a_long_family_receipt_that_fits_stays_one_page() {
    let mut receipt = fixed_receipt(PostingStatus::Reversed);
    let template = receipt.allocation[0].clone();
    receipt.allocation = (1..=6)
        .map(|n| ReceiptAllocation {
            invoice_number: format!("INV-2026-{n:05}"),
            term: 1 + n % 3,
            // 6 x 3,250 and 500 held as credit: the 20,000 paid.
            amount: Money::parse("3250.00").unwrap(),
            ..template.clone()
        })
        .collect();
    let pdf = api::receipt_pdf::render(&receipt);
    if let Ok(path) = std::env::var("SCHOOLOPS_WRITE_FAMILY_RECEIPT") {
        std::fs::write(path, &pdf).unwrap();
    }
    let text = pdf_text(&pdf);
    assert!(text.contains("Page 1 of 1"), "{text}");
    assert!(text.contains("INV-2026-00006"), "{text}");
    assert!(text.contains("Thank you. Keep this receipt."), "{text}");
    assert!(!text.contains("(continued)"), "{text}");
}

#[test]
fn however_many_pupils_the_total_follows_the_last_row_and_no_row_is_lost() {
    for count in 1..=90 {
        let pages = pdf_pages(&api::receipt_pdf::render_sponsor(&pupils(
            count,
            count % 2 == 0,
        )));
        let all = pages.concat();
        for n in 1..=count {
            let admission = format!("(ADM-2025-{n:03})");
            assert_eq!(
                all.matches(&admission).count(),
                1,
                "{count} pupils: {admission}"
            );
        }
        let last = pages.last().unwrap();
        let closing = last.find("Total").expect("the total is on the last page");
        let last_row = format!("(ADM-2025-{count:03})");
        assert!(
            last.find(&last_row).is_some_and(|row| row < closing),
            "{count} pupils: the last row is on the last page, above the total:\n{last}"
        );
        assert_eq!(all.matches("Total").count(), 1, "{count} pupils");
        let of = format!(" of {}", pages.len());
        assert!(
            pages.iter().all(|page| page.contains(&of)),
            "{count} pupils"
        );
    }
}
