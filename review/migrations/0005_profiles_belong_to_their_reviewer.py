"""
A reviewer's name and credentials are printed on every page they approve:
editors read them but no longer add or change them (review.admin.ReviewerAdmin
lets a reviewer change only their own, and a superuser any).
"""

from django.db import migrations

from core.migration_helpers import EDITORS, grant, revoke

WRITE = ["add_reviewer", "change_reviewer"]


def forwards(apps, schema_editor):
    revoke(apps, EDITORS, "review", WRITE)


def backwards(apps, schema_editor):
    grant(apps, EDITORS, "review", WRITE)


class Migration(migrations.Migration):
    dependencies = [("review", "0004_reminders")]

    operations = [migrations.RunPython(forwards, backwards)]
