from bounds_bramble_202 import clamp


def test_clamp_1():
    assert clamp(5, 0, 10) == 5

def test_clamp_2():
    assert clamp(-4, 0, 10) == 0

def test_clamp_3():
    assert clamp(99, 0, 10) == 10
