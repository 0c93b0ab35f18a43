class MergeTariff:
    def __init__(self, data):
        self.data = data
