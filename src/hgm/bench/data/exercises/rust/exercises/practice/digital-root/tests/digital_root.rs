use digital_root::digital_root;

#[test]
fn zero_takes_no_steps() {
    assert_eq!(digital_root(0), (0, 0));
}

#[test]
#[ignore]
fn single_digit_is_its_own_root() {
    assert_eq!(digital_root(7), (7, 0));
}

#[test]
#[ignore]
fn two_steps() {
    assert_eq!(digital_root(99), (9, 2));
}

#[test]
#[ignore]
fn three_steps() {
    assert_eq!(digital_root(9875), (2, 3));
}

#[test]
#[ignore]
fn largest_input() {
    assert_eq!(digital_root(u64::MAX), (6, 3));
}
