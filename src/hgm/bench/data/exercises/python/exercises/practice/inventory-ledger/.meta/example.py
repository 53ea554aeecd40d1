class Ledger:
    def __init__(self):
        self._stock = {}

    @staticmethod
    def _check(quantity):
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise ValueError("quantity must be a positive integer")

    def receive(self, item, quantity):
        self._check(quantity)
        self._stock[item] = self._stock.get(item, 0) + quantity

    def ship(self, item, quantity):
        self._check(quantity)
        if self._stock.get(item, 0) < quantity:
            raise ValueError("not enough stock")
        self._stock[item] -= quantity

    def stock(self, item):
        return self._stock.get(item, 0)

    def items(self):
        return sorted(item for item, count in self._stock.items() if count > 0)
