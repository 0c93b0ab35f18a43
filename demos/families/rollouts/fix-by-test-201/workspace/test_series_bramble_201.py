from series_bramble_201 import last_n


def test_last_n_1():
    assert last_n([1, 2, 3, 4], 2) == [3, 4]

def test_last_n_2():
    assert last_n(['a', 'b', 'c'], 3) == ['a', 'b', 'c']
