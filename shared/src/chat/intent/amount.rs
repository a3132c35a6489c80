//! Amounts in KES: `10k`, `10,000`, `KES 10,000.50`, `sh 5000`, `500/=`.

use std::ops::Range;

use crate::domain::money::Money;

use super::words::Words;

/// An amount as written: `None` when it is written like one but is not a
/// positive KES amount with at most two decimals ("1.005", "10,00").
pub(super) struct Amount {
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
pub(super) fn read_amount(word: &str) -> Option<Amount> {
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
pub(super) fn take_amount(w: &mut Words) -> Option<Money> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn amounts_are_read_as_kes_with_at_most_two_decimals() {
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
}
