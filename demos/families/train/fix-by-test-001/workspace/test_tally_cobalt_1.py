from tally_cobalt_1 import count_multiples


def test_count_multiples_1():
    assert count_multiples(10, 5) == 2

def test_count_multiples_2():
    assert count_multiples(9, 3) == 3

def test_count_multiples_3():
    assert count_multiples(4, 7) == 0
