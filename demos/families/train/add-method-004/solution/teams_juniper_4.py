class Roster:
    def __init__(self):
        self.names = []

    def enrol(self, name):
        self.names.append(name)

    def has(self, name):
        return name in self.names
