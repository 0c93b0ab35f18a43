class Tray:
    def __init__(self):
        self.things = []

    def put(self, thing):
        self.things.append(thing)

    def emptied(self):
        taken = self.things
        self.things = []
        return taken
