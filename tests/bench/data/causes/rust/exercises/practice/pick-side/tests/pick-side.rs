use pick_side::describe;

#[test]
fn even() {
    assert_eq!(describe(4), "even 4");
}

#[test]
#[ignore]
fn odd() {
    assert_eq!(describe(3), "half 1.5");
}
