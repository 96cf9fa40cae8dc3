"""
python manage.py ensure_admin

Makes sure someone can log in to the admin on a fresh install: when no
superuser exists it creates `admin` with a random password and prints it
once. Nothing is ever written to disk, so no password lands in the repo.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create an 'admin' superuser with a random password if there is no superuser yet."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists; no account was created.")
            return
        if User.objects.filter(username=username).exists():
            raise CommandError(
                f"A user called {username!r} exists but is not a superuser. Run "
                f"`python manage.py createsuperuser` with another name."
            )
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Created the admin account (this password is shown only once):",
                    f"  username: {username}",
                    f"  password: {password}",
                    f"Change it after logging in, or set a new one with `python manage.py changepassword {username}`.",
                    "",
                ]
            )
        )
