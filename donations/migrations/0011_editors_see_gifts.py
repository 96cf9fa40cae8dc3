"""
Editors keep a campaign's figures: they enter and correct offline gifts (as
they once typed the totals), see the gifts and refunds the providers
confirmed, and tick provider events once dealt with. Gifts and refunds
themselves are never edited in the admin.
"""

from django.db import migrations

from core.migration_helpers import grant_editors, revoke_editors

EDITOR_PERMISSIONS = [
    "add_offlinegift", "change_offlinegift", "delete_offlinegift", "view_offlinegift",
    "view_gift", "view_refund", "view_providerevent", "change_providerevent",
]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("donations", "0010_confirmed_gifts")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant_editors(apps, "donations", EDITOR_PERMISSIONS),
            lambda apps, schema_editor: revoke_editors(apps, "donations", EDITOR_PERMISSIONS),
        )
    ]
