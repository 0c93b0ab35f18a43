class Wallet:
    def __init__(self):
        self.coins = 0

    def deposit(self, n):
        self.coins += n

    def spend(self, n):
        if n > self.coins:
            raise ValueError('not enough coins')
        self.coins -= n

    def is_broke(self):
        return self.coins == 0
