from grades_nectar_206 import passing


def test_passing_1():
    assert passing([40, 50, 70], 50) == [50, 70]

def test_passing_2():
    assert passing([10, 20], 30) == []
