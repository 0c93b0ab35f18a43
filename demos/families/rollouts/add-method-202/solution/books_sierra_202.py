class Ledger:
    def __init__(self):
        self.entries = []

    def record(self, amount):
        self.entries.append(amount)

    def balance(self):
        return sum(self.entries)
