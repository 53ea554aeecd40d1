import pytest
from pagerkit import page_count, paginate


def test_page_count_exact_multiple():
    assert page_count(100, 10) == 10


def test_page_count_empty_is_one_page():
    assert page_count(0, 10) == 1


def test_first_page():
    page = paginate(list(range(30)), page=1, per_page=10)
    assert page.items == list(range(10))
    assert page.has_next
    assert not page.has_previous


def test_page_out_of_range():
    with pytest.raises(ValueError):
        paginate(list(range(30)), page=4, per_page=10)


def test_per_page_must_be_positive():
    with pytest.raises(ValueError):
        page_count(10, 0)
