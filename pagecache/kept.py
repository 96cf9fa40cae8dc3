"""
A live page's rendered content, kept by each worker and reused between edits ({% cache %} in the
"fragments" cache), whether or not the page cache is on: the parts of a page that cost most to render
(a treatment's, an article's) are rendered once per change of content, not once per request.
"""

import hashlib

from django.core.cache import caches

from core.models import sees_drafts
from pagecache.generations import content_state, has_uncommitted_changes, lifetime
from pagecache.tags import is_collecting

# The longest a worker keeps a live page's rendered content (CACHES["fragments"]); any edit of content
# replaces it sooner, and so does the next go-live or expiry of anything published.
CONTENT_KEPT_SECONDS = 3600


def kept_content(request, model, slug):
    """
    What the rendered parts of the page of `model`'s row at `slug` are kept under ({"key": …,
    "seconds": …}, for the template's {% cache %}, and "translations": the page's addresses in other
    languages, kept with them), or None when the page must be rendered afresh.
    Only the row's version is read here (its update time and whether it is live), in a query cheap to
    build: the addresses in other languages cost more to build than to read, so they are read once
    and kept under the same key; the whole row and the rows beside it only if the page is rendered.
    Kept as long as the page cache would keep the whole page: until content is next changed anywhere
    (the content's state, pagecache.generations, is part of the key), something goes live or expires,
    or midnight passes. Never for staff (they may see drafts), a page the public cannot see, while
    this request's own changes are not committed, nor for a page the page cache will store: it must
    read every row it shows, to record them (pagecache.tags). Raises model.DoesNotExist for a slug
    that names no row in the page's language.
    """
    if sees_drafts(request.user) or has_uncommitted_changes() or is_collecting():
        return None
    generation = content_state()
    if generation is None:
        return None  # the shared cache is out of reach: nobody could tell this worker of an edit
    fields = ("updated_at", "status", "go_live_at", "expires_at", "language")
    version = model.objects.in_language().only(*fields).filter(slug=slug).first()
    if version is None:
        raise model.DoesNotExist
    if not version.is_live:
        return None
    key = f"{generation} {request.build_absolute_uri('/')} {version.pk} {version.updated_at.isoformat()}"
    seconds = lifetime(generation, CONTENT_KEPT_SECONDS)
    translations = caches["fragments"].get_or_set(
        "ribbon:translations:" + hashlib.sha256(key.encode()).hexdigest(), version.translation_addresses, seconds
    )
    return {"key": key, "seconds": seconds, "translations": translations}
