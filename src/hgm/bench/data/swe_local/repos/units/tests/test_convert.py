import pytest
from units import UnknownUnit, convert


def test_same_unit_is_identity():
    assert convert(12.5, "m", "m") == 12.5


def test_inch_to_centimetre():
    assert convert(1, "in", "cm") == 2.54


def test_kilometres_to_metres():
    assert convert(3, "km", "m", places=0) == 3000


def test_unknown_unit():
    with pytest.raises(UnknownUnit):
        convert(1, "parsec", "m")
