"""
python manage.py restore ARCHIVE [--replace] [--check]

Puts a backup made by `manage.py backup` back: the database and every media
file (operations.backups). Everything in the archive is checked before anything
changes, starting with its signature (RIBBON_BACKUP_KEY), before anything
in it is unpacked. It goes onto an empty installation; one that holds anything is
refused unless --replace is given, and then what is there is backed up first,
next to ARCHIVE. --check only checks the archive and that it fits this
installation, and changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from operations.backups import BackupError, made_at, one_line, restore_backup


class Command(BaseCommand):
    help = "Restore a backup (database and media) onto this installation; --check only checks it."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A backup made by `manage.py backup`.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace an installation that is not empty (what is there is backed up first, next to ARCHIVE).",
        )
        parser.add_argument(
            "--check", action="store_true", help="Only check the archive and that it fits here; change nothing."
        )

    def handle(self, *args, archive, replace=False, check=False, **options):
        try:
            manifest, safety = restore_backup(archive, replace=replace, check_only=check, progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(f"The database could not be reached or read: {one_line(error)}") from None
        rows = manifest["database"]["rows"]
        what = (
            f"{sum(rows.values())} rows in {len(rows)} tables and {manifest['media']['files']} media files "
            f"from the backup made {made_at(manifest)}"
        )
        if check:
            self.stdout.write(f"{archive} is whole and fits this installation: {what}.")
        else:
            self.stdout.write(f"Restored {what}.")
        if safety:
            self.stdout.write(f"What was here before is in {safety}: keep it until you are sure.")
