from signs_cedar_203 import describe


def test_describe_1():
    assert describe(3) == 'positive'

def test_describe_2():
    assert describe(-2) == 'negative'

def test_describe_3():
    assert describe(0) == 'zero'
