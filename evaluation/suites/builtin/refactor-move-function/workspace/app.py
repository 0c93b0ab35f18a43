def slugify(title):
    return '-'.join(title.lower().split())


def page_url(title):
    return '/pages/' + slugify(title)
