//! Properties of payment allocation: nothing is lost or invented, the
//! oldest invoice is filled first, and only the excess becomes credit.

mod edges;

use edges::{edgy, edgy_vec};
use proptest::prelude::*;
use rust_decimal::Decimal;
use shared::domain::{ledger::allocation::allocate, money::Money};
use uuid::Uuid;

fn cents(c: i64) -> Money {
    Money::from_decimal(Decimal::new(c, 2))
}

/// Open invoices oldest first, often none; some balances are zero or
/// negative, as a corrupted or fully paid row could be.
fn invoices() -> impl Strategy<Value = Vec<(Uuid, Money)>> {
    edgy_vec(edgy(-5_000..=5_000_000), 0..8).prop_map(|balances| {
        balances
            .into_iter()
            .enumerate()
            .map(|(i, c)| (Uuid::from_u128(i as u128 + 1), cents(c)))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn applied_plus_credit_is_exactly_the_payment(amount in edgy(1..=50_000_000), open in invoices()) {
        let split = allocate(cents(amount), &open);
        let applied: Decimal = split.applied.iter().map(|(_, m)| m.decimal()).sum();
        prop_assert_eq!(applied + split.credit.decimal(), cents(amount).decimal());
        prop_assert!(!split.credit.is_negative());
    }

    #[test]
    fn no_invoice_gets_more_than_its_balance_or_a_zero_share(amount in edgy(1..=50_000_000), open in invoices()) {
        let split = allocate(cents(amount), &open);
        for (invoice, share) in &split.applied {
            let balance = open.iter().find(|(id, _)| id == invoice).unwrap().1;
            prop_assert!(share.decimal() > Decimal::ZERO);
            prop_assert!(share.decimal() <= balance.decimal());
        }
    }

    #[test]
    fn the_oldest_open_invoices_are_filled_first_and_only_the_last_partly(amount in edgy(1..=50_000_000), open in invoices()) {
        let split = allocate(cents(amount), &open);
        let owing: Vec<&(Uuid, Money)> = open.iter().filter(|(_, b)| b.decimal() > Decimal::ZERO).collect();
        prop_assert!(split.applied.len() <= owing.len());
        for (i, (invoice, share)) in split.applied.iter().enumerate() {
            prop_assert_eq!(invoice, &owing[i].0, "applied out of order");
            if i + 1 < split.applied.len() {
                prop_assert_eq!(*share, owing[i].1, "an older invoice was left part paid");
            }
        }
    }

    #[test]
    fn credit_is_only_what_exceeds_everything_owed(amount in edgy(1..=50_000_000), open in invoices()) {
        let split = allocate(cents(amount), &open);
        let owed: Decimal = open.iter().map(|(_, b)| b.decimal().max(Decimal::ZERO)).sum();
        let expected = (cents(amount).decimal() - owed).max(Decimal::ZERO);
        prop_assert_eq!(split.credit.decimal(), expected);
        if split.credit.decimal() > Decimal::ZERO {
            prop_assert_eq!(split.applied.len(), open.iter().filter(|(_, b)| b.decimal() > Decimal::ZERO).count());
        }
    }

    #[test]
    fn paying_exactly_what_is_owed_fills_every_invoice_and_leaves_no_credit(open in invoices()) {
        let owed: i64 = open
            .iter()
            .map(|(_, b)| (b.decimal() * Decimal::ONE_HUNDRED).max(Decimal::ZERO).try_into().unwrap_or(0i64))
            .sum();
        if owed == 0 {
            return Ok(());
        }
        let split = allocate(cents(owed), &open);
        prop_assert_eq!(split.credit.decimal(), Decimal::ZERO);
        let owing: Vec<(Uuid, Money)> = open.iter().copied().filter(|(_, b)| b.decimal() > Decimal::ZERO).collect();
        prop_assert_eq!(split.applied, owing);
    }
}
