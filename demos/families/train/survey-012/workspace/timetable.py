"""The timetable of busnext."""


def timetable_rows(rows):
    return list(rows)
