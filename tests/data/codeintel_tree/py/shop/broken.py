def fine_before(x):
    return x + 1


def broken(:
    return price_of(

class AfterTheError:
    def still_found(self):
        return fine_before(2)
