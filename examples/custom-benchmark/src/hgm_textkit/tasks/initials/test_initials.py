from initials import initials


def test_three_words():
    assert initials("Portable Network Graphics") == "PNG"


def test_hyphenated_words_count_twice():
    assert initials("Complementary metal-oxide semiconductor") == "CMOS"


def test_spaces_and_punctuation():
    assert initials("  first-in, first-out ") == "FIFO"


def test_lower_case_becomes_upper():
    assert initials("ruby on rails") == "ROR"


def test_digits():
    assert initials("3 dimensional printing") == "3DP"


def test_empty():
    assert initials("") == ""
    assert initials("   ") == ""
