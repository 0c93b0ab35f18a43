class Meter:
    def __init__(self):
        self.value = 0

    def tick(self):
        self.value += 1

    def reset(self):
        self.value = 0

    def advance(self, steps):
        self.value += steps
