"""
One way to split long lists into pages, so that no page grows with the
amount of content: a page costs a COUNT and a LIMIT/OFFSET query, and a
page number that does not exist is a 404, never a silent copy of another
page (which would also fill the page cache with duplicates).
"""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404


def page_or_404(request, items, per_page, allow_empty=True):
    """The requested page of `items`; with allow_empty=False an empty list is a 404 too."""
    paginator = Paginator(items, per_page, allow_empty_first_page=allow_empty)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page.") from None
