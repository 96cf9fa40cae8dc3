"""
python manage.py backup PATH [--keep N]

One archive holding the database and every media file, with a manifest of
what it holds, signed with RIBBON_BACKUP_KEY and readable by its owner only
(operations.backups); without the key nothing is written. Sessions and login records
are left out. PATH is a new file name, or a folder to put a dated file in
(ribbon-20261121-020000.tar.gz): the way to run it nightly, with --keep to
remove all but the newest N there. An earlier backup is never overwritten,
and an archive that was not finished never carries its name.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from operations.backups import BackupError, keep_newest, make_backup, one_line, size, unpacked_size


class Command(BaseCommand):
    help = "Back up the database and all media files into one archive (a new file, or a dated file in a folder)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A new file name, or a folder to put a dated backup in.")
        parser.add_argument(
            "--keep", type=int, metavar="N", help="After backing up into a folder, remove all but its newest N backups."
        )

    def handle(self, *args, path, keep=None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1.")
        if keep is not None and not Path(path).is_dir():
            raise CommandError("--keep needs PATH to be a folder: it removes older dated backups there.")
        try:
            archive, manifest = make_backup(path, progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(f"The database could not be reached or read: {one_line(error)}") from None
        rows = manifest["database"]["rows"]
        media = manifest["media"]
        unpacked = unpacked_size(manifest)
        if unpacked > settings.RESTORE_MAX_BYTES:
            self.stdout.write(
                f"Note: it unpacks to {size(unpacked)}, more than a restore accepts by default; restore it with "
                f"RIBBON_RESTORE_MAX_MB={-(-unpacked // (1024 * 1024))} or more."
            )
        self.stdout.write(
            f"Backed up {sum(rows.values())} rows in {len(rows)} tables and {media['files']} media files "
            f"({size(media['bytes'])}) to {archive} ({size(archive.stat().st_size)})."
        )
        if keep is not None:
            keep_newest(archive.parent, keep, progress=self.stdout.write)
