import pytest
from inventory_ledger import Ledger


def test_new_ledger_is_empty():
    ledger = Ledger()
    assert ledger.items() == []
    assert ledger.stock("bolts") == 0


def test_receive_adds_up():
    ledger = Ledger()
    ledger.receive("bolts", 5)
    ledger.receive("bolts", 7)
    assert ledger.stock("bolts") == 12


def test_ship_removes_stock():
    ledger = Ledger()
    ledger.receive("nuts", 10)
    ledger.ship("nuts", 4)
    assert ledger.stock("nuts") == 6


def test_shipping_too_much_changes_nothing():
    ledger = Ledger()
    ledger.receive("nuts", 3)
    with pytest.raises(ValueError):
        ledger.ship("nuts", 4)
    assert ledger.stock("nuts") == 3


@pytest.mark.parametrize("quantity", [0, -2, 1.5])
def test_quantities_must_be_positive_integers(quantity):
    ledger = Ledger()
    with pytest.raises(ValueError):
        ledger.receive("washers", quantity)


def test_items_lists_only_stocked_items_sorted():
    ledger = Ledger()
    ledger.receive("screws", 1)
    ledger.receive("anchors", 2)
    ledger.receive("bolts", 1)
    ledger.ship("bolts", 1)
    assert ledger.items() == ["anchors", "screws"]
