"""Editors run campaigns too; deleting a campaign stays with superusers."""

from django.db import migrations

from core.migration_helpers import grant_editors, revoke_editors

EDITOR_PERMISSIONS = [
    "add_campaign", "change_campaign", "view_campaign",
    "add_suggestedamount", "change_suggestedamount", "delete_suggestedamount", "view_suggestedamount",
    "view_donateclick",
]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("donations", "0001_initial"),
        ("treatments", "0002_editors_group"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant_editors(apps, "donations", EDITOR_PERMISSIONS),
            lambda apps, schema_editor: revoke_editors(apps, "donations", EDITOR_PERMISSIONS),
        )
    ]
