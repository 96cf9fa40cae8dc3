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

from django.core.management.base import BaseCommand

from core.markdown import renderer_version
from core.rendering import rendered_models, rerender
from pagecache import generations


class Command(BaseCommand):
    help = "Render stored HTML again where an older renderer made it (idempotent; quick when all is current)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Render every row again, current or not.")

    def handle(self, *args, all=False, **options):
        version = renderer_version()
        changed = 0
        for model in rendered_models():
            rows = model._base_manager.all() if all else model._base_manager.exclude(rendered_with=version)
            changed += rerender(model, rows.order_by("pk").values_list("pk", flat=True), progress=self.progress)
        if changed:
            generations.invalidate()  # bulk updates send no signals
        self.stdout.write(
            f"Stored HTML is current (renderer {version}): {changed} row(s) rendered again."
            if changed
            else f"Stored HTML is current (renderer {version}): nothing to do."
        )

    def progress(self, model, done, total):
        self.stdout.write(f"  {model._meta.verbose_name_plural}: {done} of {total} rendered again")
