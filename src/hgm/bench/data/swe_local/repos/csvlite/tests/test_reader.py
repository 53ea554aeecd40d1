import pytest
from csvlite import CSVError, parse_line, read_records


def test_plain_fields():
    assert parse_line("a, b ,c") == ["a", "b", "c"]


def test_quoted_field_without_delimiter():
    assert parse_line('"hello",world') == ["hello", "world"]


def test_doubled_quotes():
    assert parse_line('"say ""hi""",x') == ['say "hi"', "x"]


def test_records_use_header():
    text = "name,qty\napple,3\npear,5\n"
    assert read_records(text) == [{"name": "apple", "qty": "3"}, {"name": "pear", "qty": "5"}]


def test_wrong_field_count():
    with pytest.raises(CSVError):
        read_records("a,b\n1,2,3\n")
