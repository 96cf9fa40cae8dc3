"""Editors write and change glossary terms (deleting stays with superusers, as for other content)."""

from django.db import migrations

from core.migration_helpers import grant_editors, revoke_editors

EDITOR_PERMISSIONS = ["add_term", "change_term", "view_term"]


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0001_initial"),
        ("treatments", "0002_editors_group"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant_editors(apps, "glossary", EDITOR_PERMISSIONS),
            lambda apps, schema_editor: revoke_editors(apps, "glossary", EDITOR_PERMISSIONS),
        )
    ]
