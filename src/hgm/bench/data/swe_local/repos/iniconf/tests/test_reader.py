import pytest
from iniconf import ParseError, parse


def test_sections_and_keys():
    text = "[server]\nHost = example.org\nport=8080\n\n[client]\nretries = 3\n"
    assert parse(text) == {
        "server": {"host": "example.org", "port": "8080"},
        "client": {"retries": "3"},
    }


def test_comments_are_ignored():
    assert parse("# top\n[a]\n; note\nx = 1\n") == {"a": {"x": "1"}}


def test_key_outside_section_is_an_error():
    with pytest.raises(ParseError) as caught:
        parse("x = 1\n")
    assert caught.value.line_number == 1


def test_line_without_equals_is_an_error():
    with pytest.raises(ParseError):
        parse("[a]\njust words\n")
