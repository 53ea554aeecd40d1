from mask_digits import mask


def test_card_with_dashes():
    assert mask("4556-3646-0793-5616") == "####-####-####-5616"


def test_spaces_stay():
    assert mask("12 345") == "#2 345"


def test_four_digits_unchanged():
    assert mask("1234") == "1234"


def test_empty():
    assert mask("") == ""


def test_letters_stay():
    assert mask("ab123456cd") == "ab##3456cd"


def test_long_number():
    assert mask("1" * 16) == "#" * 12 + "1111"
