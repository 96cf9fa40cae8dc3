"""
python manage.py prepare_site [--static] [--demo]

Makes this installation ready to serve, in one process: the static files
(`--static`, for production serving), the database's tables, stored HTML
made by the current renderer, and with `--demo` the demo content and an
admin account. `make run` and `make serve` run it before serving. Each step
is its own idempotent command (collectstatic, migrate, rerender_content,
load_demo, ensure_admin); run here together they pay Django's start-up once
instead of once each, which is most of a start on a small site.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Static files (--static), migrations, stored HTML, and the demo content and an admin (--demo): idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--static", action="store_true", help="Collect the static files first (production).")
        parser.add_argument("--demo", action="store_true", help="Load the demo content and make sure an admin exists.")

    def handle(self, *args, static=False, demo=False, **options):
        if static:
            self.stdout.write("Collecting static files...")
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Migrating the database...")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("rerender_content", stdout=self.stdout)
        if demo:
            call_command("load_demo", stdout=self.stdout)
            call_command("ensure_admin", stdout=self.stdout)
