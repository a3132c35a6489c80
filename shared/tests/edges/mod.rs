//! Edge-biased strategies for the property tests: a uniform range almost
//! never draws 0, its limits or an empty collection, which is where money
//! code breaks. About a third of the draws here are such edges.

// Each test binary includes this module and uses a different part of it.
#![allow(dead_code)]

use std::ops::{Range, RangeInclusive};

use proptest::prelude::*;

/// A whole number in `range`, often one of its edges: the limits, one
/// inside each limit, and 0, 1 and -1 when the range holds them.
pub fn edgy(range: RangeInclusive<i64>) -> impl Strategy<Value = i64> + Clone {
    let (lo, hi) = (*range.start(), *range.end());
    let mut edges = vec![lo, hi, (lo + 1).min(hi), (hi - 1).max(lo)];
    for near_zero in [-1, 0, 1] {
        if range.contains(&near_zero) {
            edges.push(near_zero);
        }
    }
    prop_oneof![
        1 => prop::sample::select(edges),
        2 => range,
    ]
}

/// A vector of `element`s with a length in `len`, often empty (when the
/// range allows it) or as long as allowed.
pub fn edgy_vec<T: std::fmt::Debug + Clone>(
    element: impl Strategy<Value = T> + Clone,
    len: Range<usize>,
) -> impl Strategy<Value = Vec<T>> {
    let shortest = len.start;
    let longest = len.end.saturating_sub(1).max(shortest);
    prop_oneof![
        1 => prop::collection::vec(element.clone(), shortest..=shortest),
        1 => prop::collection::vec(element.clone(), longest..=longest),
        2 => prop::collection::vec(element, len),
    ]
}
