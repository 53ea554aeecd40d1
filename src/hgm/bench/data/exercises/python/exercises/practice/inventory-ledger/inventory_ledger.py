class Ledger:
    def receive(self, item, quantity):
        pass

    def ship(self, item, quantity):
        pass

    def stock(self, item):
        pass

    def items(self):
        pass
