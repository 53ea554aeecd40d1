import pytest
from bracket_depth import max_depth


def test_no_brackets():
    assert max_depth("plain text") == 0


def test_empty_string():
    assert max_depth("") == 0


def test_one_pair():
    assert max_depth("(a)") == 1


def test_mixed_nesting():
    assert max_depth("{[()]}") == 3


def test_siblings_do_not_add_up():
    assert max_depth("()[]{}(())") == 2


@pytest.mark.parametrize("text", [")(", "(]", "((", "a)"])
def test_unbalanced_raises(text):
    with pytest.raises(ValueError):
        max_depth(text)
