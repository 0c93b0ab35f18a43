from intervals import merge


def test_merge_overlapping():
    assert merge([(1, 4), (2, 6), (8, 9)]) == [(1, 6), (8, 9)]


def test_merge_unsorted():
    assert merge([(8, 9), (1, 2)]) == [(1, 2), (8, 9)]


def test_merge_touching():
    assert merge([(1, 3), (3, 5)]) == [(1, 5)]


def test_merge_empty():
    assert merge([]) == []
