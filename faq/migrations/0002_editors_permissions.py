"""Editors write and arrange questions and topics too (deleting stays with superusers)."""

from django.db import migrations

from core.migration_helpers import grant_editors, revoke_editors

EDITOR_PERMISSIONS = [
    "add_topic", "change_topic", "view_topic",
    "add_question", "change_question", "view_question",
]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("faq", "0001_initial"),
        ("treatments", "0002_editors_group"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant_editors(apps, "faq", EDITOR_PERMISSIONS),
            lambda apps, schema_editor: revoke_editors(apps, "faq", EDITOR_PERMISSIONS),
        )
    ]
