//! A receipt as a printable A5 PDF: the same facts as the JSON, set in the
//! PDF's built-in Helvetica (no font files), one page.

use chrono::{DateTime, Utc};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use shared::domain::{
    money::Money,
    payment::{
        PostingStatus,
        receipt::{Receipt, balance_words},
    },
};

/// A5 portrait, in points.
const WIDTH: f32 = 420.0;
const HEIGHT: f32 = 595.0;
const MARGIN: f32 = 36.0;
const RIGHT: f32 = WIDTH - MARGIN;

const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");

/// The receipt's PDF.
pub fn render(receipt: &Receipt) -> Vec<u8> {
    let mut page = Page {
        content: Content::new(),
        y: 0.0,
    };
    let reversed = receipt.status == PostingStatus::Reversed;
    let school = &receipt.school;

    page.y = HEIGHT - MARGIN - 10.0;
    page.centred(BOLD, 16.0, &school.name);
    for line in [&school.address, &school.contact].into_iter().flatten() {
        page.y -= 13.0;
        page.centred(REGULAR, 9.0, line);
    }
    if let Some(paybill) = &school.paybill {
        page.y -= 13.0;
        page.centred(REGULAR, 9.0, &format!("M-Pesa Paybill {paybill}"));
    }
    page.y -= 12.0;
    page.rule(1.0);

    page.y -= 24.0;
    page.text(MARGIN, BOLD, 14.0, "OFFICIAL RECEIPT");
    page.right(BOLD, 11.0, &format!("No. {}", receipt.receipt_no));
    page.y -= 14.0;
    page.right(REGULAR, 9.0, &format!("Date: {}", day(receipt.issued_at)));

    if reversed {
        page.y -= 34.0;
        page.content
            .set_fill_rgb(0.75, 0.0, 0.0)
            .set_stroke_rgb(0.75, 0.0, 0.0)
            .set_line_width(2.0)
            .rect(MARGIN, page.y - 8.0, RIGHT - MARGIN, 32.0)
            .stroke();
        page.centred(BOLD, 20.0, "REVERSED");
        page.content
            .set_fill_rgb(0.0, 0.0, 0.0)
            .set_stroke_rgb(0.0, 0.0, 0.0);
        let when = receipt.reversed_at.map(day).unwrap_or_default();
        let why = receipt.reversal_reason.as_deref().unwrap_or("");
        page.y -= 24.0;
        page.wrapped(
            MARGIN,
            REGULAR,
            9.0,
            &format!("This payment was reversed on {when}: {why}. It no longer counts as paid."),
        );
    }

    page.y -= 28.0;
    let student = &receipt.student;
    page.field("Received for", &student.name);
    page.field("Admission no.", &student.admission_no);
    page.field("Class", student.class.as_deref().unwrap_or("-"));
    page.y -= 6.0;
    page.field_bold("Amount", &receipt.amount.kes());
    page.wrapped(FIELD_X, REGULAR, 9.0, &receipt.amount_in_words);
    page.y -= 14.0;
    page.field("Paid by", &capitalised(receipt.method.spoken()));
    page.field("Reference", receipt.txn_ref.as_deref().unwrap_or("-"));
    page.field("Paid on", &day(receipt.paid_at));

    page.y -= 10.0;
    page.text(MARGIN, BOLD, 10.0, "Invoice");
    page.text(MARGIN + 150.0, BOLD, 10.0, "Term");
    page.right(BOLD, 10.0, "Applied (KES)");
    page.y -= 5.0;
    page.rule(0.5);
    for line in &receipt.allocation {
        page.y -= 14.0;
        page.text(MARGIN, REGULAR, 10.0, &line.invoice_number);
        page.text(
            MARGIN + 150.0,
            REGULAR,
            10.0,
            &format!("Term {} {}", line.term, line.year),
        );
        page.right(REGULAR, 10.0, &figures(line.amount));
    }
    if receipt.credit > Money::ZERO {
        page.y -= 14.0;
        page.text(MARGIN, REGULAR, 10.0, "Held as credit");
        page.right(REGULAR, 10.0, &figures(receipt.credit));
    }
    page.y -= 5.0;
    page.rule(0.5);
    page.y -= 14.0;
    page.text(MARGIN, BOLD, 10.0, "Total");
    page.right(BOLD, 10.0, &figures(receipt.amount));

    page.y -= 26.0;
    let balance = if reversed {
        format!(
            "{} (after this payment, before its reversal)",
            balance_words(receipt.balance_after)
        )
    } else {
        balance_words(receipt.balance_after)
    };
    page.text(MARGIN, BOLD, 11.0, &balance);

    page.y = MARGIN + 14.0;
    page.rule(0.5);
    page.y -= 12.0;
    page.text(
        MARGIN,
        REGULAR,
        7.0,
        &format!("Payment {}", receipt.payment_id),
    );
    page.right(REGULAR, 7.0, "Thank you. Keep this receipt.");
    page.finish()
}

/// Where a field's value starts.
const FIELD_X: f32 = MARGIN + 90.0;

struct Page {
    content: Content,
    y: f32,
}

impl Page {
    fn text(&mut self, x: f32, font: Name, size: f32, text: &str) {
        let bytes = win_ansi(text);
        self.content
            .begin_text()
            .set_font(font, size)
            .next_line(x, self.y)
            .show(Str(&bytes))
            .end_text();
    }

    fn right(&mut self, font: Name, size: f32, text: &str) {
        let x = RIGHT - width(font, size, text);
        self.text(x, font, size, text);
    }

    fn centred(&mut self, font: Name, size: f32, text: &str) {
        let x = (WIDTH - width(font, size, text)) / 2.0;
        self.text(x.max(MARGIN), font, size, text);
    }

    fn field(&mut self, label: &str, value: &str) {
        self.text(MARGIN, REGULAR, 10.0, label);
        self.text(FIELD_X, REGULAR, 10.0, value);
        self.y -= 15.0;
    }

    fn field_bold(&mut self, label: &str, value: &str) {
        self.text(MARGIN, REGULAR, 10.0, label);
        self.text(FIELD_X, BOLD, 13.0, value);
        self.y -= 14.0;
    }

    /// Text broken into lines that fit between `x` and the right margin.
    fn wrapped(&mut self, x: f32, font: Name, size: f32, text: &str) {
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && width(font, size, &candidate) > RIGHT - x {
                self.text(x, font, size, &line);
                self.y -= size + 3.0;
                line = word.to_string();
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            self.text(x, font, size, &line);
        }
    }

    fn rule(&mut self, weight: f32) {
        self.content
            .set_line_width(weight)
            .move_to(MARGIN, self.y)
            .line_to(RIGHT, self.y)
            .stroke();
    }

    fn finish(self) -> Vec<u8> {
        let catalog = Ref::new(1);
        let pages = Ref::new(2);
        let page = Ref::new(3);
        let regular = Ref::new(4);
        let bold = Ref::new(5);
        let contents = Ref::new(6);
        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(pages);
        pdf.pages(pages).kids([page]).count(1);
        let mut p = pdf.page(page);
        p.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .parent(pages)
            .contents(contents);
        p.resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        p.finish();
        for (id, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
            pdf.type1_font(id)
                .base_font(Name(name.as_bytes()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.stream(contents, &self.content.finish());
        pdf.finish()
    }
}

/// "1 Mar 2026", in Nairobi.
fn day(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Africa::Nairobi)
        .format("%-d %b %Y")
        .to_string()
}

/// "18,500.00": the amount without the currency, for the table.
fn figures(amount: Money) -> String {
    amount.kes().trim_start_matches("KES ").to_string()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The text in WinAnsi (Latin-1 for what a receipt holds); anything
/// outside it prints as "?".
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match u32::from(c) {
            code @ (0x20..=0x7e | 0xa0..=0xff) => code as u8,
            _ => b'?',
        })
        .collect()
}

/// Width of `text` in points, from Helvetica's metrics (per 1000 em).
fn width(font: Name, size: f32, text: &str) -> f32 {
    let table = if font == BOLD {
        &BOLD_WIDTHS
    } else {
        &REGULAR_WIDTHS
    };
    let units: u32 = win_ansi(text)
        .iter()
        .map(|b| match b {
            0x20..=0x7e => u32::from(table[usize::from(b - 0x20)]),
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// Helvetica, characters 0x20 to 0x7e (Adobe's AFM).
const REGULAR_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Helvetica-Bold, characters 0x20 to 0x7e (Adobe's AFM).
const BOLD_WIDTHS: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];
