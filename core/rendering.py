"""
Rendering stored HTML again: what `rerender_content` does after a deploy, and
what a change to the glossary does for the pages that use the term. One
path, so both give exactly what a save would.
"""

from functools import reduce
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


def rerender_mentioning(words):
    """Render again every row whose glossary-linked text mentions one of `words` (a term changed). Row count."""
    words = [word for word in {word.strip() for word in words} if word]
    if not words:
        return 0
    done = 0
    for model in rendered_models():
        sources = [source for source, target in model.markdown_fields.items() if target in model.glossary_fields]
        if not sources:
            continue
        mentions = reduce(or_, (models.Q(**{f"{source}__icontains": word}) for source in sources for word in words))
        done += rerender(model, model._base_manager.filter(mentions).values_list("pk", flat=True))
    return done
