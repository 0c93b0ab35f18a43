class MergeVoucher:
    def __init__(self, data):
        self.data = data
