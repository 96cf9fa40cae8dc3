"""Editors read what readers said about the pages (nobody edits it)."""

from django.db import migrations

from core.migration_helpers import grant_editors, revoke_editors

EDITOR_PERMISSIONS = ["view_feedback"]


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
        ("treatments", "0002_editors_group"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant_editors(apps, "feedback", EDITOR_PERMISSIONS),
            lambda apps, schema_editor: revoke_editors(apps, "feedback", EDITOR_PERMISSIONS),
        )
    ]
