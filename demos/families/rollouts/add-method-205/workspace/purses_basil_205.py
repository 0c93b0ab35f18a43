class Wallet:
    def __init__(self):
        self.coins = 0

    def deposit(self, n):
        self.coins += n
