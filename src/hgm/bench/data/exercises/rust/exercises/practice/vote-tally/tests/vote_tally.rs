use vote_tally::winner;

#[test]
fn no_ballots_no_winner() {
    assert_eq!(winner(&[]), None);
}

#[test]
#[ignore]
fn single_vote_wins() {
    assert_eq!(winner(&["ada"]), Some("ada".to_string()));
}

#[test]
#[ignore]
fn names_ignore_case_and_spaces() {
    assert_eq!(winner(&[" Ada", "ADA ", "grace"]), Some("ada".to_string()));
}

#[test]
#[ignore]
fn tie_has_no_winner() {
    assert_eq!(winner(&["ada", "grace", "grace", "ada"]), None);
}

#[test]
#[ignore]
fn blank_ballots_do_not_count() {
    assert_eq!(winner(&["  ", "", "linus"]), Some("linus".to_string()));
    assert_eq!(winner(&["", "   "]), None);
}
