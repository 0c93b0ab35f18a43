class Tray:
    def __init__(self):
        self.things = []

    def put(self, thing):
        self.things.append(thing)
