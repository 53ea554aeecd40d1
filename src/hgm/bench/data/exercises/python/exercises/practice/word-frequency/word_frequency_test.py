import pytest
from word_frequency import top_words


def test_single_word():
    assert top_words("hello", 3) == [("hello", 1)]


def test_counts_ignore_case():
    assert top_words("Go go GO stop", 1) == [("go", 3)]


def test_ties_are_alphabetical():
    assert top_words("b a c b a", 3) == [("a", 2), ("b", 2), ("c", 1)]


def test_punctuation_separates_words():
    assert top_words("one,two;two...three! two", 2) == [("two", 3), ("one", 1)]


def test_inner_apostrophe_is_part_of_word():
    assert top_words("don't 'quote' don't", 2) == [("don't", 2), ("quote", 1)]


def test_empty_text():
    assert top_words("  ,, ", 2) == []


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        top_words("a b", 0)
