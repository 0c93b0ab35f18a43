from shop.cart import open_cart


def run(owner):
    return open_cart(owner).count


def setup_plugin_22():
    return run("plugin22")
