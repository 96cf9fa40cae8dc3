"""
Rendering stored HTML again: what `rerender_content` does after a deploy, and
what a change to the glossary does for the pages that use the term. One
path, so both give exactly what a save would.
"""

from functools import reduce
from html import escape
from operator import or_

from django.apps import apps
from django.db import models, transaction

from core.models import RenderedContentModel
from core.terms import terms_snapshot

BATCH = 200


def rendered_models():
    """Every concrete model whose rows store HTML rendered from markdown."""
    return [model for model in apps.get_models() if issubclass(model, RenderedContentModel)]


def rerender(model, pks, progress=None):
    """
    Render these rows again, in batches, each in one transaction with its rows
    locked (on PostgreSQL) so that an editor saving meanwhile is neither
    overwritten nor overwrites. Bulk updates send no signals: the caller says
    when pages have changed.
    """
    pks = list(pks)
    fields = model.derived_field_names()
    with terms_snapshot():
        for start in range(0, len(pks), BATCH):
            with transaction.atomic():
                batch = list(model._base_manager.select_for_update().filter(pk__in=pks[start : start + BATCH]))
                for row in batch:
                    row.refresh_derived_fields()
                model._base_manager.bulk_update(batch, fields)
                # What a model works out from its other rows too (a treatment's search text from its points).
                getattr(model, "after_rerender", lambda pks: None)([row.pk for row in batch])
            if progress:
                progress(model, min(start + BATCH, len(pks)), len(pks))
    return len(pks)


def rerender_mentioning(words, links=()):
    """
    Render again every row whose glossary-linked text mentions one of `words`, or whose stored HTML
    links to one of `links` (a term's entries: a page may link a form the term no longer has).
    Returns the rows rendered again, as {model: [pk, …]}: bulk updates send no signals, so the
    caller makes their pages stale.
    """
    words = [word for word in {word.strip() for word in words} if word]
    # As core.terms writes the link, closing quote included: "#node" is not "#node-biopsy".
    hrefs = [f'href="{escape(link)}"' for link in dict.fromkeys(links) if link]
    done = {}
    if not words and not hrefs:
        return done
    for model in rendered_models():
        pairs = [(source, html) for source, html in model.markdown_fields.items() if html in model.glossary_fields]
        if not pairs:
            continue
        found = [models.Q(**{f"{source}__icontains": word}) for source, _ in pairs for word in words]
        found += [models.Q(**{f"{target}__contains": href}) for _, target in pairs for href in hrefs]
        pks = list(model._base_manager.filter(reduce(or_, found)).values_list("pk", flat=True))
        if pks:
            rerender(model, pks)
            done[model] = pks
    return done
