use gated_sum::sum;

#[test]
fn empty() {
    assert_eq!(sum(&[]), 0);
}

#[test]
#[ignore]
fn several() {
    assert_eq!(sum(&[1, 2, 3]), 6);
}

#[test]
#[ignore]
#[cfg(feature = "strict")]
fn overflow_is_reported() {
    assert!(std::panic::catch_unwind(|| sum(&[i64::MAX, 1])).is_err());
}
