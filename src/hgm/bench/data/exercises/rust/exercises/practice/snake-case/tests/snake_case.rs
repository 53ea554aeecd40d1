use snake_case::to_snake_case;

#[test]
fn empty_stays_empty() {
    assert_eq!(to_snake_case(""), "");
}

#[test]
#[ignore]
fn camel_case() {
    assert_eq!(to_snake_case("maxValue"), "max_value");
}

#[test]
#[ignore]
fn pascal_case() {
    assert_eq!(to_snake_case("ConfigLoader"), "config_loader");
}

#[test]
#[ignore]
fn acronyms_are_one_word() {
    assert_eq!(to_snake_case("parseHTTPResponse"), "parse_http_response");
    assert_eq!(to_snake_case("userID"), "user_id");
}

#[test]
#[ignore]
fn digits_stay_with_previous_word() {
    assert_eq!(to_snake_case("base64Encode"), "base64_encode");
}

#[test]
#[ignore]
fn underscores_not_doubled() {
    assert_eq!(to_snake_case("already_Snake"), "already_snake");
}
