from text_tools import slugify


def page_url(title):
    return '/pages/' + slugify(title)
