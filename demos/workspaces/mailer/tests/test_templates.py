from mailer.templates import render


def test_render():
    assert render("Hi {name}, your order {order} shipped.", name="Ana", order=42) == "Hi Ana, your order 42 shipped."


def test_render_no_fields():
    assert render("Plain text") == "Plain text"
