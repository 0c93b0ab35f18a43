class Tray:
    def __init__(self):
        self.things = []

    def put(self, thing):
        self.things.append(thing)

    def newest(self):
        if not self.things:
            return None
        return self.things[-1]
