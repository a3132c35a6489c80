//! A receipt as a printable A5 PDF: the same facts as the JSON, set in the
//! PDF's built-in Helvetica (no font files). A family's receipt and a
//! sponsor's are drawn by one renderer (`Sheet`). When the allocation table
//! would cross the bottom margin it continues on further pages, each with a
//! short header and the table's headings; the totals, balance and closing
//! words follow the last row. Every page says "Page N of M".

use chrono::{DateTime, Utc};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use shared::domain::{
    money::Money,
    payment::{
        Method, PostingStatus,
        receipt::{Receipt, ReceiptSchool, balance_words},
    },
    sponsor::receipt::{SponsorReceipt, owed_words},
};

/// A5 portrait, in points.
const WIDTH: f32 = 420.0;
const HEIGHT: f32 = 595.0;
const MARGIN: f32 = 36.0;
const RIGHT: f32 = WIDTH - MARGIN;

const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");

/// A family payment's receipt as a PDF.
pub fn render(receipt: &Receipt) -> Vec<u8> {
    let reversed = receipt.status == PostingStatus::Reversed;
    let student = &receipt.student;
    let mut rows: Vec<[String; 3]> = receipt
        .allocation
        .iter()
        .map(|line| {
            [
                line.invoice_number.clone(),
                format!("Term {} {}", line.term, line.year),
                figures(line.amount),
            ]
        })
        .collect();
    if receipt.credit > Money::ZERO {
        rows.push([
            "Held as credit".into(),
            String::new(),
            figures(receipt.credit),
        ]);
    }
    Sheet {
        school: &receipt.school,
        receipt_no: &receipt.receipt_no,
        issued_at: receipt.issued_at,
        reversed: reversal(receipt.reversed_at, receipt.reversal_reason.as_deref()),
        parties: vec![
            ("Received for", student.name.clone()),
            ("Admission no.", student.admission_no.clone()),
            ("Class", student.class.clone().unwrap_or_else(|| "-".into())),
        ],
        amount: receipt.amount,
        amount_in_words: &receipt.amount_in_words,
        method: receipt.method,
        txn_ref: receipt.txn_ref.as_deref(),
        paid_at: receipt.paid_at,
        columns: ["Invoice", "Term", "Applied (KES)"],
        second_x: MARGIN + 150.0,
        rows,
        balance: after(reversed, balance_words(receipt.balance_after)),
        footer: format!("Payment {}", receipt.payment_id),
    }
    .render()
}

/// A sponsor payment's receipt as a PDF: received from the sponsor, with
/// the students and invoices it paid for.
pub fn render_sponsor(receipt: &SponsorReceipt) -> Vec<u8> {
    let reversed = receipt.status == PostingStatus::Reversed;
    let sponsor = &receipt.sponsor;
    let rows = receipt
        .allocation
        .iter()
        .map(|line| {
            // The admission number stays whole; a long name gives way.
            let admission = format!(" ({})", line.admission_no);
            let room = SPONSOR_SECOND_X - MARGIN - 6.0 - width(REGULAR, 10.0, &admission);
            [
                format!(
                    "{}{admission}",
                    clipped(REGULAR, 10.0, &line.student_name, room)
                ),
                format!("{} Term {}", line.invoice_number, line.term),
                figures(line.amount),
            ]
        })
        .collect();
    Sheet {
        school: &receipt.school,
        receipt_no: &receipt.receipt_no,
        issued_at: receipt.issued_at,
        reversed: reversal(receipt.reversed_at, receipt.reversal_reason.as_deref()),
        parties: vec![
            ("Received from", sponsor.name.clone()),
            (
                "Contact",
                sponsor.contact.clone().unwrap_or_else(|| "-".into()),
            ),
        ],
        amount: receipt.amount,
        amount_in_words: &receipt.amount_in_words,
        method: receipt.method,
        txn_ref: receipt.txn_ref.as_deref(),
        paid_at: receipt.paid_at,
        columns: ["Student", "Invoice", "Applied (KES)"],
        second_x: SPONSOR_SECOND_X,
        rows,
        balance: after(reversed, owed_words(receipt.owed_after)),
        footer: format!("Sponsor payment {}", receipt.sponsor_payment_id),
    }
    .render()
}

fn reversal(at: Option<DateTime<Utc>>, reason: Option<&str>) -> Option<(DateTime<Utc>, &str)> {
    at.map(|at| (at, reason.unwrap_or("")))
}

/// The balance line; a reversed payment's says it is as the payment left it.
fn after(reversed: bool, balance: String) -> String {
    if reversed {
        format!("{balance} (after this payment, before its reversal)")
    } else {
        balance
    }
}

/// What a receipt page shows, whoever paid: family and sponsor receipts
/// are both drawn by `Sheet::render`.
struct Sheet<'a> {
    school: &'a ReceiptSchool,
    receipt_no: &'a str,
    issued_at: DateTime<Utc>,
    /// When and why, for a reversed payment.
    reversed: Option<(DateTime<Utc>, &'a str)>,
    /// Who paid or was paid for, above the amount: (label, value).
    parties: Vec<(&'static str, String)>,
    amount: Money,
    amount_in_words: &'a str,
    method: Method,
    txn_ref: Option<&'a str>,
    paid_at: DateTime<Utc>,
    /// The allocation table's headings and rows: two texts and an amount.
    columns: [&'static str; 3],
    /// Where the second column starts.
    second_x: f32,
    rows: Vec<[String; 3]>,
    balance: String,
    footer: String,
}

/// Where a sponsor receipt's invoice column starts: its student column
/// holds a name and an admission number.
const SPONSOR_SECOND_X: f32 = MARGIN + 180.0;

/// One allocation row's height.
const ROW: f32 = 14.0;
/// Where the footer's rule sits.
const FOOTER_RULE: f32 = MARGIN + 24.0;
/// The lowest a table row or the closing lines may sit: clear of the footer.
const FLOOR: f32 = FOOTER_RULE + 14.0;
/// The font size of the closing line ("Balance due: ..."), in PDF points:
/// page layout, not money (amounts reach the page as formatted text).
const BALANCE_LINE_FONT_PT: f32 = 11.0;

impl Sheet<'_> {
    fn render(&self) -> Vec<u8> {
        // The page count changes no position: lay out once to count the
        // pages, then again to number them.
        let count = self.pages(0).len();
        finish(self.pages(count))
    }

    /// The pages' contents, numbered "of `count`".
    fn pages(&self, count: usize) -> Vec<Content> {
        let mut done: Vec<Content> = Vec::new();
        let mut page = Page::new();
        self.first_header(&mut page);
        self.headings(&mut page);
        // The last row keeps the closing lines company, never left alone.
        let closing = self.closing_height();
        for (i, row) in self.rows.iter().enumerate() {
            let last = i + 1 == self.rows.len();
            let need = if last { ROW + closing } else { ROW };
            if page.y - need < FLOOR {
                self.footer(&mut page, done.len() + 1, count);
                done.push(page.content);
                page = Page::new();
                self.continued_header(&mut page, done.len() + 1, count);
                self.headings(&mut page);
            }
            page.y -= ROW;
            self.row(&mut page, row);
        }
        self.closing(&mut page);
        self.footer(&mut page, done.len() + 1, count);
        done.push(page.content);
        done
    }

    /// The first page's top: the school, the receipt's number, a reversal,
    /// who paid and how.
    fn first_header(&self, page: &mut Page) {
        let school = self.school;
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
        page.right(BOLD, 11.0, &format!("No. {}", self.receipt_no));
        page.y -= 14.0;
        page.right(REGULAR, 9.0, &format!("Date: {}", day(self.issued_at)));

        if let Some((when, why)) = self.reversed {
            page.y -= 34.0;
            page.red();
            page.content
                .set_line_width(2.0)
                .rect(MARGIN, page.y - 8.0, RIGHT - MARGIN, 32.0)
                .stroke();
            page.centred(BOLD, 20.0, "REVERSED");
            page.black();
            page.y -= 24.0;
            page.wrapped(
                MARGIN,
                REGULAR,
                9.0,
                &format!(
                    "This payment was reversed on {}: {why}. It no longer counts as paid.",
                    day(when)
                ),
            );
        }

        page.y -= 28.0;
        for (label, value) in &self.parties {
            page.field(label, value);
        }
        page.y -= 6.0;
        page.field_bold("Amount", &self.amount.kes());
        page.wrapped(FIELD_X, REGULAR, 9.0, self.amount_in_words);
        page.y -= 14.0;
        page.field("Paid by", &capitalised(self.method.spoken()));
        page.field("Reference", self.txn_ref.unwrap_or("-"));
        page.field("Paid on", &day(self.paid_at));
        page.y -= 10.0;
    }

    /// A further page's top: the school, the receipt's number (continued),
    /// the page, and a reversed payment's mark.
    fn continued_header(&self, page: &mut Page, number: usize, count: usize) {
        page.y = HEIGHT - MARGIN - 10.0;
        page.centred(BOLD, 16.0, &self.school.name);
        page.y -= 12.0;
        page.rule(1.0);

        page.y -= 22.0;
        page.text(MARGIN, BOLD, 11.0, "OFFICIAL RECEIPT");
        page.right(BOLD, 11.0, &format!("No. {} (continued)", self.receipt_no));
        page.y -= 14.0;
        page.right(REGULAR, 9.0, &page_of(number, count));
        if self.reversed.is_some() {
            page.red();
            page.content
                .set_line_width(1.5)
                .rect(
                    MARGIN,
                    page.y - 4.0,
                    width(BOLD, 10.0, "REVERSED") + 12.0,
                    16.0,
                )
                .stroke();
            page.text(MARGIN + 6.0, BOLD, 10.0, "REVERSED");
            page.black();
        }
        page.y -= 24.0;
    }

    /// The allocation table's headings, under which its rows run.
    fn headings(&self, page: &mut Page) {
        let [first, second, amount] = self.columns;
        page.text(MARGIN, BOLD, 10.0, first);
        page.text(self.second_x, BOLD, 10.0, second);
        page.right(BOLD, 10.0, amount);
        page.y -= 5.0;
        page.rule(0.5);
    }

    fn row(&self, page: &mut Page, [first, second, amount]: &[String; 3]) {
        let room = self.second_x - MARGIN - 6.0;
        page.text(MARGIN, REGULAR, 10.0, &clipped(REGULAR, 10.0, first, room));
        if !second.is_empty() {
            page.text(self.second_x, REGULAR, 10.0, second);
        }
        page.right(REGULAR, 10.0, amount);
    }

    /// How far below the last row the closing lines reach.
    fn closing_height(&self) -> f32 {
        let lines = broken(BOLD, BALANCE_LINE_FONT_PT, &self.balance, RIGHT - MARGIN).len();
        5.0 + 14.0 + 26.0 + (lines.max(1) - 1) as f32 * (BALANCE_LINE_FONT_PT + 3.0)
    }

    /// After the last row: the total and the balance it leaves.
    fn closing(&self, page: &mut Page) {
        page.y -= 5.0;
        page.rule(0.5);
        page.y -= 14.0;
        page.text(MARGIN, BOLD, 10.0, "Total");
        page.right(BOLD, 10.0, &figures(self.amount));

        page.y -= 26.0;
        page.wrapped(MARGIN, BOLD, BALANCE_LINE_FONT_PT, &self.balance);
    }

    /// Every page's foot: the payment, the page, and on the last page the
    /// closing words (on the others, where the receipt goes on).
    fn footer(&self, page: &mut Page, number: usize, count: usize) {
        page.y = FOOTER_RULE;
        page.rule(0.5);
        page.y -= 12.0;
        page.text(MARGIN, REGULAR, 7.0, &self.footer);
        if number < count {
            page.right(REGULAR, 7.0, &format!("Continued on page {}", number + 1));
        } else {
            page.right(REGULAR, 7.0, "Thank you. Keep this receipt.");
        }
        page.y -= 12.0;
        page.centred(REGULAR, 7.0, &page_of(number, count));
    }
}

/// "Page 2 of 3".
fn page_of(number: usize, count: usize) -> String {
    format!("Page {number} of {count}")
}

/// The pages as one PDF document.
fn finish(pages: Vec<Content>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    // Each page is a page object and its content stream.
    let refs: Vec<(Ref, Ref)> = (0..pages.len() as i32)
        .map(|i| (Ref::new(5 + 2 * i), Ref::new(6 + 2 * i)))
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(refs.iter().map(|(page, _)| *page))
        .count(pages.len() as i32);
    for ((page, contents), content) in refs.into_iter().zip(pages) {
        let mut p = pdf.page(page);
        p.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .parent(tree)
            .contents(contents);
        p.resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        p.finish();
        pdf.stream(contents, &content.finish());
    }
    for (id, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.finish()
}

/// `text` cut to fit `room` points, ending "..." when cut.
fn clipped(font: Name, size: f32, text: &str, room: f32) -> String {
    if width(font, size, text) <= room {
        return text.to_string();
    }
    let mut cut: String = text.to_string();
    while !cut.is_empty() && width(font, size, &format!("{cut}...")) > room {
        cut.pop();
    }
    format!("{}...", cut.trim_end())
}

/// Where a field's value starts.
const FIELD_X: f32 = MARGIN + 90.0;

struct Page {
    content: Content,
    y: f32,
}

impl Page {
    fn new() -> Self {
        Page {
            content: Content::new(),
            y: HEIGHT - MARGIN,
        }
    }

    fn red(&mut self) {
        self.content
            .set_fill_rgb(0.75, 0.0, 0.0)
            .set_stroke_rgb(0.75, 0.0, 0.0);
    }

    fn black(&mut self) {
        self.content
            .set_fill_rgb(0.0, 0.0, 0.0)
            .set_stroke_rgb(0.0, 0.0, 0.0);
    }

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
        for (i, line) in broken(font, size, text, RIGHT - x).iter().enumerate() {
            if i > 0 {
                self.y -= size + 3.0;
            }
            self.text(x, font, size, line);
        }
    }

    fn rule(&mut self, weight: f32) {
        self.content
            .set_line_width(weight)
            .move_to(MARGIN, self.y)
            .line_to(RIGHT, self.y)
            .stroke();
    }
}

/// `text` broken at spaces into lines no wider than `room`.
fn broken(font: Name, size: f32, text: &str, room: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && width(font, size, &candidate) > room {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
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
