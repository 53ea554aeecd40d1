from run_length import decode, encode


def test_encode_runs():
    assert encode("WWWWBBBWZ") == "4W3BWZ"


def test_encode_singles():
    assert encode("abc") == "abc"


def test_encode_empty():
    assert encode("") == ""


def test_encode_spaces():
    assert encode("  a  ") == "2 a2 "


def test_decode():
    assert decode("4W3BWZ") == "WWWWBBBWZ"


def test_long_runs():
    assert encode("x" * 12) == "12x"
    assert decode("12x") == "x" * 12


def test_round_trip():
    for text in ("aabcccccaaa", "zz y  x", "q"):
        assert decode(encode(text)) == text
