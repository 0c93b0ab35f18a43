"""The rota of rotaplan."""


def rota_rows(rows):
    return list(rows)
