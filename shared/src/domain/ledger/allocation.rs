//! How a payment is spread over a student's open invoices: oldest first,
//! each up to its balance; whatever is left is the student's credit.

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub applied: Vec<(Uuid, Money)>,
    pub credit: Money,
}

/// `open` is (invoice, balance), oldest first; balances of zero or less are skipped.
pub fn allocate(amount: Money, open: &[(Uuid, Money)]) -> Allocation {
    let mut left: Decimal = amount.decimal();
    let mut applied = Vec::new();
    for (invoice, balance) in open {
        if left <= Decimal::ZERO {
            break;
        }
        let balance = balance.decimal();
        if balance <= Decimal::ZERO {
            continue;
        }
        let take = left.min(balance);
        applied.push((*invoice, Money::from_decimal(take)));
        left -= take;
    }
    Allocation {
        applied,
        credit: Money::from_decimal(left.max(Decimal::ZERO)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn a_payment_fills_the_oldest_invoice_first() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let result = allocate(m("12000"), &[(a, m("10000")), (b, m("5000"))]);
        assert_eq!(result.applied, vec![(a, m("10000")), (b, m("2000"))]);
        assert_eq!(result.credit, Money::ZERO);
    }

    #[test]
    fn what_is_left_after_every_invoice_is_credit() {
        let a = Uuid::now_v7();
        let result = allocate(m("10000.50"), &[(a, m("9000"))]);
        assert_eq!(result.applied, vec![(a, m("9000"))]);
        assert_eq!(result.credit, m("1000.50"));
    }

    #[test]
    fn with_nothing_open_the_whole_payment_is_credit() {
        let result = allocate(m("500"), &[]);
        assert!(result.applied.is_empty());
        assert_eq!(result.credit, m("500"));
    }

    #[test]
    fn applied_plus_credit_always_equals_the_payment() {
        let invoices: Vec<(Uuid, Money)> = ["0", "100.10", "0.01", "99999.99", "-5"]
            .iter()
            .map(|b| (Uuid::now_v7(), m(b)))
            .collect();
        for amount in ["0.01", "100.10", "100.11", "250000", "1"] {
            let result = allocate(m(amount), &invoices);
            let total: Decimal = result
                .applied
                .iter()
                .map(|(_, a)| a.decimal())
                .sum::<Decimal>()
                + result.credit.decimal();
            assert_eq!(total, m(amount).decimal(), "{amount}");
            assert!(
                result
                    .applied
                    .iter()
                    .all(|(_, a)| a.decimal() > Decimal::ZERO)
            );
        }
    }
}
