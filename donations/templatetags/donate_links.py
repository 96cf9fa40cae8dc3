from urllib.parse import urlencode

from django import template

register = template.Library()


@register.filter
def from_page(url, source):
    """
    `url` carrying ?from=<source>, the page where the visitor's way to the donate form began, so that
    the click is credited to it (donations.donate_query.source_path); `url` itself when there is none.
    """
    return f"{url}?{urlencode({'from': source}, safe='/')}" if source else url
