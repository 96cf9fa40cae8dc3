"""
python manage.py rerender_content [--all]

Renders stored HTML again wherever it was made by another version of the
renderer (core.markdown.renderer_version): after an upgrade of Markdown or
nh3, a tightened allowlist or any change to the renderer, every published
page gets the new output, not just pages edited since. `make serve` runs it
on every start; when everything is current it only counts, which is quick.

Idempotent, in batches, each batch in one transaction with its rows locked
(on PostgreSQL) so that an editor saving meanwhile is neither overwritten nor
overwrites; then the page cache is invalidated once.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from core import page_cache
from core.markdown import renderer_version
from core.models import RenderedContentModel

BATCH = 200


def rendered_models():
    """Every concrete model whose rows store HTML rendered from markdown."""
    return [model for model in apps.get_models() if issubclass(model, RenderedContentModel)]


class Command(BaseCommand):
    help = "Render stored HTML again where an older renderer made it (idempotent; quick when all is current)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Render every row again, current or not.")

    def handle(self, *args, all=False, **options):
        version = renderer_version()
        changed = 0
        for model in rendered_models():
            changed += self.rerender(model, version, everything=all)
        if changed:
            page_cache.invalidate()  # bulk updates send no signals
        self.stdout.write(
            f"Stored HTML is current (renderer {version}): {changed} row(s) rendered again."
            if changed
            else f"Stored HTML is current (renderer {version}): nothing to do."
        )

    def rerender(self, model, version, everything):
        rows = model._base_manager.all() if everything else model._base_manager.exclude(rendered_with=version)
        pks = list(rows.order_by("pk").values_list("pk", flat=True))
        if not pks:
            return 0
        name = model._meta.verbose_name_plural
        fields = model.derived_field_names()
        for start in range(0, len(pks), BATCH):
            with transaction.atomic():
                batch = list(model._base_manager.select_for_update().filter(pk__in=pks[start : start + BATCH]))
                for row in batch:
                    row.refresh_derived_fields()
                model._base_manager.bulk_update(batch, fields)
                # What a model works out from its other rows too (a treatment's search text from its points).
                getattr(model, "after_rerender", lambda pks: None)([row.pk for row in batch])
            self.stdout.write(f"  {name}: {min(start + BATCH, len(pks))} of {len(pks)} rendered again")
        return len(pks)
